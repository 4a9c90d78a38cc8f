-- Sending pauses when the mail server cannot take mail (unreachable, refusing us, a storm of failures). The pause
-- is one row, kept here so that every process (the server's scheduler, the CLI's `status`, `send` and `retry`)
-- sees it: since when, why, and when the next probe (one real delivery) may try the server again.
CREATE TABLE send_pause (
  id            INTEGER PRIMARY KEY CHECK (id = 1), -- at most one pause: the SMTP server is shared by every edition
  since         TEXT NOT NULL,                      -- when sending paused
  reason        TEXT NOT NULL,                      -- the failure that paused it, for people
  probes        INTEGER NOT NULL DEFAULT 0,         -- probes that found the server still failing
  next_probe_at TEXT NOT NULL,                      -- no automatic send before this; 30 s, 1 min, 2 min, ... at most 15 min apart
  last_error    TEXT                                -- what the last probe met
);
