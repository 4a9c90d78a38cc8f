-- How many deliveries each edition has in each status, and how many subscribers are in each status, kept up to date by
-- triggers in the same transaction as the change. /metrics counted both with `GROUP BY status` over the whole tables on
-- the server's thread, and the admin's dashboard the last 30 editions' deliveries: the deliveries table keeps every
-- day's rows (a million readers add a million a day), and the scan took about 100 ms per million rows — after four
-- days at a million readers each Prometheus scrape held the web app 0.4 s, after a month 3 s, and the dashboard 3 s
-- whenever it was opened. Counted here, a scrape reads a few rows per edition, whatever the tables hold.
-- Triggers rather than the repositories' writes: every path that changes a status (preparation, claims, outcomes,
-- retries, requeues, erasure, imports, a person's SQL) keeps the counts right without having to remember them. A
-- migration that rebuilds `deliveries` or `subscribers` (CREATE … new, copy, DROP, RENAME) drops these triggers with the
-- old table: it must create them again and recount (the two INSERT … SELECT below).
-- No PostgreSQL twin: there the counts run on the database server, off the app's thread (and a counter row that every
-- sender's transaction updates would serialize the senders of several instances on its lock); `papers db copy` leaves
-- these tables out (they are derived from the rows).
CREATE TABLE deliveries_by_status (
  edition_id INTEGER NOT NULL,
  status     TEXT NOT NULL,
  n          INTEGER NOT NULL,
  PRIMARY KEY (edition_id, status)
) WITHOUT ROWID;

CREATE TABLE subscribers_by_status (
  status TEXT PRIMARY KEY,
  n      INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO deliveries_by_status (edition_id, status, n) SELECT edition_id, status, count(*) FROM deliveries GROUP BY edition_id, status;
INSERT INTO subscribers_by_status (status, n) SELECT status, count(*) FROM subscribers GROUP BY status;

CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries BEGIN
  INSERT INTO deliveries_by_status (edition_id, status, n) VALUES (NEW.edition_id, NEW.status, 1)
    ON CONFLICT (edition_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deliveries_count_update AFTER UPDATE OF status, edition_id ON deliveries
  WHEN OLD.status IS NOT NEW.status OR OLD.edition_id IS NOT NEW.edition_id BEGIN
  UPDATE deliveries_by_status SET n = n - 1 WHERE edition_id = OLD.edition_id AND status = OLD.status;
  INSERT INTO deliveries_by_status (edition_id, status, n) VALUES (NEW.edition_id, NEW.status, 1)
    ON CONFLICT (edition_id, status) DO UPDATE SET n = n + 1;
END;
-- Rows deleted by a cascade (an edition or a subscriber that goes) fire it too.
CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries BEGIN
  UPDATE deliveries_by_status SET n = n - 1 WHERE edition_id = OLD.edition_id AND status = OLD.status;
END;
CREATE TRIGGER editions_count_delete AFTER DELETE ON editions BEGIN
  DELETE FROM deliveries_by_status WHERE edition_id = OLD.id;
END;

CREATE TRIGGER subscribers_count_insert AFTER INSERT ON subscribers BEGIN
  INSERT INTO subscribers_by_status (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER subscribers_count_update AFTER UPDATE OF status ON subscribers WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE subscribers_by_status SET n = n - 1 WHERE status = OLD.status;
  INSERT INTO subscribers_by_status (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER subscribers_count_delete AFTER DELETE ON subscribers BEGIN
  UPDATE subscribers_by_status SET n = n - 1 WHERE status = OLD.status;
END;
