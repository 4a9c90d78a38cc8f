-- Subscribe requests kept as they arrived, during a burst of sign-ups (src/subscribers/intake.ts): one append per
-- batch, applied to subscribers (the address's row, its topics, its confirmation window) when the site is quiet again,
-- a few hundred at a time, each batch applied and deleted in one transaction. Durable from the moment it is here: a
-- process that stops before applying leaves the rows to the next one. `email` is kept apart for erasure, without an
-- index: one would put a random page write into every append, and the spool is short (erasure scans it).
CREATE TABLE subscribe_spool (
  id          INTEGER PRIMARY KEY,
  received_at TEXT NOT NULL,   -- the request's time: its confirmation window and token TTL count from it
  email       TEXT NOT NULL,   -- normalized, as in the request
  request     TEXT NOT NULL    -- the request as JSON: { email, topics?, timezone?, hour? }
);
