-- The never-twice ledger (sent_papers) is now written when the SMTP server accepts a delivery, not when the edition is
-- prepared, and keeps only what the rule can still need: the daily job prunes editions older than the candidate window
-- plus a margin, a small batch at a time, found through an index on edition_id (which also serves the ON DELETE CASCADE
-- from editions). Deliveries still outstanding (pending, sending) hold their papers back from the next edition; a
-- partial index keeps that lookup to the few rows that are outstanding.
CREATE INDEX sent_papers_edition ON sent_papers(edition_id);
CREATE INDEX deliveries_outstanding ON deliveries(subscriber_id) WHERE status IN ('pending', 'sending');

-- Rows written at preparation for deliveries that were never accepted (failed, bounced, skipped) release their papers;
-- rows of outstanding deliveries are held back by the index above and written again on acceptance.
DELETE FROM sent_papers WHERE EXISTS (
  SELECT 1 FROM deliveries d
  WHERE d.subscriber_id = sent_papers.subscriber_id AND d.edition_id = sent_papers.edition_id AND d.status <> 'sent');
