// A cross-process lock in SQLite: one row per name with an owner and an expiry, so two processes sharing a
// database never run the daily job at once, and a crashed holder's lock expires by itself.
import type { Db } from '../db/open.js';

export function tryAcquireLock(db: Db, name: string, owner: string, now: Date, ttlMs: number): boolean {
  const expires = new Date(now.getTime() + ttlMs).toISOString();
  const r = db
    .prepare(
      `INSERT INTO locks (name, owner, expires_at) VALUES (@name, @owner, @expires)
       ON CONFLICT(name) DO UPDATE SET owner = @owner, expires_at = @expires
       WHERE locks.expires_at <= @now OR locks.owner = @owner`,
    )
    .run({ name, owner, expires, now: now.toISOString() });
  return r.changes === 1;
}

export function releaseLock(db: Db, name: string, owner: string): void {
  db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
}
