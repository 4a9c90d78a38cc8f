-- Conditional requests keep the last body per URL, so a 304 Not Modified can be re-read: every ingest still
-- records an observation per paper even when the server says nothing changed.
ALTER TABLE http_cache ADD COLUMN body TEXT;
ALTER TABLE http_cache ADD COLUMN content_type TEXT;
