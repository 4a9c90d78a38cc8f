// Puts an edition's deliveries back in the queue for `papers retry`: failed ones with a fresh attempt budget, and
// pending ones waiting for a retry time (held by an outage or a backoff) due now. Bounced and skipped ones stay.
import type { Db } from './open.js';

export function createDeliveryRequeueRepo(db: Db) {
  const failed = db.prepare(
    `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL, claim_owner = NULL, updated_at = @now
     WHERE edition_id = @editionId AND status = 'failed'`,
  );
  const waiting = db.prepare(
    `UPDATE deliveries SET next_attempt_at = NULL, updated_at = @now
     WHERE edition_id = @editionId AND status = 'pending' AND next_attempt_at > @now`,
  );
  const held = db.prepare<{ editionId: number; now: string }, { n: number }>(
    `SELECT count(*) AS n FROM deliveries WHERE edition_id = @editionId AND status = 'pending' AND due_at <= @now`,
  );
  return {
    /** Failed → pending with attempts reset; returns how many. */
    requeueFailed: (editionId: number, now: Date): number => failed.run({ editionId, now: now.toISOString() }).changes,
    /** Pending deliveries waiting for a later retry time become due now (attempts kept); returns how many. */
    releaseWaiting: (editionId: number, now: Date): number => waiting.run({ editionId, now: now.toISOString() }).changes,
    /** Pending deliveries that are due (by their date) whatever their retry time: what a pause holds back. */
    duePending: (editionId: number, now: Date): number => held.get({ editionId, now: now.toISOString() })!.n,
  };
}
