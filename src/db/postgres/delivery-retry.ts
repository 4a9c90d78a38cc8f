// `papers retry` on PostgreSQL (see DeliveryRetry in src/db/stores/sending.ts): constant SQL texts, one transaction.
// The pause row is read FOR UPDATE, so a sender's probe lifting or pushing it back meanwhile waits for the retry.
import type { PgPool } from './pool.js';
import { inTransaction, one } from './transaction.js';
import type { DeliveryRetry, SendPauseRow } from '../stores/sending.js';

const PAUSE_LOCKED = 'SELECT since, reason, probes, next_probe_at, last_error FROM send_pause WHERE id = 1 FOR UPDATE';
const LIFT = 'DELETE FROM send_pause WHERE id = 1';
const DUE_PENDING = "SELECT count(*) AS n FROM deliveries WHERE edition_id = $1 AND status = 'pending' AND due_at <= $2";
const REQUEUE_FAILED = `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL, claim_owner = NULL, updated_at = $2
  WHERE edition_id = $1 AND status = 'failed'`;
const RELEASE_WAITING = `UPDATE deliveries SET next_attempt_at = NULL, updated_at = $2
  WHERE edition_id = $1 AND status = 'pending' AND next_attempt_at > $2`;

export function createPostgresDeliveryRetry(pool: PgPool): DeliveryRetry {
  return {
    retryDeliveries: (editionId, now) =>
      inTransaction(pool, async (c) => {
        const pause = await one<SendPauseRow>(c, PAUSE_LOCKED);
        let held = 0;
        if (pause) {
          held = (await one<{ n: number }>(c, DUE_PENDING, [editionId, now]))!.n;
          await c.query(LIFT);
        }
        const failed = (await c.query(REQUEUE_FAILED, [editionId, now])).rowCount ?? 0;
        const waiting = (await c.query(RELEASE_WAITING, [editionId, now])).rowCount ?? 0;
        return { failed, waiting, held, pause };
      }),
  };
}
