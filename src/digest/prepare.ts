// Prepares the edition for a date: the frozen ranking, a snapshot of each paper shown, and one delivery per active
// subscriber with that subscriber's selection — daily readers the day's trending papers, weekly readers (on
// WEEKLY_DIGEST_DAY) the best of the past 7 days. A second call changes nothing.
// In steps, so that a million subscribers never hold the event loop or the write lock for long: the first short
// transaction decides the edition (empty, or 'preparing' with its audience frozen: subscriber ids up to the largest
// one, confirmed by then), then each step writes the deliveries of a few pages of subscribers in its own transaction
// and moves prepared_through on, and the last one marks the edition 'ready'. A crash leaves a 'preparing' edition that
// the next call resumes after prepared_through (UNIQUE (edition_id, subscriber_id) keeps anyone from getting two);
// the edition's lock (`prepare:<date>` in locks) keeps a second process from preparing it at the same time.
// prepareEdition runs every step at once (the CLI, tests); prepareEditionInSteps yields between steps (the server).
// The never-twice ledger is not written here: a paper counts as sent when the SMTP server accepts the email.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { createPapersRepo } from '../db/papers-repo.js';
import { createSentPapersRepo } from '../db/sent-papers-repo.js';
import { createProfilesRepo } from '../db/profiles-repo.js';
import { createEditionsRepo, type EditionRow } from '../db/editions-repo.js';
import { rankEdition, type Precomputed } from '../rank/edition.js';
import { checkpointsOffThread, rankOffThread, releasePreparationThread } from './prepare-thread.js';
import type { ScoredPaper } from '../rank/types.js';
import { createEditionSelection, planEdition, preparedLogFields, rankSettings, trendsOf, type DeliveryDraft, type PrepareOptions, type PrepareSettings } from './prepare-selection.js';
import { newLockOwner, releaseLock, renewLock, tryAcquireLock } from '../jobs/lock.js';
import { editionPreparationRepo } from '../db/edition-preparation-repo.js';
import { AppError } from '../lib/errors.js';

export { weeklyTrend, type PrepareSettings } from './prepare-selection.js';

export interface PrepareResult {
  edition: EditionRow;
  created: boolean;
  /** Deliveries written by this call (a resumed preparation counts only what it wrote itself). */
  deliveries: number;
  skipped: number;
  /** This call resumed a preparation that an earlier (crashed or interrupted) one left. */
  resumed?: boolean;
}

export interface StepOptions {
  /** Subscribers read per page at most (one set of range queries each; fewer when less of the step's budget is left). */
  pageSize?: number | undefined;
  /** A step (one transaction) ends after the first page that takes it past this many milliseconds. */
  stepBudgetMs?: number | undefined;
  /**
   * Called after each committed step (tests kill a process here; the bench times steps: `startedAt` is
   * performance.now() before BEGIN, `bodyMs` the time inside the transaction, between BEGIN and COMMIT).
   */
  onStep?: ((p: { editionId: number; preparedThrough: number; audienceMaxId: number; startedAt: number; bodyMs: number }) => void) | undefined;
  /** Called when a WAL checkpoint on the helper thread ends (the bench lines them up with slow steps; `held`: the steps waited for it). */
  onCheckpoint?: ((c: { startedAt: number; ms: number; frames: number; held: boolean }) => void) | undefined;
  /** The WAL the steps let grow before they wait for a checkpoint (WAL_HOLD_BYTES unless told: tests use a small one). */
  walHoldBytes?: number | undefined;
  /** How often the helper thread checkpoints while the steps commit (CHECKPOINT_EVERY_MS unless told). */
  checkpointEveryMs?: number | undefined;
  /** Stops between steps: the edition stays 'preparing' and the next call resumes it. */
  signal?: AbortSignal | undefined;
}

/** Readers per page (either engine). */
export const PAGE = 500;
/** The smallest page read when little of a step's budget is left (its range queries cost about as much as 25 readers). */
const MIN_PAGE = 25;
/** Well under the 250 ms the event loop may be held: a page of 500 readers takes a few milliseconds. */
const STEP_BUDGET_MS = 40;
/** The edition's lock outlives a stalled step by far; every step renews it inside its own transaction. */
export const PREPARE_LOCK_TTL_MS = 5 * 60_000;
export const prepareLockName = (date: string) => `prepare:${date}`;

type Deps = { db: Db; clock: Clock; logger: Logger };

/** Prepares the edition in one go (each step still its own transaction, so a crash is resumable). */
export function prepareEdition(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions = {}): PrepareResult {
  const p = begin(deps, date, s, options);
  if ('done' in p) return p.done;
  try {
    while (!p.step()) if (options.signal?.aborted) throw interrupted(date, options.signal);
    return p.finish();
  } finally {
    p.release();
  }
}

