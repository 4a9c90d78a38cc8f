// The job_runs record on PostgreSQL (see JobRunsStore in src/db/stores/job-runs.ts): constant SQL texts. The outcome
// is jsonb; it is read back as compact JSON text, as SQLite stores it, so callers see one form on both engines.
import type { PgPool } from './pool.js';
import { all, inTransaction } from './transaction.js';
import { SHUTDOWN_OUTCOME, type JobRunRow, type JobRunsStore } from '../stores/job-runs.js';

const COLUMNS = 'id, job, scheduled_for, started_at, finished_at, status, outcome_json, triggered_by, owner, attempts';
const GET = `SELECT ${COLUMNS} FROM job_runs WHERE job = $1 AND scheduled_for = $2`;
const START = `INSERT INTO job_runs (job, scheduled_for, started_at, status, triggered_by, owner, attempts)
  VALUES ($1, $2, $3, 'running', $4, $5, 1)
  ON CONFLICT (job, scheduled_for) DO UPDATE SET started_at = EXCLUDED.started_at, status = 'running', finished_at = NULL,
    triggered_by = EXCLUDED.triggered_by, owner = EXCLUDED.owner, attempts = job_runs.attempts + 1`;
const FINISH = 'UPDATE job_runs SET finished_at = $3, status = $4, outcome_json = $5::jsonb WHERE job = $1 AND scheduled_for = $2';
const FORGIVE = 'UPDATE job_runs SET attempts = greatest(attempts - 1, 0) WHERE job = $1 AND scheduled_for = $2';
const RECENT = `SELECT ${COLUMNS} FROM job_runs WHERE job = $1 ORDER BY started_at DESC LIMIT $2`;
const RUNNING = `SELECT ${COLUMNS} FROM job_runs WHERE job = $1 AND status = 'running' ORDER BY scheduled_for`;
const ABANDON = `UPDATE job_runs SET status = 'failed', finished_at = $4, outcome_json = $5::jsonb
  WHERE job = $1 AND scheduled_for = $2 AND status = 'running' AND owner IS NOT DISTINCT FROM $3`;
// starts_with, not LIKE: a host name may contain LIKE's `_`.
const INTERRUPT = `UPDATE job_runs SET status = 'failed', finished_at = $2, attempts = greatest(attempts - 1, 0), outcome_json = $3::jsonb
  WHERE status = 'running' AND starts_with(owner, $1)`;
const RELEASE_LOCKS = 'DELETE FROM locks WHERE starts_with(owner, $1)';

type PgRow = Omit<JobRunRow, 'outcome_json'> & { outcome_json: unknown };

/** jsonb arrives parsed: back to JSON text (null stays null). */
const row = (r: PgRow): JobRunRow => ({ ...r, outcome_json: r.outcome_json === null ? null : JSON.stringify(r.outcome_json) });
const json = (v: unknown): string | null => JSON.stringify(v) ?? null;

export function createPostgresJobRunsStore(pool: PgPool): JobRunsStore {
  return {
    async jobRun(job, date) {
      const [r] = await all<PgRow>(pool, GET, [job, date]);
      return r && row(r);
    },
    async startJobRun(job, date, now, trigger, owner) {
      await pool.query(START, [job, date, now, trigger, owner]);
    },
    async finishJobRun(job, date, now, status, outcome) {
      await pool.query(FINISH, [job, date, now, status, json(outcome)]);
    },
    async forgiveJobAttempt(job, date) {
      await pool.query(FORGIVE, [job, date]);
    },
    recentJobRuns: async (job, limit) => (await all<PgRow>(pool, RECENT, [job, limit])).map(row),
    runningJobRuns: async (job) => (await all<PgRow>(pool, RUNNING, [job])).map(row),
    abandonJobRun: async (job, date, owner, now, outcome) => ((await pool.query(ABANDON, [job, date, owner, now, json(outcome)])).rowCount ?? 0) === 1,
    interruptJobRunsOf: (prefix, now) =>
      inTransaction(pool, async (c) => {
        const n = (await c.query(INTERRUPT, [prefix, now, json(SHUTDOWN_OUTCOME)])).rowCount ?? 0;
        await c.query(RELEASE_LOCKS, [prefix]);
        return n;
      }),
  };
}
