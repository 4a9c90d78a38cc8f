// The job_runs record moved into the Store (src/db/stores/job-runs.ts, both engines). Its row types stay importable
// from here for the read models that still name this module.
export type { JobRunRow, JobRunStatus, JobTrigger } from './stores/job-runs.js';
