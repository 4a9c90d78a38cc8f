// The `locks` table: one row per lock name with its owner and lease expiry (the daily job, an edition's
// preparation). Which holder may be taken over is the lock's own rule (src/jobs/lock.ts); these are its statements.
import type { Db } from './open.js';
import { oncePerDb } from './once-per-db.js';

export const locksRepo = oncePerDb((db: Db) => {
  // Takes a free or expired lock, or renews one the same owner already holds.
  const take = db.prepare(
    `INSERT INTO locks (name, owner, expires_at) VALUES (@name, @owner, @expires)
     ON CONFLICT(name) DO UPDATE SET owner = @owner, expires_at = @expires
     WHERE locks.expires_at <= @now OR locks.owner = @owner`,
  );
  const ownerOf = db.prepare<[string], { owner: string }>('SELECT owner FROM locks WHERE name = ?');
  const takeFrom = db.prepare('UPDATE locks SET owner = ?, expires_at = ? WHERE name = ? AND owner = ?');
  const renew = db.prepare('UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?');
  const release = db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?');
  const holder = db.prepare<[string, string], { owner: string; expires_at: string }>(
    'SELECT owner, expires_at FROM locks WHERE name = ? AND expires_at > ?',
  );

  return {
    /** True when `owner` now holds the lock (it was free, expired, or already theirs). */
    take: (name: string, owner: string, now: Date, expires: Date): boolean =>
      take.run({ name, owner, expires: expires.toISOString(), now: now.toISOString() }).changes === 1,
    /** The row's owner whatever its expiry, or undefined when there is no row. */
    ownerOf: (name: string): string | undefined => ownerOf.get(name)?.owner,
    /** Moves the lock from `from` to `owner`; false when `from` no longer holds it. */
    takeFrom: (name: string, from: string, owner: string, expires: Date): boolean => takeFrom.run(owner, expires.toISOString(), name, from).changes === 1,
    /** Extends `owner`'s lease; false when it no longer holds the lock. */
    renew: (name: string, owner: string, expires: Date): boolean => renew.run(expires.toISOString(), name, owner).changes === 1,
    release: (name: string, owner: string): void => void release.run(name, owner),
    /** The unexpired holder, or undefined. */
    holder: (name: string, now: Date): { owner: string; expires_at: string } | undefined => holder.get(name, now.toISOString()),
  };
});
