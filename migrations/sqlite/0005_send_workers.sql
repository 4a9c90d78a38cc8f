-- Sending engine: who holds `sending` claims, so a crashed sender's claims are found at once, and an index that
-- lets the sender walk the pending deliveries in id order from a checkpoint (never sorting the whole queue).

-- One row per running sender (one sendDue call). Written at start, heartbeat while running, deleted at the end.
-- A `sending` delivery whose claim_owner has no live row here was abandoned by a crash (see src/mail/send-claims.ts).
CREATE TABLE send_workers (
  owner        TEXT PRIMARY KEY,                -- random id, stored in deliveries.claim_owner
  host         TEXT NOT NULL,                   -- os.hostname() of the sender
  pid          INTEGER NOT NULL,                -- its process id, checked for liveness on the same host
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
);

CREATE INDEX deliveries_claim ON deliveries(status, id);
