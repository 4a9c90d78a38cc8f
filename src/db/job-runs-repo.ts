// The job_runs record: one row per (job, local date) saying what ran, when, how it was triggered and how it
// ended. Invariant: a date counts as done only once a run for it finished `ok`; the UNIQUE (job, scheduled_for)
// key makes a second process's start an update of the same row, never a second row.
import type { Db } from './open.js';

export type JobRunStatus = 'running' | 'ok' | 'failed';
export type JobTrigger = 'schedule' | 'catchup' | 'manual' | 'admin';

export interface JobRunRow {
  id: number;
  job: string;
  scheduled_for: string;
  started_at: string;
  finished_at: string | null;
  status: JobRunStatus;
  outcome_json: string | null;
  triggered_by: JobTrigger | null;
  owner: string | null;
  attempts: number;
}

export function createJobRunsRepo(db: Db) {
  const get = db.prepare<[string, string], JobRunRow>('SELECT * FROM job_runs WHERE job = ? AND scheduled_for = ?');
  const start = db.prepare(
    `INSERT INTO job_runs (job, scheduled_for, started_at, status, triggered_by, owner, attempts)
     VALUES (@job, @date, @now, 'running', @trigger, @owner, 1)
     ON CONFLICT(job, scheduled_for) DO UPDATE SET started_at = excluded.started_at, status = 'running', finished_at = NULL,
       triggered_by = excluded.triggered_by, owner = excluded.owner, attempts = job_runs.attempts + 1`,
  );
  const finish = db.prepare(
    'UPDATE job_runs SET finished_at = @now, status = @status, outcome_json = @outcome WHERE job = @job AND scheduled_for = @date',
  );
  // An interrupted run (shutdown) was not a failure of the job: it does not use up an attempt.
  const forgive = db.prepare('UPDATE job_runs SET attempts = max(attempts - 1, 0) WHERE job = ? AND scheduled_for = ?');
  const recent = db.prepare<[string, number], JobRunRow>('SELECT * FROM job_runs WHERE job = ? ORDER BY started_at DESC LIMIT ?');
  const running = db.prepare<[string], JobRunRow>("SELECT * FROM job_runs WHERE job = ? AND status = 'running' ORDER BY scheduled_for");
  // Conditional on the owner it was judged by: a run that a live process restarts in between is left alone.
  const abandon = db.prepare(
    `UPDATE job_runs SET status = 'failed', finished_at = @now, outcome_json = @outcome
     WHERE job = @job AND scheduled_for = @date AND status = 'running' AND owner IS @owner`,
  );
  const lastOk = db.prepare<[string], { finished_at: string; started_at: string }>(
    "SELECT finished_at, started_at FROM job_runs WHERE job = ? AND status = 'ok' ORDER BY finished_at DESC LIMIT 1",
  );
  return {
    get: (job: string, date: string) => get.get(job, date),
    start(job: string, date: string, now: Date, trigger: JobTrigger, owner: string): void {
      start.run({ job, date, now: now.toISOString(), trigger, owner });
    },
    finish(job: string, date: string, now: Date, status: 'ok' | 'failed', outcome: unknown): void {
      finish.run({ job, date, now: now.toISOString(), status, outcome: JSON.stringify(outcome) });
    },
    forgiveAttempt(job: string, date: string): void {
      forgive.run(job, date);
    },
    recent: (job: string, limit = 20) => recent.all(job, limit),
    /** Rows still marked running (a live run, or one whose process is gone: see jobs/abandoned-runs.ts). */
    running: (job: string) => running.all(job),
    /** Closes a run left `running` as failed; false when it is no longer that owner's running row. */
    closeAbandoned(row: Pick<JobRunRow, 'job' | 'scheduled_for' | 'owner'>, now: Date, outcome: unknown): boolean {
      return abandon.run({ job: row.job, date: row.scheduled_for, owner: row.owner, now: now.toISOString(), outcome: JSON.stringify(outcome) }).changes === 1;
    },
    lastSuccess: (job: string) => lastOk.get(job),
  };
}

export type JobRunsRepo = ReturnType<typeof createJobRunsRepo>;
