// The sending area of the Store (the delivery ledger, send workers and the crash rule, send pause, job runs, locks):
// its repositories' interface and the factory of each engine. So far: the named locks that keep one daily job (and
// one preparer of an edition) at a time across every process sharing the database. The ledger, the senders'
// registry and the pause still go through the synchronous SQLite repositories until they move here.
import type { Db } from '../open.js';
import type { PgPool } from '../postgres/pool.js';
import { createSqliteLockStore } from '../sqlite/locks-store.js';
import { createPostgresLockStore } from '../postgres/locks-store.js';

/** A lock this process holds. */
export interface HeldLock {
  readonly name: string;
  readonly owner: string;
  /**
   * Keeps the lock: extends the lease (SQLite) or checks that the session holding it is still there (PostgreSQL).
   * False when it is lost: the lease ran out and another owner took it, or the connection holding it broke.
   */
  renew(now: string): Promise<boolean>;
  /** Gives the lock up (idempotent; never throws when the connection is already gone). */
  release(): Promise<void>;
}

export interface LockRequest {
  now: string;
  /** How long the lock stays taken without a renewal (SQLite's lease; shown to operators on both engines). */
  ttlMs: number;
  /**
   * The caller's judgement of a holder it finds (SQLite: a holder on this host whose process is gone is taken over at
   * once instead of waiting out its lease). PostgreSQL never needs it: a dead holder's session, and its lock, end with it.
   */
  holderIsDead?: ((owner: string) => boolean) | undefined;
}

export interface LockStore {
  /** Takes the named lock for `owner`; undefined when someone else holds it. */
  acquireLock(name: string, owner: string, request: LockRequest): Promise<HeldLock | undefined>;
  /** Who holds the named lock now (for operators), or undefined. */
  lockHolder(name: string, now: string): Promise<{ owner: string; expires_at: string } | undefined>;
}

export interface SendingStore extends LockStore {}

export function createSqliteSendingStore(db: Db): SendingStore {
  return { ...createSqliteLockStore(db) };
}

export function createPostgresSendingStore(pool: PgPool): SendingStore {
  return { ...createPostgresLockStore(pool) };
}
