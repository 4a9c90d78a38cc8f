// A cross-process lock in SQLite: one row per name with an owner and an expiry, so two processes sharing a
// database never run the daily job at once, and a crashed holder's lock expires by itself (at once when the
// holder ran on this host and its process is gone). A long run renews its lease; a holder that finds its lease
// taken over has lost the lock and must stop.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/open.js';
import { locksRepo } from '../db/locks-repo.js';
import type { LockStore } from '../db/stores/sending.js';
import { AppError } from '../lib/errors.js';
import { isProcessAlive } from '../mail/send-claims.js';

/** Owners this process created: a lock row with our pid but another owner is a previous incarnation's. */
const ownersOfThisProcess = new Set<string>();

export function tryAcquireLock(db: Db, name: string, owner: string, now: Date, ttlMs: number): boolean {
  const locks = locksRepo(db);
  const expires = new Date(now.getTime() + ttlMs);
  if (locks.take(name, owner, now, expires)) return true;
  // A holder on this host whose process is gone (killed, crashed) cannot renew: take over now instead of
  // waiting out its lease, so a restart after a crash catches up at once.
  const holder = locks.ownerOf(name);
  if (!holder || !isDeadLocalOwner(holder)) return false;
  return locks.takeFrom(name, holder, owner, expires);
}

function isDeadLocalOwner(owner: string): boolean {
  const m = /^(.*):(\d+):[0-9a-f]{8}$/.exec(owner);
  if (!m || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  return pid === process.pid ? !ownersOfThisProcess.has(owner) : !isProcessAlive(pid);
}

/** Extends the lease; false when this owner no longer holds the lock (it expired and someone took it). */
export function renewLock(db: Db, name: string, owner: string, now: Date, ttlMs: number): boolean {
  return locksRepo(db).renew(name, owner, new Date(now.getTime() + ttlMs));
}

export function releaseLock(db: Db, name: string, owner: string): void {
  locksRepo(db).release(name, owner);
}

/** The current holder, or undefined when the lock is free or its lease has expired. */
export function lockHolder(db: Db, name: string, now: Date): { owner: string; expires_at: string } | undefined {
  return locksRepo(db).holder(name, now);
}

/**
 * Whether `owner` holds the named lock now: its lease is unexpired (PostgreSQL: its session holds it) and, when it
 * ran on this host, its process still exists. A holder that crashed (kill -9) or could not renew (a full disk) fails
 * this at once or when its lease runs out.
 */
export async function leaseIsLive(store: Pick<LockStore, 'lockHolder'>, name: string, owner: string | null, now: Date): Promise<boolean> {
  if (!owner || isDeadLocalOwner(owner)) return false;
  return (await store.lockHolder(name, now.toISOString()))?.owner === owner;
}

/** A lock owner id that says which process holds it (shown on the admin page), unique per acquisition. */
export function newLockOwner(): string {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  ownersOfThisProcess.add(owner);
  return owner;
}

/** The prefix of every lock owner this process creates (for releasing them all at a forced shutdown). */
export function processOwnerPrefix(): string {
  return `${hostname()}:${process.pid}:`;
}

export interface LeaseOptions {
  ttlMs: number;
  /** How often the holder renews its lease while `fn` runs (well below ttlMs). */
  renewMs: number;
  signal?: AbortSignal | undefined;
}

export interface Lease {
  owner: string;
  /** Aborts when the caller's signal does, or when the lease was lost (renewal found another owner). */
  signal: AbortSignal;
}

/**
 * Runs `fn` holding the named lock, renewing it meanwhile; throws JOB_LOCKED when another owner holds it.
 * The lock is released however `fn` ends.
 */
/** Calls `fn` every `ms` until the returned function is called (tests pass a manual one). */
export type Every = (ms: number, fn: () => void) => () => void;

const realEvery: Every = (ms, fn) => {
  const timer = setInterval(fn, ms);
  timer.unref(); // a renewal never keeps a process alive by itself
  return () => clearInterval(timer);
};

export async function withLock<T>(
  deps: { store: LockStore; clock: { now(): Date }; every?: Every | undefined },
  name: string,
  o: LeaseOptions,
  fn: (lease: Lease) => Promise<T>,
): Promise<T> {
  const owner = newLockOwner();
  const held = await deps.store.acquireLock(name, owner, { now: deps.clock.now().toISOString(), ttlMs: o.ttlMs, holderIsDead: isDeadLocalOwner });
  if (!held) throw new AppError('JOB_LOCKED', `another process holds the ${name} lock`);
  const lost = new AbortController();
  let renewing = false; // a slow renewal is not overlapped by the next tick
  const stopRenewing = (deps.every ?? realEvery)(o.renewMs, () => {
    if (renewing || lost.signal.aborted) return;
    renewing = true;
    held
      .renew(deps.clock.now().toISOString())
      .then(
        (kept) => {
          if (!kept) lost.abort(new AppError('LOCK_LOST', `the ${name} lock expired and was taken by another process`));
        },
        (err: unknown) => lost.abort(new AppError('LOCK_LOST', `could not renew the ${name} lock`, { cause: err })),
      )
      .finally(() => (renewing = false));
  });
  try {
    return await fn({ owner, signal: o.signal ? AbortSignal.any([o.signal, lost.signal]) : lost.signal });
  } finally {
    stopRenewing();
    await held.release().catch(() => undefined); // a lock that cannot be released ends with its lease or session
  }
}
