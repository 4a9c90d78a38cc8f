-- A reader's profile: papers they like (imported from a list, BibTeX or CSL-JSON, or "More like this" from a digest)
-- and papers they marked "Less like this". It feeds their "Picked for you" section (src/rank/profile.ts). A paper
-- need not be stored yet (a pasted id, an old paper of an imported library): the row keeps its id, and the title and
-- abstract the import file gave, and the paper is used as soon as we hold some text for it.
CREATE TABLE profile_papers (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  paper_id      TEXT NOT NULL,                  -- versionless arXiv id ("2401.12345"), or "doi:10.1145/…" for a paper not on arXiv
  signal        INTEGER NOT NULL CHECK (signal IN (1, -1)),   -- 1: more like this; -1: less like this
  origin        TEXT NOT NULL CHECK (origin IN ('email', 'list', 'bibtex', 'csl-json')),
  title         TEXT,                           -- as the import file gave it (shown until the paper is stored)
  abstract      TEXT,
  added_at      TEXT NOT NULL,
  PRIMARY KEY (subscriber_id, paper_id)
) WITHOUT ROWID;
-- Which readers hold a paper, so its imported text can stand in for it when it is not stored.
CREATE INDEX profile_papers_paper ON profile_papers(paper_id);
