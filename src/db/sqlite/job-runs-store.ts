// The job_runs record on SQLite (see JobRunsStore in src/db/stores/job-runs.ts): statements prepared once per
// connection. The start is one upsert on UNIQUE (job, scheduled_for), so two processes starting the same date make
// one row; the forced shutdown's interruption of runs and release of their locks is one IMMEDIATE transaction.
import type { Db } from '../open.js';
import { SHUTDOWN_OUTCOME, type JobRunRow, type JobRunsStore } from '../stores/job-runs.js';

export function createSqliteJobRunsStore(db: Db): JobRunsStore {
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
  const forgive = db.prepare('UPDATE job_runs SET attempts = max(attempts - 1, 0) WHERE job = ? AND scheduled_for = ?');
  const recent = db.prepare<[string, number], JobRunRow>('SELECT * FROM job_runs WHERE job = ? ORDER BY started_at DESC LIMIT ?');
  const running = db.prepare<[string], JobRunRow>("SELECT * FROM job_runs WHERE job = ? AND status = 'running' ORDER BY scheduled_for");
  const abandon = db.prepare(
    `UPDATE job_runs SET status = 'failed', finished_at = @now, outcome_json = @outcome
     WHERE job = @job AND scheduled_for = @date AND status = 'running' AND owner IS @owner`,
  );
  // A job run's owner is the owner of the lock it ran under (src/jobs/daily.ts). A prefix match without LIKE's
  // wildcards, which a host name may contain (`_`).
  const interruptRuns = db.prepare(
    `UPDATE job_runs SET status = 'failed', finished_at = @now, attempts = max(attempts - 1, 0), outcome_json = @outcome
     WHERE status = 'running' AND substr(owner, 1, length(@prefix)) = @prefix`,
  );
  const releaseLocks = db.prepare('DELETE FROM locks WHERE substr(owner, 1, length(@prefix)) = @prefix');
  const interrupt = db.transaction((prefix: string, now: string): number => {
    const n = interruptRuns.run({ now, prefix, outcome: JSON.stringify(SHUTDOWN_OUTCOME) }).changes;
    releaseLocks.run({ prefix });
    return n;
  });

  return {
    jobRun: async (job, date) => get.get(job, date),
    async startJobRun(job, date, now, trigger, owner) {
      start.run({ job, date, now, trigger, owner });
    },
    async finishJobRun(job, date, now, status, outcome) {
      finish.run({ job, date, now, status, outcome: JSON.stringify(outcome) ?? null });
    },
    async forgiveJobAttempt(job, date) {
      forgive.run(job, date);
    },
    recentJobRuns: async (job, limit) => recent.all(job, limit),
    runningJobRuns: async (job) => running.all(job),
    abandonJobRun: async (job, date, owner, now, outcome) =>
      abandon.run({ job, date, owner, now, outcome: JSON.stringify(outcome) ?? null }).changes === 1,
    interruptJobRunsOf: async (prefix, now) => interrupt.immediate(prefix, now),
  };
}
