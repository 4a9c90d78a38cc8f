-- Operations: how each job run was triggered, by whom, and how often it was tried (failed runs are retried a
-- few times with a pause); and a daily count of subscribers by status, for the admin chart.
ALTER TABLE job_runs ADD COLUMN triggered_by TEXT;            -- schedule | catchup | manual | admin
ALTER TABLE job_runs ADD COLUMN owner TEXT;                   -- host:pid of the process that ran it
ALTER TABLE job_runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
CREATE INDEX job_runs_finished ON job_runs(job, status, finished_at);

CREATE TABLE subscriber_counts (
  date   TEXT NOT NULL,                                       -- local date in DIGEST_TZ
  status TEXT NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (date, status)
) WITHOUT ROWID;
