// Named locks on SQLite: a lease row in `locks` (src/db/locks-repo.ts) that the holder renews; one write statement
// takes a free or expired lock, so two processes racing for it cannot both win.
import type { Db } from '../open.js';
import { locksRepo } from '../locks-repo.js';
import type { HeldLock, LockStore } from '../stores/sending.js';

export function createSqliteLockStore(db: Db): LockStore {
  const expiry = (now: string, ttlMs: number) => new Date(Date.parse(now) + ttlMs);
  return {
    async acquireLock(name, owner, { now, ttlMs, holderIsDead }) {
      const locks = locksRepo(db);
      const expires = expiry(now, ttlMs);
      let taken = locks.take(name, owner, new Date(now), expires);
      if (!taken && holderIsDead) {
        const holder = locks.ownerOf(name);
        taken = !!holder && holderIsDead(holder) && locks.takeFrom(name, holder, owner, expires);
      }
      if (!taken) return undefined;
      const held: HeldLock = {
        name,
        owner,
        renew: async (at) => locks.renew(name, owner, expiry(at, ttlMs)),
        async release() {
          if (db.open) locks.release(name, owner);
        },
      };
      return held;
    },
    lockHolder: async (name, now) => locksRepo(db).holder(name, new Date(now)),
  };
}
