// When the delivery queue's next pending delivery comes due (for `papers status`). Reads only; what is due now is
// the Store's (DeliveryLedger.anyDue, countDue).
import type { Db } from './open.js';

export function createDeliveryQueueRepo(db: Db) {
  const nextDue = db.prepare<[string, string], { at: string | null }>(
    `SELECT min(max(due_at, coalesce(next_attempt_at, due_at))) AS at FROM deliveries
     WHERE status = 'pending' AND (due_at > ? OR next_attempt_at > ?)`,
  );
  return {
    /** When the next pending delivery comes due (a later local hour or a retry), or null. */
    nextDueAt: (now: Date): string | null => nextDue.get(now.toISOString(), now.toISOString())?.at ?? null,
  };
}
