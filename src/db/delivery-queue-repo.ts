// What the delivery queue holds that is due: the cheap checks the scheduler's tick and the daily job make before
// (or while) sending. Reads only; the sender's claims and transitions are src/mail/send-claims.ts's statements.
import type { Db } from './open.js';

export function createDeliveryQueueRepo(db: Db) {
  // Indexed (deliveries_queue): a row or two, so a tick with nothing due costs nothing.
  const anyDue = db.prepare<{ now: string }, { one: number }>(
    `SELECT 1 AS one FROM deliveries WHERE status = 'pending' AND due_at <= @now AND (next_attempt_at IS NULL OR next_attempt_at <= @now) LIMIT 1`,
  );
  const dueOfEdition = db.prepare<[number, string], { n: number }>(
    "SELECT count(*) AS n FROM deliveries WHERE edition_id = ? AND status IN ('pending', 'sending') AND due_at <= ?",
  );
  const nextDue = db.prepare<[string, string], { at: string | null }>(
    `SELECT min(max(due_at, coalesce(next_attempt_at, due_at))) AS at FROM deliveries
     WHERE status = 'pending' AND (due_at > ? OR next_attempt_at > ?)`,
  );
  return {
    /** When the next pending delivery comes due (a later local hour or a retry), or null. */
    nextDueAt: (now: Date): string | null => nextDue.get(now.toISOString(), now.toISOString())?.at ?? null,
    /** Whether any pending delivery of any edition may be tried now (its date reached, no retry time ahead). */
    anyDue: (now: Date): boolean => !!anyDue.get({ now: now.toISOString() }),
    /** Deliveries of an edition due by `now` that are not yet done (pending, or claimed by a sender). */
    dueOfEdition: (editionId: number, now: Date): number => dueOfEdition.get(editionId, now.toISOString())!.n,
  };
}
