-- Twin of SQLite 0015_edition_preparing: an edition is 'preparing' (prepared in many short transactions) until its
-- last subscriber is done; its audience is frozen at the start (ids up to audience_max_id, confirmed at or before
-- audience_at) and prepared_through is where a crashed preparation resumes.
ALTER TABLE editions DROP CONSTRAINT editions_status_check;
ALTER TABLE editions ADD CONSTRAINT editions_status_check CHECK (status IN ('preparing', 'ready', 'empty'));
ALTER TABLE editions
  ADD COLUMN audience_max_id  bigint,
  ADD COLUMN audience_at      timestamptz,
  ADD COLUMN prepared_through bigint;
