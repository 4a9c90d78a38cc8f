// The daily job: ingest → prepare the edition → send what is due. Guarded by the Store's named lock (renewed
// during a long run) so that two processes sharing a database never run it at once; its outcome is recorded in
// job_runs. An interrupted run (shutdown, lost lock) is recorded as such and never freezes an empty edition.
import type { AppDeps } from '../app.js';
import { runIngest, type SourceOutcome } from '../ingest/run-ingest.js';
import { prepareEditionInSteps, type PrepareResult } from '../digest/prepare.js';
import { prepareEditionOnStore } from '../digest/prepare-on-store.js';
import { sendDue, type SendOutcome, type SendProgress } from '../mail/send-edition.js';
import { addDays, localDate } from '../digest/schedule.js';
import { LEDGER_MARGIN_DAYS } from '../db/sent-papers-repo.js';
import { editionWindow } from '../rank/edition.js';
import { withLock } from './lock.js';
import type { JobRunRow, JobTrigger } from '../db/stores/job-runs.js';
import type { DeliveryLedger } from '../db/stores/sending.js';
import { AppError, describeError } from '../lib/errors.js';
import { closeAbandonedRuns, DAILY_JOB, DAILY_LOCK, isAbandonedOutcome } from './abandoned-runs.js';

export interface DailyOutcome {
  date: string;
  ingest: SourceOutcome[];
  edition: { id: number; status: PrepareResult['edition']['status']; reason: string | null; created: boolean; deliveries: number };
  send: SendOutcome | null;
  /** Ledger rows (accepted digests) older than the retention, deleted by this run. */
  ledgerPruned: number;
}

export type DailyStage = 'ingest' | 'prepare' | 'send';

export interface DailyOptions {
  date?: string | undefined;
  skipIngest?: boolean | undefined;
  trigger?: JobTrigger | undefined;
  onStage?: ((stage: DailyStage, info: { total?: number }) => void) | undefined;
  onSendProgress?: ((p: SendProgress) => void) | undefined;
  /** Stops claiming new deliveries; in-flight sends finish and the run is recorded as interrupted. */
  signal?: AbortSignal | undefined;
}

export { DAILY_JOB, DAILY_LOCK };
/** The lease outlives the longest synchronous step (preparing an edition) by far; it is renewed each minute. */
export const LOCK_TTL_MS = 5 * 60_000;
export const LOCK_RENEW_MS = 60_000;
/** A failed run is tried again after this pause, at most this many times in all. */
export const RETRY_AFTER_MS = 15 * 60_000;
export const MAX_ATTEMPTS = 3;

/** Runs the job for a date now (the CLI's `run`), whether or not it ran before. Throws JOB_LOCKED when busy. */
export async function runDailyJob(app: AppDeps, options: DailyOptions = {}): Promise<DailyOutcome> {
  const date = options.date ?? localDate(app.clock.now(), app.config.digest.timezone);
  return withLock(app, DAILY_LOCK, { ttlMs: LOCK_TTL_MS, renewMs: LOCK_RENEW_MS, signal: options.signal }, (lease) =>
    runLocked(app, date, lease.owner, { ...options, signal: lease.signal }),
  );
}

export type IfDueResult = { ran: true; outcome: DailyOutcome } | { ran: false; reason: 'locked' | 'done' | 'retry-later' | 'gave-up' };

/**
 * Runs the job for `date` unless it already ran: the check happens while holding the lock, so when two
 * processes see the same run due, the second finds it done and does nothing.
 */
