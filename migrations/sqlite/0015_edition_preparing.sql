-- migrate: foreign_keys=off
-- An edition is prepared in many short transactions (src/digest/prepare.ts), so the server keeps answering while
-- a million deliveries are written: it is 'preparing' until the last subscriber is done, then 'ready'. Its audience
-- is frozen when it starts (subscribers with an id up to audience_max_id, confirmed at or before audience_at), and
-- prepared_through is the last subscriber id done, where a run that crashed is resumed (the UNIQUE (edition_id,
-- subscriber_id) of deliveries keeps a resumed step from writing anyone twice).
-- SQLite cannot alter a CHECK: the table is rebuilt (the documented 12 steps), with foreign keys off for this
-- migration (see src/db/migrate.ts) so that dropping the old table does not cascade into deliveries.
CREATE TABLE editions_new (
  id               INTEGER PRIMARY KEY,
  date             TEXT NOT NULL UNIQUE,             -- the digest's date in the service timezone
  prepared_at      TEXT NOT NULL,                    -- when its preparation started
  status           TEXT NOT NULL CHECK (status IN ('preparing', 'ready', 'empty')),
  reason           TEXT,                             -- why an edition is empty (nothing new, ...)
  subject          TEXT NOT NULL DEFAULT '',
  audience_max_id  INTEGER,                          -- the frozen audience: subscriber ids up to this ...
  audience_at      TEXT,                             -- ... confirmed at or before this time (the start)
  prepared_through INTEGER                           -- subscribers with an id up to this are prepared
);
INSERT INTO editions_new (id, date, prepared_at, status, reason, subject)
  SELECT id, date, prepared_at, status, reason, subject FROM editions;
DROP TABLE editions;
ALTER TABLE editions_new RENAME TO editions;
