-- Readiness writes here: one row, rewritten at most every READYZ_WRITE_PROBE_SECONDS, so that /readyz knows a
-- write really commits (taking the write lock alone succeeds on a read-only file or a full disk).
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at TEXT NOT NULL
);
