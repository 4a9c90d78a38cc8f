-- Ranking reads: candidates by when they appeared (the exact expression of src/db/candidates-repo.ts APPEARED_AT,
-- so SQLite can use this index), and each subscriber's recent sent papers without reading their whole history.
CREATE INDEX papers_appeared ON papers(coalesce(daily_date || 'T00:00:00.000Z', published_at, first_seen_at));

-- sent_papers grows by (papers per digest × subscribers) every day; the never-twice check only needs the
-- editions recent enough to hold a candidate, found by a seek on (subscriber_id, edition_id).
CREATE INDEX sent_papers_subscriber_edition ON sent_papers(subscriber_id, edition_id);
