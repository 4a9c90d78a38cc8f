// Daily-run records left `running` by a run that can no longer finish them: its process is gone (kill -9, a
// crash) or its lease expired (it could not renew it, or could not write its end on a full disk). Such a record
// is closed as failed ("abandoned") at the next start and on every scheduler tick, and shown as abandoned by the
// read models until then. Invariant: a run is judged by its hold on the daily lock, which every running daily
// job holds and renews (SQLite: an unexpired lease; PostgreSQL: a live session), so a live run is never closed.
import type { Logger } from '../lib/logger.js';
import type { JobRunRow, JobRunsStore } from '../db/stores/job-runs.js';
import type { LockStore } from '../db/stores/sending.js';
import { leaseIsLive } from './lock.js';
import { describeError } from '../lib/errors.js';

export const DAILY_JOB = 'daily';
export const DAILY_LOCK = 'daily-job';

export interface AbandonedOutcome {
  error: string;
  abandoned: true;
  owner: string | null;
}

export function abandonedOutcome(row: Pick<JobRunRow, 'owner'>): AbandonedOutcome {
  return {
    error: `JOB_ABANDONED: the run stopped without recording its end (owner ${row.owner ?? 'unknown'} is gone or its lease expired)`,
    abandoned: true,
    owner: row.owner,
  };
}

export function isAbandonedOutcome(row: Pick<JobRunRow, 'status' | 'outcome_json'>): boolean {
  if (row.status !== 'failed' || !row.outcome_json) return false;
  try {
    return (JSON.parse(row.outcome_json) as { abandoned?: unknown }).abandoned === true;
  } catch {
    return false;
  }
}

/** The row as it really is: a `running` row without a live hold on the daily lock is presented as the failure it is. */
export async function truthfulRun(store: Pick<LockStore, 'lockHolder'>, row: JobRunRow, now: Date): Promise<JobRunRow> {
  if (row.status !== 'running' || (await leaseIsLive(store, DAILY_LOCK, row.owner, now))) return row;
  return { ...row, status: 'failed', outcome_json: JSON.stringify(abandonedOutcome(row)) };
}

export interface AbandonedRunsDeps {
  store: Pick<JobRunsStore, 'runningJobRuns' | 'abandonJobRun'> & Pick<LockStore, 'lockHolder'>;
  clock: { now(): Date };
  logger: Logger;
}

/** Closes every abandoned daily-run record; returns the dates closed. A failing read or write is logged, never thrown. */
export async function closeAbandonedRuns(deps: AbandonedRunsDeps): Promise<string[]> {
  const { store, clock, logger } = deps;
  const closed: string[] = [];
  try {
    for (const row of await store.runningJobRuns(DAILY_JOB)) {
      const now = clock.now();
      if (await leaseIsLive(store, DAILY_LOCK, row.owner, now)) continue;
      if (!(await store.abandonJobRun(row.job, row.scheduled_for, row.owner, now.toISOString(), abandonedOutcome(row)))) continue;
      closed.push(row.scheduled_for);
      logger.warn({ event: 'job.abandoned_closed', date: row.scheduled_for, owner: row.owner }, 'closed a daily run left running by a process that is gone');
    }
  } catch (err) {
    logger.error({ event: 'job.abandoned_close_failed', err: describeError(err) }, 'could not close abandoned daily runs; will try again');
  }
  return closed;
}
