-- Initial schema: papers and their observations, subscribers, editions and the delivery ledger.
-- Times are ISO-8601 UTC strings ("2026-08-21T07:00:00.000Z"); dates are "YYYY-MM-DD".

CREATE TABLE papers (
  id               TEXT PRIMARY KEY,             -- arXiv id without version: 2401.12345 or hep-th/9901001
  title            TEXT NOT NULL,
  abstract         TEXT,
  authors_json     TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
  published_at     TEXT,                         -- arXiv publication time
  daily_date       TEXT,                         -- day it joined Hugging Face Daily Papers (YYYY-MM-DD)
  first_seen_at    TEXT NOT NULL,                -- first time any source showed it to us
  ai_summary       TEXT,
  ai_keywords_json TEXT NOT NULL DEFAULT '[]',
  categories_json  TEXT NOT NULL DEFAULT '[]',   -- arXiv categories, primary first
  thumbnail_url    TEXT,
  hf_url           TEXT,
  arxiv_url        TEXT,
  pdf_url          TEXT,
  github_url       TEXT,
  project_url      TEXT,
  organization     TEXT,
  sources_json     TEXT NOT NULL DEFAULT '[]',   -- which sources reported it
  updated_at       TEXT NOT NULL
);
CREATE INDEX papers_first_seen ON papers(first_seen_at);
CREATE INDEX papers_daily_date ON papers(daily_date);

CREATE TABLE paper_categories (
  paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  PRIMARY KEY (category, paper_id)
) WITHOUT ROWID;

-- Full-text index for topic matching ("for you"), kept in step with papers by triggers.
CREATE VIRTUAL TABLE papers_fts USING fts5(
  title, abstract, keywords,
  content = '', contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, abstract, keywords)
  VALUES (new.rowid, new.title, coalesce(new.abstract, ''), new.ai_keywords_json);
END;
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract, ai_keywords_json ON papers BEGIN
  DELETE FROM papers_fts WHERE rowid = old.rowid;
  INSERT INTO papers_fts(rowid, title, abstract, keywords)
  VALUES (new.rowid, new.title, coalesce(new.abstract, ''), new.ai_keywords_json);
END;
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
  DELETE FROM papers_fts WHERE rowid = old.rowid;
END;

CREATE TABLE observations (
  id           INTEGER PRIMARY KEY,
  paper_id     TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
  source       TEXT NOT NULL,
  observed_at  TEXT NOT NULL,
  upvotes      INTEGER,
  comments     INTEGER,
  github_stars INTEGER
);
CREATE INDEX observations_paper_time ON observations(paper_id, observed_at);
CREATE INDEX observations_time ON observations(observed_at);

CREATE TABLE ingest_runs (
  id            INTEGER PRIMARY KEY,
  source        TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
  fetched       INTEGER NOT NULL DEFAULT 0,
  inserted      INTEGER NOT NULL DEFAULT 0,
  updated       INTEGER NOT NULL DEFAULT 0,
  skipped       INTEGER NOT NULL DEFAULT 0,
  skip_reasons_json TEXT NOT NULL DEFAULT '[]',
  error         TEXT
);
CREATE INDEX ingest_runs_source_time ON ingest_runs(source, started_at);

-- Validators for conditional requests (ETag / Last-Modified) per URL.
CREATE TABLE http_cache (
  url           TEXT PRIMARY KEY,
  etag          TEXT,
  last_modified TEXT,
  fetched_at    TEXT NOT NULL
);

CREATE TABLE subscribers (
  id                 INTEGER PRIMARY KEY,
  email              TEXT NOT NULL UNIQUE COLLATE NOCASE,
  status             TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  confirmed_at       TEXT,
  unsubscribed_at    TEXT,
  bounced_at         TEXT,
  bounce_reason      TEXT,
  timezone           TEXT,                       -- IANA zone; NULL = the service default
  delivery_hour      INTEGER CHECK (delivery_hour BETWEEN 0 AND 23),
  frequency          TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
  paused             INTEGER NOT NULL DEFAULT 0,
  confirm_token_hash TEXT UNIQUE,                -- sha256 of the single-use confirmation token
  confirm_expires_at TEXT,
  confirm_sent_at    TEXT                        -- last confirmation email, for the per-address limit
);
CREATE INDEX subscribers_status ON subscribers(status, id);

CREATE TABLE subscriber_topics (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  topic         TEXT NOT NULL,                   -- a phrase ("long context") or an arXiv category ("cs.CL")
  PRIMARY KEY (subscriber_id, topic)
) WITHOUT ROWID;
CREATE INDEX subscriber_topics_topic ON subscriber_topics(topic);

CREATE TABLE editions (
  id           INTEGER PRIMARY KEY,
  date         TEXT NOT NULL UNIQUE,             -- the digest's date in the service timezone
  prepared_at  TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('ready', 'empty')),
  reason       TEXT,                             -- why an edition is empty (nothing new, ...)
  subject      TEXT NOT NULL DEFAULT ''
);

-- The frozen global ranking of an edition, with a snapshot of what was shown.
CREATE TABLE edition_papers (
  edition_id    INTEGER NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL REFERENCES papers(id),
  rank          INTEGER NOT NULL,
  score         REAL NOT NULL,
  reason        TEXT NOT NULL,
  snapshot_json TEXT NOT NULL,
  PRIMARY KEY (edition_id, paper_id)
) WITHOUT ROWID;

CREATE TABLE deliveries (
  id             INTEGER PRIMARY KEY,
  edition_id     INTEGER NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
  subscriber_id  INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
  selection_json TEXT NOT NULL,                  -- this subscriber's sections: [{title, papers:[{id, reason}]}]
  due_at         TEXT NOT NULL,                  -- UTC time from which it may be sent
  message_id     TEXT NOT NULL,                  -- deterministic per (edition, subscriber)
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  claimed_at     TEXT,
  claim_owner    TEXT,
  sent_at        TEXT,
  smtp_response  TEXT,
  error          TEXT,
  updated_at     TEXT NOT NULL,
  UNIQUE (edition_id, subscriber_id)
);
CREATE INDEX deliveries_queue ON deliveries(status, due_at, id);
CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id);

-- Papers already mailed to a subscriber, so no paper is sent to the same person twice.
CREATE TABLE sent_papers (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL,
  edition_id    INTEGER NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
  PRIMARY KEY (subscriber_id, paper_id)
) WITHOUT ROWID;

-- What the scheduler ran, for catch-up and "exactly once per day".
CREATE TABLE job_runs (
  id            INTEGER PRIMARY KEY,
  job           TEXT NOT NULL,
  scheduled_for TEXT NOT NULL,                   -- the local date the run is for
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
  outcome_json  TEXT,
  UNIQUE (job, scheduled_for)
);

-- Cross-process mutual exclusion: one row per lock, with an owner and an expiry.
CREATE TABLE locks (
  name       TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