export async function runDailyJobIfNotDone(app: AppDeps, date: string, options: Omit<DailyOptions, 'date'> = {}): Promise<IfDueResult> {
  try {
    return await withLock(app, DAILY_LOCK, { ttlMs: LOCK_TTL_MS, renewMs: LOCK_RENEW_MS, signal: options.signal }, async (lease) => {
      const verdict = runVerdict(await app.store.jobRun(DAILY_JOB, date), app.clock.now());
      if (verdict !== 'run') return { ran: false as const, reason: verdict };
      return { ran: true as const, outcome: await runLocked(app, date, lease.owner, { ...options, signal: lease.signal }) };
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'JOB_LOCKED') return { ran: false, reason: 'locked' };
    throw err;
  }
}

/**
 * Whether a date's run should start now, given its job_runs row. Called only while holding the lock, so a
 * row still `running` belongs to a process that died. An interrupted run (attempts 0) and an abandoned one (its
 * process died; it counts as an attempt, so a crash loop ends) are resumed at once.
 */
export function runVerdict(row: JobRunRow | undefined, now: Date): 'run' | 'done' | 'retry-later' | 'gave-up' {
  if (!row || row.status === 'running') return 'run';
  if (row.status === 'ok') return 'done';
  if (row.attempts >= MAX_ATTEMPTS) return 'gave-up';
  if (isAbandonedOutcome(row)) return 'run';
  if (row.attempts > 0 && row.finished_at && now.getTime() - Date.parse(row.finished_at) < RETRY_AFTER_MS) return 'retry-later';
  return 'run';
}

/** Whether a date needs no (more) scheduled runs: it succeeded or exhausted its attempts. */
export function isDailyRunSettled(row: JobRunRow | undefined): boolean {
  return !!row && (row.status === 'ok' || (row.status === 'failed' && row.attempts >= MAX_ATTEMPTS));
}

async function runLocked(app: AppDeps, date: string, owner: string, options: DailyOptions): Promise<DailyOutcome> {
  const { store } = app;
  const now = () => app.clock.now().toISOString();
  const signal = options.signal;
  // Holding the lock: any record still `running` was left by a run that is gone (its own date's included).
  await closeAbandonedRuns(app);
  await store.startJobRun(DAILY_JOB, date, now(), options.trigger ?? 'manual', owner);
  app.logger.info({ event: 'job.daily_started', date, trigger: options.trigger ?? 'manual' }, 'daily job started');
  try {
    options.onStage?.('ingest', {});
    // No `days`: each source fetches its own configured range (HF_DAYS, ARXIV_DAYS; the file source its folder),
    // ending on the edition's date when that is past (a catch-up or a backfill reads the days around it).
    const until = new Date(editionWindow(date, app.prepareSettings).asOf);
    const ingest = options.skipIngest ? [] : await runIngest({ store, clock: app.clock, logger: app.logger, sources: app.sources() }, { signal, until });
    // Never freeze an edition from an ingest cut short by shutdown: its "every source failed" would be a lie.
    throwIfInterrupted(signal);
    const allFailed = ingest.length > 0 && ingest.every((o) => !o.ok);
    // Parts that failed (an HF day, an arXiv category) go into an empty edition's reason: "nothing new" may be
    // because today's list failed, and an empty edition can be prepared again once the source works.
    const failedParts = ingest.flatMap((o) => o.failures.map((f) => `${o.source} ${f.part}`));
    options.onStage?.('prepare', {});
    // In short steps that yield between them: the server keeps answering while a large audience is prepared. On
    // SQLite each step is a synchronous transaction on the app's connection (the ranking on its own thread); on
    // PostgreSQL each is a transaction over the pool, the same selection code deciding each reader's digest.
    const prepareOptions = { ...(allFailed ? { emptyReason: 'every source failed to ingest' } : failedParts.length ? { failedParts } : {}), signal };
    const prepared: PrepareResult =
      store.engine === 'postgres'
        ? await prepareEditionOnStore({ store, clock: app.clock, logger: app.logger }, date, app.prepareSettings, prepareOptions)
        : await prepareEditionInSteps(app, date, app.prepareSettings, prepareOptions);
    // The day's subscribers by status, for the admin chart (the subscribers table only knows the present).
    await store.recordSubscriberCounts(date);
    let send: SendOutcome | null = null;
    if (prepared.edition.status === 'ready') {
      options.onStage?.('send', { total: await store.countDue(now(), prepared.edition.id) });
      send = await sendDue({ store, mailer: app.mailer, clock: app.clock, logger: app.logger }, app.sendSettings, {
        editionId: prepared.edition.id,
        onProgress: options.onSendProgress,
        signal,
        // A paused send is probed at once when a person started the run; a scheduled one keeps the probe times.
        probeNow: options.trigger !== 'schedule' && options.trigger !== 'catchup',
      });
    }
    // Retention: the never-twice ledger keeps the candidate window plus a margin, pruned a small batch at a time.
    const pruned = await pruneLedger(app, date);
    const outcome: DailyOutcome = {
      date,
      ingest,
      ledgerPruned: pruned,
      edition: {
        id: prepared.edition.id,
        status: prepared.edition.status,
        reason: prepared.edition.reason,
        created: prepared.created,
        deliveries: prepared.deliveries,
      },
      send,
    };
    throwIfInterrupted(signal, outcome);
    await store.finishJobRun(DAILY_JOB, date, now(), 'ok', outcome);
    app.logger.info({ event: 'job.daily_done', date, edition: outcome.edition, send }, 'daily job finished');
    return outcome;
  } catch (err) {
    if (err instanceof AppError && err.code === 'JOB_INTERRUPTED') {
      // Not a failure of the job: it did not count as an attempt, and the next start resumes it at once.
      await store.finishJobRun(DAILY_JOB, date, now(), 'failed', { error: describeError(err), interrupted: true, partial: (err.cause as { partial?: unknown })?.partial });
      await store.forgiveJobAttempt(DAILY_JOB, date);
      app.logger.warn({ event: 'job.daily_interrupted', date, reason: describeError(err) }, 'daily job interrupted; it resumes at the next start');
    } else {
      await store.finishJobRun(DAILY_JOB, date, now(), 'failed', { error: describeError(err) });
      app.logger.error({ event: 'job.daily_failed', date, err }, 'daily job failed');
    }
    throw err;
  }
}

/**
 * Deletes the sent-papers rows the never-twice rule can no longer need: editions older than the candidate
 * window plus LEDGER_MARGIN_DAYS before `date` (a paper that appeared before the window is no candidate).
 */
export async function pruneLedger(
  app: Pick<AppDeps, 'config' | 'logger'> & { store: Pick<DeliveryLedger, 'pruneSentPapers'> },
  date: string,
): Promise<number> {
  const before = addDays(date, -(app.config.digest.candidateWindowDays + LEDGER_MARGIN_DAYS));
  try {
    const pruned = await app.store.pruneSentPapers(before);
    if (pruned) app.logger.info({ event: 'ledger.pruned', before, rows: pruned }, 'pruned the sent-papers ledger');
    return pruned;
  } catch (err) {
    // Housekeeping: the edition went out; what was not pruned today is pruned by the next run.
    app.logger.warn({ event: 'ledger.prune_failed', before, err: describeError(err) }, 'could not prune the sent-papers ledger');
    return 0;
  }
}

function throwIfInterrupted(signal: AbortSignal | undefined, partial?: unknown): void {
  if (!signal?.aborted) return;
  throw new AppError('JOB_INTERRUPTED', `interrupted: ${describeError(signal.reason ?? 'aborted')}`, { cause: { partial, reason: signal.reason } });
}
