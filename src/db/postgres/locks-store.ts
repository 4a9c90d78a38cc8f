// Named locks on PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) held by one pinned connection of
// the pool for as long as the lock is held. No lease to expire and no liveness guess: when the holding process dies
// or its connection breaks, the server ends the session and the lock with it, at once. The `locks` row beside it
// only tells operators who holds it (and until when it was last renewed); the advisory lock is the truth.
import type { PgClient, PgPool } from './pool.js';
import type { HeldLock, LockStore } from '../stores/sending.js';

// One 64-bit key per name, in a key space of our own: hashtextextended is stable across servers and versions.
const KEY = "hashtextextended('trending-papers:' || $1, 0)";
const TRY_LOCK = `SELECT pg_try_advisory_lock(${KEY}) AS ok`;
const UNLOCK = `SELECT pg_advisory_unlock(${KEY})`;
const RECORD = `INSERT INTO locks (name, owner, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at`;
const RENEW = 'UPDATE locks SET expires_at = $3 WHERE name = $1 AND owner = $2';
const FORGET = 'DELETE FROM locks WHERE name = $1 AND owner = $2';
// The recorded owner, only while some session really holds the advisory lock (a bigint key shows in pg_locks as
// its high and low 32 bits in classid and objid, objsubid 1).
const HOLDER = `SELECT l.owner, l.expires_at FROM locks l
  WHERE l.name = $1 AND EXISTS (
    SELECT 1 FROM pg_locks p
    WHERE p.locktype = 'advisory' AND p.granted AND p.objsubid = 1 AND p.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND p.classid::bigint = ((${KEY}) >> 32) & 4294967295 AND p.objid::bigint = (${KEY}) & 4294967295)`;

export function createPostgresLockStore(pool: PgPool): LockStore {
  const expiry = (now: string, ttlMs: number) => new Date(Date.parse(now) + ttlMs).toISOString();
  return {
    async acquireLock(name, owner, { now, ttlMs }) {
      const client: PgClient = await pool.connect();
      let broken = false;
      const lostConnection = () => void (broken = true);
      client.on('error', lostConnection);
      try {
        const { rows } = await client.query<{ ok: boolean }>(TRY_LOCK, [name]);
        if (!rows[0]?.ok) {
          client.off('error', lostConnection);
          client.release();
          return undefined;
        }
        await client.query(RECORD, [name, owner, expiry(now, ttlMs)]);
      } catch (err) {
        client.off('error', lostConnection);
        client.release(true); // a session that may hold the lock is never handed to anyone else
        throw err;
      }
      let released = false;
      const held: HeldLock = {
        name,
        owner,
        async renew(at) {
          if (released || broken) return false;
          try {
            await client.query(RENEW, [name, owner, expiry(at, ttlMs)]);
            return true;
          } catch {
            broken = true;
            return false;
          }
        },
        async release() {
          if (released) return;
          released = true;
          client.off('error', lostConnection);
          try {
            if (!broken) {
              await client.query(FORGET, [name, owner]);
              await client.query(UNLOCK, [name]);
            }
          } catch {
            broken = true;
          } finally {
            // A connection that could not unlock is closed rather than pooled: closing it ends the lock.
            client.release(broken);
          }
        },
      };
      return held;
    },
    async lockHolder(name) {
      const { rows } = await pool.query<{ owner: string; expires_at: string }>(HOLDER, [name]);
      return rows[0];
    },
  };
}
