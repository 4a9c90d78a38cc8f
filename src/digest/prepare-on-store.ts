// Prepares the edition of a date given only a Store (PostgreSQL's path; SQLite keeps its own tuned one, prepare.ts):
// the same decisions and the same deliveries for the same rows, from the engine-independent part (prepare-selection.ts),
// with the reads and writes of the Store's preparation area. Under the edition's lock (`prepare:<date>`: on PostgreSQL a
// session advisory lock, so a second process gets JOB_LOCKED), it ranks the date on this thread (async reads; the CPU
// work is the SQLite ranking thread's), decides the edition in one transaction (empty, or 'preparing' with its audience
// frozen), then each step reads a page of the audience in one snapshot, selects for its readers, and writes their
// deliveries and the papers they were shown in one transaction that also moves prepared_through on. A crash leaves a
// 'preparing' edition that the next call resumes after prepared_through; the last step marks it 'ready'.
import type { Store } from '../db/store.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { DeliveryDraft } from '../db/stores/preparation.js';
import type { PaperText } from '../rank/text-vectors.js';
import { rankEditionAsync } from '../rank/edition-async.js';
import { createEditionSelection, planEdition, preparedLogFields, textsFrom, type PrepareOptions, type PrepareSettings } from './prepare-selection.js';
import { interrupted, PAGE, PREPARE_LOCK_TTL_MS, prepareLockName, type PrepareResult, type StepOptions } from './prepare.js';
import { withLock } from '../jobs/lock.js';
import { AppError } from '../lib/errors.js';

/**
 * A page's selection stops at the reader in hand past this (performance.now() since the page's data arrived): its
 * CPU work between two awaits, under the 250 ms the event loop may be held. A page of 500 readers takes a few ms.
 */
const STEP_BUDGET_MS = 100;

type Deps = { store: Store; clock: Clock; logger: Logger };

export async function prepareEditionOnStore(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions = {}): Promise<PrepareResult> {
  const { store, clock, logger } = deps;
  // A ready edition is frozen (an empty one may be replaced: it holds nothing).
  const existing = await store.editionByDate(date);
  if (existing?.status === 'ready') return { edition: existing, created: false, deliveries: 0, skipped: 0 };
  const ttlMs = PREPARE_LOCK_TTL_MS;
  return withLock({ store, clock }, prepareLockName(date), { ttlMs, renewMs: ttlMs / 5, signal: options.signal }, async (lease) => {
    // Rank as of the edition's cut-off: the same whenever this runs, so a resumed preparation ranks as the first did.
    const loaded = await rankEditionAsync(store.candidateReader, date, s);
    const daily = loaded.ranking;
    const plan = planEdition(daily, date, s, await store.latestReadyEditionBefore(date), options);
    const nowIso = clock.now().toISOString();
    const decision = plan.emptyReason
      ? { emptyReason: plan.emptyReason }
      : { subject: plan.subject((await store.getPaper(plan.leadPaperId()))?.title ?? '') };
    const opened = await store.openEditionPreparation(date, nowIso, decision);
    if (opened.outcome === 'ready') return { edition: opened.edition, created: false, deliveries: 0, skipped: 0 };
    if (opened.outcome === 'empty') {
      logger.info({ event: 'edition.empty', date, reason: opened.edition.reason }, 'edition has nothing to send');
      return { edition: opened.edition, created: true, deliveries: 0, skipped: 0 };
    }
    const resumed = opened.outcome === 'resumed';
    const { edition } = opened;
    const editionId = edition.id;
    const audienceMaxId = edition.audience_max_id ?? 0;
    const audienceAt = edition.audience_at ?? edition.prepared_at;
    let through = edition.prepared_through ?? 0;
    if (resumed) logger.warn({ event: 'edition.prepare_resumed', date, editionId, preparedThrough: through, audienceMaxId }, 'resuming an interrupted preparation');

    // The text the personal part asks for, read before each page (the selection itself reads synchronously): the
    // pools when first needed and the page's profile papers not scored yet (selection.textIdsFor).
    let pageTexts: ReadonlyMap<string, PaperText> = new Map();
    const selection = createEditionSelection({
      date,
      s,
      plan,
      editionId,
      nowIso,
      stored: await store.editionPaperIds(editionId),
      texts: (ids) => textsFrom(pageTexts)(ids),
    });

    const pageSize = options.pageSize ?? PAGE;
    const budgetMs = options.stepBudgetMs ?? STEP_BUDGET_MS;
    let deliveries = 0;
    let skipped = 0;
    let first = true;
    // Between steps: stop when asked to (the edition stays 'preparing'), or when the edition's lock was lost.
    const check = () => {
      if (options.signal?.aborted) throw interrupted(date, options.signal);
      if (lease.signal.aborted) throw lockLost(date, lease.signal);
    };
    for (;;) {
      check();
      const startedAt = performance.now();
      const page = await store.preparationPage({ editionId, after: through, audienceMaxId, audienceAt, limit: pageSize, fromDate: selection.fromDate });
      const done = page.members.length === 0;
      await loaded.loadTopics(new Set([...page.topics.values()].flat()));
      const textIds = selection.textIdsFor(page);
      pageTexts = textIds.length ? await store.paperTexts(textIds) : new Map();
      const drafts: DeliveryDraft[] = [];
      const selected = selection.selectPage(page, through, performance.now() + budgetMs, (d) => drafts.push(d));
      // The first step also stores the edition's own top papers (the archive's list), whoever reads them.
      const ids = selection.toStore(first ? [...selection.topIds(), ...selected.shown] : selected.shown);
      const rows = await store.papersByIds(ids);
      const papers = ids.map((id) => selection.editionPaper(id, rows.get(id)!));
      const next = done ? audienceMaxId : selected.doneThrough;
      // Only while this process holds the edition's lock (and the step itself writes only from `through`).
      check();
      const bodyStarted = performance.now();
      const written = await store.writePreparationStep({ editionId, from: through, through: next, papers, deliveries: drafts });
      deliveries += written.pending;
      skipped += written.skipped;
      first = false;
      through = next;
      options.onStep?.({ editionId, preparedThrough: through, audienceMaxId, startedAt, bodyMs: performance.now() - bodyStarted });
      if (done) break;
    }
    check();
    const ready = await store.markEditionReady(editionId, audienceMaxId);
    logger.info(preparedLogFields({ date, editionId, deliveries, skipped, resumed }, selection, plan, daily), 'edition prepared');
    return { edition: ready, created: true, deliveries, skipped, ...(resumed ? { resumed: true } : {}) };
  });
}

function lockLost(date: string, signal: AbortSignal): unknown {
  return signal.reason instanceof AppError ? signal.reason : new AppError('LOCK_LOST', `the lock of the ${date} edition was taken by another process`, { cause: signal.reason });
}