/** Prepares the edition a step at a time, letting the event loop run between steps (the server's daily job). */
export async function prepareEditionInSteps(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions = {}): Promise<PrepareResult> {
  const existing = createEditionsRepo(deps.db).getByDate(date);
  if (existing?.status === 'ready') return { edition: existing, created: false, deliveries: 0, skipped: 0 };
  // Loading and scoring the candidate window is one long synchronous run: on its own thread, over its own connection
  // (an in-memory database has no file to share: ranked here).
  const file = deps.db.name;
  const trends = trendsOf(date, s);
  const pre =
    file && !deps.db.memory
      ? await rankOffThread({ databasePath: file, date, settings: rankSettings(s), trends }).catch((err: unknown) => {
          // The same ranking is computed here then (slower for the event loop, never wrong).
          deps.logger.warn({ event: 'edition.rank_thread_failed', date, err: (err as Error).message }, 'ranking on the server thread instead');
          return undefined;
        })
      : undefined;
  const p = begin(deps, date, s, options, pre);
  if ('done' in p) return p.done;
  // Thousands of commits: their checkpoints (copying the WAL into the file, an fsync) run on another thread.
  const checkpoints = checkpointsOffThread(deps.db, { onCheckpoint: options.onCheckpoint, holdBytes: options.walHoldBytes, everyMs: options.checkpointEveryMs });
  try {
    for (;;) {
      // setImmediate, not a promise tick: pending I/O (HTTP requests, the intake thread's answers) runs first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw interrupted(date, options.signal);
      if (p.step()) break;
      const checkpointed = checkpoints.tick(); // the WAL past its bound: the next step waits for it to be copied
      if (checkpointed) await checkpointed;
    }
    return p.finish();
  } finally {
    await checkpoints.stop();
    p.release();
    releasePreparationThread();
  }
}

/** A preparation stopped between steps by its caller's signal (either engine): the next run resumes it. */
export function interrupted(date: string, signal: AbortSignal): AppError {
  return new AppError('JOB_INTERRUPTED', `preparing the ${date} edition was interrupted; the next run resumes it`, { cause: signal.reason });
}

interface Preparation {
  /** Writes the next step in one transaction; true when every subscriber of the audience is done. */
  step(): boolean;
  /** Marks the edition ready. */
  finish(): PrepareResult;
  release(): void;
}

function begin(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions, pre?: Precomputed): Preparation | { done: PrepareResult } {
  const { db, clock, logger } = deps;
  const editions = createEditionsRepo(db);
  // A ready edition is frozen. An empty one is not: it holds no papers and no deliveries, so preparing the date
  // again (after a failed ingest was fixed, say) may replace it.
  const existing = editions.getByDate(date);
  if (existing?.status === 'ready') return { done: { edition: existing, created: false, deliveries: 0, skipped: 0 } };

  const lockName = prepareLockName(date);
  const owner = newLockOwner();
  if (!tryAcquireLock(db, lockName, owner, clock.now(), PREPARE_LOCK_TTL_MS))
    throw new AppError('JOB_LOCKED', `another process is preparing the ${date} edition`);
  const release = () => {
    if (db.open) releaseLock(db, lockName, owner);
  };
  try {
    const p = start(deps, date, s, options, owner, pre);
    if ('done' in p) release();
    return 'done' in p ? p : { ...p, release };
  } catch (err) {
    release();
    throw err;
  }
}

