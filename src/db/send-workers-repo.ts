// The senders' registry (send_workers: owner, host, pid, heartbeat) and the claims it vouches for: the statements
// behind the crash rule. Which sender counts as dead is the rule's own decision (src/mail/send-claims.ts); this
// repository only reads and writes the rows, each change in one write transaction.
import type { Db } from './open.js';
import { oncePerDb } from './once-per-db.js';

import type { ClaimHolderRow, SenderRow } from './stores/sending.js';

export const sendWorkersRepo = oncePerDb((db: Db) => {
  const insert = db.prepare('INSERT INTO send_workers (owner, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)');
  const beat = db.prepare('UPDATE send_workers SET heartbeat_at = ? WHERE owner = ?');
  const giveBack = db.prepare(
    `UPDATE deliveries SET status = 'pending', claim_owner = NULL, updated_at = ?
     WHERE status = 'sending' AND claim_owner = ?`,
  );
  const forget = db.prepare('DELETE FROM send_workers WHERE owner = ?');
  const workers = db.prepare<[], SenderRow>('SELECT owner, host, pid, heartbeat_at FROM send_workers');
  const ofProcess = db.prepare<[string, number], { owner: string }>('SELECT owner FROM send_workers WHERE host = ? AND pid = ?');
  const claimOwners = db.prepare<[], { owner: string | null }>(
    "SELECT DISTINCT claim_owner AS owner FROM deliveries INDEXED BY deliveries_claim WHERE status = 'sending'",
  );
  const requeue = db.prepare(
    `UPDATE deliveries SET status = 'pending', claim_owner = NULL, next_attempt_at = NULL, updated_at = @now,
       error = 'requeued: the sender holding it died (crash rule)'
     WHERE status = 'sending' AND claim_owner IS @owner`,
  );
  const holders = db.prepare<[], ClaimHolderRow>(
    `SELECT DISTINCT d.claim_owner AS owner, w.host, w.pid, w.heartbeat_at
     FROM deliveries d INDEXED BY deliveries_claim LEFT JOIN send_workers w ON w.owner = d.claim_owner WHERE d.status = 'sending'`,
  );

  return {
    register(s: { owner: string; host: string; pid: number }, now: Date): void {
      const at = now.toISOString();
      insert.run(s.owner, s.host, s.pid, at, at);
    },
    heartbeat(owner: string, now: Date): void {
      beat.run(now.toISOString(), owner);
    },
    /** The sender's claims back to `pending` and its row gone, in one transaction; returns the claims given back. */
    release: db.transaction((owner: string, now: Date): number => {
      const released = giveBack.run(now.toISOString(), owner).changes;
      forget.run(owner);
      return released;
    }),
    /** Owners registered by the process `pid` on `host`. */
    ownersOfProcess: (host: string, pid: number): string[] => ofProcess.all(host, pid).map((r) => r.owner),
    /**
     * In one write transaction: forgets every sender `isDead` condemns and puts back to `pending` every claim whose
     * owner is not a live registered sender (a missing owner included). Returns how many claims went back.
     */
    requeueDeadClaims(isDead: (w: SenderRow) => boolean, now: Date): number {
      return db
        .transaction(() => {
          const live = new Set<string>();
          for (const w of workers.all()) {
            if (isDead(w)) forget.run(w.owner);
            else live.add(w.owner);
          }
          let requeued = 0;
          for (const { owner } of claimOwners.all()) {
            if (owner !== null && live.has(owner)) continue;
            requeued += requeue.run({ now: now.toISOString(), owner }).changes;
          }
          return requeued;
        })
        .immediate();
    },
    /** Every distinct holder of a `sending` claim with its registry row, if any. */
    claimHolders: (): ClaimHolderRow[] => holders.all(),
  };
});
