-- The never-twice ledger (sent_papers) is written when the SMTP server accepts a delivery, not when the edition is
-- prepared, and keeps only what the rule can still need: the daily job prunes editions older than the candidate window
-- plus a margin, a small batch at a time. One row per accepted digest (its paper ids as a JSON array) instead of one
-- per paper: at 100,000 subscribers that is 100,000 rows a day instead of ~1.8M, about a fifth of the bytes, and an
-- edition's rows are one key range (edition_id first), so pruning and writing walk the table in order.
CREATE TABLE sent_papers_by_digest (
  edition_id    INTEGER NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  papers_json   TEXT NOT NULL,                    -- JSON array of the paper ids the accepted digest carried
  PRIMARY KEY (edition_id, subscriber_id)
) WITHOUT ROWID;

-- Rows of deliveries that were accepted carry over; rows written at preparation for deliveries never accepted
-- (failed, bounced, skipped, or still outstanding) are dropped: outstanding ones are held back by the index below and
-- written again on acceptance; the others release their papers.
INSERT INTO sent_papers_by_digest (edition_id, subscriber_id, papers_json)
  SELECT s.edition_id, s.subscriber_id, json_group_array(s.paper_id)
  FROM sent_papers s JOIN deliveries d ON d.edition_id = s.edition_id AND d.subscriber_id = s.subscriber_id AND d.status = 'sent'
  GROUP BY s.edition_id, s.subscriber_id;
DROP TABLE sent_papers;
ALTER TABLE sent_papers_by_digest RENAME TO sent_papers;
-- A subscriber's rows (delete-my-data cascades, the data export).
CREATE INDEX sent_papers_subscriber ON sent_papers(subscriber_id);

-- Deliveries still outstanding (pending, sending) hold their papers back from the next edition; a partial index keeps
-- that lookup to the few rows that are outstanding.
CREATE INDEX deliveries_outstanding ON deliveries(subscriber_id) WHERE status IN ('pending', 'sending');
