// The job-runs area of the Store: the job_runs record, one row per (job, local date) saying what ran, when, how it
// was triggered, by which lock owner and how it ended. Invariants: a date counts as done only once a run for it
// finished `ok`; the UNIQUE (job, scheduled_for) key makes a second start (another process, a retry) an update of the
// same row with one more attempt, never a second row; an outcome is stored as JSON and read back as JSON text
// (`outcome_json`) on both engines. Implementations: src/db/sqlite/job-runs-store.ts, src/db/postgres/job-runs-store.ts.

export type JobRunStatus = 'running' | 'ok' | 'failed';
export type JobTrigger = 'schedule' | 'catchup' | 'manual' | 'admin';

export interface JobRunRow {
  id: number;
  job: string;
  /** The local date (YYYY-MM-DD) the run is for. */
  scheduled_for: string;
  started_at: string;
  finished_at: string | null;
  status: JobRunStatus;
  /** The outcome as JSON text (compact), or null while running. */
  outcome_json: string | null;
  triggered_by: JobTrigger | null;
  /** The lock owner the run ran under (host:pid:id). */
  owner: string | null;
  attempts: number;
}

export interface JobRunsStore {
  jobRun(job: string, date: string): Promise<JobRunRow | undefined>;
  /** Marks the date's run `running` for `owner`: a new row with attempt 1, or the same row one attempt further. */
  startJobRun(job: string, date: string, now: string, trigger: JobTrigger, owner: string): Promise<void>;
  finishJobRun(job: string, date: string, now: string, status: 'ok' | 'failed', outcome: unknown): Promise<void>;
  /** An interrupted run (shutdown) was not a failure of the job: it gives its attempt back (never below 0). */
  forgiveJobAttempt(job: string, date: string): Promise<void>;
  /** The job's latest runs, newest start first. */
  recentJobRuns(job: string, limit: number): Promise<JobRunRow[]>;
  /** Rows still marked running, by date (a live run, or one whose process is gone: see src/jobs/abandoned-runs.ts). */
  runningJobRuns(job: string): Promise<JobRunRow[]>;
  /**
   * Closes a run left `running` as failed with `outcome`. Conditional on the owner it was judged by, so a run that a
   * live process restarted in between is left alone: false when it is no longer that owner's running row.
   */
  abandonJobRun(job: string, date: string, owner: string | null, now: string, outcome: unknown): Promise<boolean>;
  /**
   * A forced shutdown's last step, in one transaction: the running runs of every owner starting with `ownerPrefix`
   * are recorded as interrupted (their attempt given back) and those owners' lock rows deleted. Returns the runs.
   * (On PostgreSQL a lock itself is the holding session's and ends with it, at the latest when the process exits.)
   */
  interruptJobRunsOf(ownerPrefix: string, now: string): Promise<number>;
}

/** The outcome recorded for runs a forced shutdown interrupted (the same text on both engines). */
export const SHUTDOWN_OUTCOME = { error: 'JOB_INTERRUPTED: the process shut down', interrupted: true } as const;