function start(
  deps: Deps,
  date: string,
  s: PrepareSettings,
  options: PrepareOptions & StepOptions,
  owner: string,
  pre: Precomputed | undefined,
): Omit<Preparation, 'release'> | { done: PrepareResult } {
  const { db, clock, logger } = deps;
  const editions = createEditionsRepo(db);
  const nowIso = clock.now().toISOString();
  const candidatesRepo = createCandidatesRepo(db);
  const sentPapers = createSentPapersRepo(db);
  const papers = createPapersRepo(db);
  const profiles = createProfilesRepo(db);
  const pageSize = options.pageSize ?? PAGE;
  const budgetMs = options.stepBudgetMs ?? STEP_BUDGET_MS;
  const lockName = prepareLockName(date);

  // Rank as of the edition's cut-off (the end of its date): the same whenever this runs (rank/edition.ts), so a
  // resumed preparation ranks exactly as the one that started it. Read before any write lock is taken.
  const daily = rankEdition(candidatesRepo, date, s, pre);
  const plan = planEdition(daily, date, s, editions.latestReadyBefore(date)?.date, options);

  const writes = editionPreparationRepo(db);
  // The first transaction: resume a preparing edition, or decide the edition and freeze its audience.
  const decision = plan.emptyReason ? { emptyReason: plan.emptyReason } : { subject: plan.subject(papers.get(plan.leadPaperId())?.title ?? '') };
  const opened = writes.openEdition(date, nowIso, decision);
  if (opened.outcome === 'ready') return { done: { edition: opened.edition, created: false, deliveries: 0, skipped: 0 } };
  if (opened.outcome === 'empty') {
    logger.info({ event: 'edition.empty', date, reason: opened.edition.reason }, 'edition has nothing to send');
    return { done: { edition: opened.edition, created: true, deliveries: 0, skipped: 0 } };
  }
  const resumed = opened.outcome === 'resumed';

  const edition = opened.edition;
  const editionId = edition.id;
  const audienceMaxId = edition.audience_max_id ?? 0;
  const audienceAt = edition.audience_at ?? edition.prepared_at;
  let preparedThrough = edition.prepared_through ?? 0;
  if (resumed) logger.warn({ event: 'edition.prepare_resumed', date, editionId, preparedThrough, audienceMaxId }, 'resuming an interrupted preparation');

  const selection = createEditionSelection({
    date,
    s,
    plan,
    editionId,
    nowIso,
    stored: editions.papers(editionId).map((p) => p.paper_id),
    texts: (ids) => profiles.texts(ids),
  });
  const storeShown = (ids: Iterable<string>) => {
    for (const id of selection.toStore(ids)) {
      const p = selection.editionPaper(id, papers.get(id)!);
      writes.insertPaper(editionId, id, p.rank, p.score, p.reason, p.snapshotJson);
    }
  };
  const { fromDate } = selection;
  let deliveries = 0;
  let skipped = 0;
  // Readers written per millisecond so far (a moving average over pages), to size each page to the budget left: a
  // step that read a full page of readers' topics, ledger and profiles to write the first 150 of them read the rest
  // again in the next step (at 1M readers that was about 1.4 readers read per reader written on a quiet machine, ~4 on a
  // loaded one, where fewer fit in a step).
  let perMs = 0;
  const nextPageSize = (deadline: number): number =>
    perMs > 0 ? Math.min(pageSize, Math.max(MIN_PAGE, Math.ceil((deadline - performance.now()) * perMs * 1.25))) : pageSize;
  const write = (d: DeliveryDraft) => {
    if (writes.insertDelivery(d)) {
      if (d.status === 'skipped') skipped++;
      else deliveries++;
    }
  };

  /**
   * Up to a page of subscribers after `after`: their deliveries written; returns the last id done, or null at the end.
   * Past the deadline it stops after the subscriber in hand (a page's first readers can each match topics never
   * seen before, an FTS query each): a step never runs much past its budget.
   */
  const preparePage = (after: number, deadline: number): number | null => {
    const members = writes.audiencePage(after, audienceMaxId, audienceAt, nextPageSize(deadline));
    if (!members.length) return null;
    const last = members[members.length - 1]!.id;
    // Two range queries per page instead of two queries per subscriber. Already had = accepted (the ledger)
    // or still outstanding in an earlier edition (it may yet be accepted). Profiles too: one range query per page,
    // and the text of papers not seen yet in this edition in one more.
    const page = {
      members,
      topics: candidatesRepo.topicsOf(after, last),
      alreadyHad: sentPapers.alreadyHad(fromDate, after, last, editionId),
      profiles: profiles.inRange(after, last),
    };
    const started = performance.now();
    const { doneThrough, done, shown } = selection.selectPage(page, after, deadline, write);
    storeShown(shown);
    const took = performance.now() - started;
    if (took > 0.5) perMs = perMs ? 0.7 * perMs + (0.3 * done) / took : done / took;
    return doneThrough;
  };

  const guard = () => {
    // Only this step's owner of the edition's lock may write: a step whose lease was taken over writes nothing.
    if (!renewLock(db, lockName, owner, clock.now(), PREPARE_LOCK_TTL_MS))
      throw new AppError('LOCK_LOST', `the lock of the ${date} edition was taken by another process`);
  };

  // The first step also stores the edition's own top papers (the archive's list), whoever reads them.
  let first = true;
  let bodyMs = 0;
  const step = db.transaction((): boolean => {
    const bodyStarted = performance.now();
    guard();
    if (first) {
      storeShown(selection.topIds());
      first = false;
    }
    const deadline = performance.now() + budgetMs;
    let through = preparedThrough;
    let done = false;
    do {
      const last = preparePage(through, deadline);
      if (last === null) {
        done = true;
        break;
      }
      through = last;
    } while (performance.now() < deadline);
    writes.moveOn(editionId, done ? audienceMaxId : through);
    preparedThrough = done ? audienceMaxId : through;
    bodyMs = performance.now() - bodyStarted;
    return done;
  });

  return {
    step() {
      const startedAt = performance.now();
      const done = step.immediate();
      options.onStep?.({ editionId, preparedThrough, audienceMaxId, startedAt, bodyMs });
      return done;
    },
    finish() {
      db.transaction(() => {
        guard();
        writes.markReady(editionId, audienceMaxId);
      }).immediate();
      logger.info(preparedLogFields({ date, editionId, deliveries, skipped, resumed }, selection, plan, daily), 'edition prepared');
      return { edition: editions.get(editionId)!, created: true, deliveries, skipped, ...(resumed ? { resumed: true } : {}) };
    },
  };
}

export type { ScoredPaper };
