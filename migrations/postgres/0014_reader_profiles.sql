-- Twin of SQLite 0014_reader_profiles: a reader's profile, the papers they like (imported, or "More like this" from
-- a digest) and those they marked "Less like this", feeding "Picked for you" (src/rank/profile.ts). A paper need not
-- be stored yet: the row keeps its id, and the title and abstract an import file gave.
CREATE TABLE profile_papers (
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  paper_id      text COLLATE "C" NOT NULL,        -- versionless arXiv id, or "doi:10.1145/…" for a paper not on arXiv
  signal        integer NOT NULL CHECK (signal IN (1, -1)),   -- 1: more like this; -1: less like this
  origin        text NOT NULL CHECK (origin IN ('email', 'list', 'bibtex', 'csl-json')),
  title         text,
  abstract      text,
  added_at      timestamptz NOT NULL,
  PRIMARY KEY (subscriber_id, paper_id)
);
CREATE INDEX profile_papers_paper ON profile_papers (paper_id);
