-- How many deliveries and subscribers are in each status, kept up to date by triggers in the same transaction as the
-- change. /metrics read them with `GROUP BY status` over the whole table on the server's thread: the deliveries table
-- keeps every day's rows (a million readers add a million a day), and the scan took about 100 ms per million rows —
-- after four days at a million readers each Prometheus scrape held the web app 0.4 s, after a month 3 s. Counted here,
-- a scrape reads a few rows, whatever the tables hold.
-- Triggers rather than the repositories' writes: every path that changes a status (claims, outcomes, retries, requeues,
-- erasure, imports, a person's SQL) keeps the counts right, without having to remember them. A migration that rebuilds
-- `deliveries` or `subscribers` (CREATE … new, copy, DROP, RENAME) drops these triggers with the old table: it must
-- create them again and recount (the two INSERT … SELECT below).
-- No PostgreSQL twin: there the count runs on the database server, off the app's thread, and `papers db copy` leaves
-- this table out (it is derived from the rows).
CREATE TABLE status_counts (
  tbl    TEXT NOT NULL CHECK (tbl IN ('deliveries', 'subscribers')),
  status TEXT NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (tbl, status)
) WITHOUT ROWID;

INSERT INTO status_counts (tbl, status, n) SELECT 'deliveries', status, count(*) FROM deliveries GROUP BY status;
INSERT INTO status_counts (tbl, status, n) SELECT 'subscribers', status, count(*) FROM subscribers GROUP BY status;

CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries BEGIN
  INSERT INTO status_counts (tbl, status, n) VALUES ('deliveries', NEW.status, 1)
    ON CONFLICT (tbl, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deliveries_count_update AFTER UPDATE OF status ON deliveries WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE status_counts SET n = n - 1 WHERE tbl = 'deliveries' AND status = OLD.status;
  INSERT INTO status_counts (tbl, status, n) VALUES ('deliveries', NEW.status, 1)
    ON CONFLICT (tbl, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries BEGIN
  UPDATE status_counts SET n = n - 1 WHERE tbl = 'deliveries' AND status = OLD.status;
END;

CREATE TRIGGER subscribers_count_insert AFTER INSERT ON subscribers BEGIN
  INSERT INTO status_counts (tbl, status, n) VALUES ('subscribers', NEW.status, 1)
    ON CONFLICT (tbl, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER subscribers_count_update AFTER UPDATE OF status ON subscribers WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE status_counts SET n = n - 1 WHERE tbl = 'subscribers' AND status = OLD.status;
  INSERT INTO status_counts (tbl, status, n) VALUES ('subscribers', NEW.status, 1)
    ON CONFLICT (tbl, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER subscribers_count_delete AFTER DELETE ON subscribers BEGIN
  UPDATE status_counts SET n = n - 1 WHERE tbl = 'subscribers' AND status = OLD.status;
END;
