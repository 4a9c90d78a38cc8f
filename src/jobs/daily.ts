// The daily job: ingest → prepare the edition → send what is due. Guarded by a SQLite lock so that two
// processes sharing a database never run it at once; its outcome is recorded in job_runs.
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app.js';
import { runIngest, type SourceOutcome } from '../ingest/run-ingest.js';
import { prepareEdition, type PrepareResult } from '../digest/prepare.js';
import { sendDue, type SendOutcome, type SendProgress } from '../mail/send-edition.js';
import { localDate } from '../digest/schedule.js';
import { releaseLock, tryAcquireLock } from './lock.js';
import { AppError, describeError } from '../lib/errors.js';

export interface DailyOutcome {
  date: string;
  ingest: SourceOutcome[];
  edition: { id: number; status: 'ready' | 'empty'; reason: string | null; created: boolean; deliveries: number };
  send: SendOutcome | null;
}

export const DAILY_LOCK = 'daily-job';

export async function runDailyJob(
  app: AppDeps,
  options: { date?: string; skipIngest?: boolean; onSendProgress?: (p: SendProgress) => void; signal?: AbortSignal } = {},
): Promise<DailyOutcome> {
  const owner = randomUUID();
  if (!tryAcquireLock(app.db, DAILY_LOCK, owner, app.clock.now(), 60 * 60_000))
    throw new AppError('JOB_LOCKED', 'another process is running the daily job');
  const date = options.date ?? localDate(app.clock.now(), app.config.digest.timezone);
  const startedAt = app.clock.now().toISOString();
  app.db
    .prepare(
      `INSERT INTO job_runs (job, scheduled_for, started_at, status) VALUES ('daily', ?, ?, 'running')
       ON CONFLICT(job, scheduled_for) DO UPDATE SET started_at = excluded.started_at, status = 'running', finished_at = NULL`,
    )
    .run(date, startedAt);
  try {
    const ingest = options.skipIngest ? [] : await runIngest({ ...app, sources: app.sources() }, { days: app.config.sources.hfDays, signal: options.signal });
    const allFailed = ingest.length > 0 && ingest.every((o) => !o.ok);
    const prepared: PrepareResult = prepareEdition(app, date, app.prepareSettings, allFailed ? { emptyReason: 'every source failed to ingest' } : {});
    const send =
      prepared.edition.status === 'ready'
        ? await sendDue({ db: app.db, mailer: app.mailer, clock: app.clock, logger: app.logger }, app.sendSettings, {
            editionId: prepared.edition.id,
            onProgress: options.onSendProgress,
            signal: options.signal,
          })
        : null;
    const outcome: DailyOutcome = {
      date,
      ingest,
      edition: {
        id: prepared.edition.id,
        status: prepared.edition.status,
        reason: prepared.edition.reason,
        created: prepared.created,
        deliveries: prepared.deliveries,
      },
      send,
    };
    finishRun(app, date, 'ok', outcome);
    app.logger.info({ event: 'job.daily_done', date, edition: outcome.edition, send }, 'daily job finished');
    return outcome;
  } catch (err) {
    finishRun(app, date, 'failed', { error: describeError(err) });
    app.logger.error({ event: 'job.daily_failed', date, err }, 'daily job failed');
    throw err;
  } finally {
    releaseLock(app.db, DAILY_LOCK, owner);
  }
}

function finishRun(app: AppDeps, date: string, status: 'ok' | 'failed', outcome: unknown) {
  app.db
    .prepare("UPDATE job_runs SET finished_at = ?, status = ?, outcome_json = ? WHERE job = 'daily' AND scheduled_for = ?")
    .run(app.clock.now().toISOString(), status, JSON.stringify(outcome), date);
}
