// The senders' registry and the pause of sending on PostgreSQL (see src/db/stores/sending.ts): constant SQL texts.
// The crash rule's requeue reads the registry and the claim owners and writes in one transaction; the registry rows
// it reads are locked (FOR UPDATE), so two senders recovering at once act one after the other.
import type { PgPool } from './pool.js';
import { all, inTransaction, one } from './transaction.js';
import type { ClaimHolderRow, SenderRegistry, SenderRow, SendPauseRow, SendPauseStore } from '../stores/sending.js';

const REGISTER = 'INSERT INTO send_workers (owner, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $4)';
const HEARTBEAT = 'UPDATE send_workers SET heartbeat_at = $2 WHERE owner = $1';
const GIVE_BACK = "UPDATE deliveries SET status = 'pending', claim_owner = NULL, updated_at = $2 WHERE status = 'sending' AND claim_owner = $1";
const FORGET = 'DELETE FROM send_workers WHERE owner = $1';
const OF_PROCESS = 'SELECT owner FROM send_workers WHERE host = $1 AND pid = $2';
const WORKERS_LOCKED = 'SELECT owner, host, pid, heartbeat_at FROM send_workers ORDER BY owner FOR UPDATE';
const CLAIM_OWNERS = "SELECT DISTINCT claim_owner AS owner FROM deliveries WHERE status = 'sending'";
const REQUEUE = `UPDATE deliveries SET status = 'pending', claim_owner = NULL, next_attempt_at = NULL, updated_at = $2,
    error = 'requeued: the sender holding it died (crash rule)'
  WHERE status = 'sending' AND claim_owner IS NOT DISTINCT FROM $1`;
const HOLDERS = `SELECT DISTINCT d.claim_owner AS owner, w.host, w.pid, w.heartbeat_at
  FROM deliveries d LEFT JOIN send_workers w ON w.owner = d.claim_owner WHERE d.status = 'sending'`;

const PAUSE = 'SELECT since, reason, probes, next_probe_at, last_error FROM send_pause WHERE id = 1';
const START_PAUSE = `INSERT INTO send_pause (id, since, reason, probes, next_probe_at) VALUES (1, $1, $2, 0, $3)
  ON CONFLICT (id) DO UPDATE SET last_error = EXCLUDED.reason, next_probe_at = greatest(send_pause.next_probe_at, EXCLUDED.next_probe_at)`;
const PROBE_FAILED = 'UPDATE send_pause SET probes = probes + 1, next_probe_at = $1, last_error = $2 WHERE id = 1';
const LIFT = 'DELETE FROM send_pause WHERE id = 1';

export function createPostgresSenderStores(pool: PgPool): SenderRegistry & SendPauseStore {
  return {
    async registerSender(s, now) {
      await pool.query(REGISTER, [s.owner, s.host, s.pid, now]);
    },
    async senderHeartbeat(owner, now) {
      await pool.query(HEARTBEAT, [owner, now]);
    },
    releaseSenderClaims: (owner, now) =>
      inTransaction(pool, async (c) => {
        const released = (await c.query(GIVE_BACK, [owner, now])).rowCount ?? 0;
        await c.query(FORGET, [owner]);
        return released;
      }),
    requeueDeadClaims: (isDead, now) =>
      inTransaction(pool, async (c) => {
        const live = new Set<string>();
        for (const w of await all<SenderRow>(c, WORKERS_LOCKED)) {
          if (isDead(w)) await c.query(FORGET, [w.owner]);
          else live.add(w.owner);
        }
        let requeued = 0;
        for (const { owner } of await all<{ owner: string | null }>(c, CLAIM_OWNERS)) {
          if (owner !== null && live.has(owner)) continue;
          requeued += (await c.query(REQUEUE, [owner, now])).rowCount ?? 0;
        }
        return requeued;
      }),
    claimHolders: () => all<ClaimHolderRow>(pool, HOLDERS),
    sendersOfProcess: async (host, pid) => (await all<{ owner: string }>(pool, OF_PROCESS, [host, pid])).map((r) => r.owner),
    sendPause: () => one<SendPauseRow>(pool, PAUSE),
    async startSendPause(now, reason, next) {
      await pool.query(START_PAUSE, [now, reason.slice(0, 500), next]);
    },
    async sendPauseProbeFailed(next, error) {
      await pool.query(PROBE_FAILED, [next, error.slice(0, 500)]);
    },
    liftSendPause: async () => ((await pool.query(LIFT)).rowCount ?? 0) > 0,
  };
}
