-- Per-part failures of an ingest run: a source reads parts (an HF day, an arXiv category, a feed file) and one that
-- fails no longer sinks the others. Which parts failed and why, and how many (for papers_source_days_failed_total).
ALTER TABLE ingest_runs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingest_runs ADD COLUMN failures_json TEXT NOT NULL DEFAULT '[]';   -- [{"part":"2025-01-10","code","error"}]
