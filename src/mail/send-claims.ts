// Who holds `sending` claims, and the crash rule that gives a dead sender's claims back to the queue.
// Invariant: a delivery stays `sending` only while the sender that claimed it is alive; a claim is never taken
// from a live sender on this host, and from another host only after its heartbeat is a full lease old.
//
// THE CRASH RULE. Every sender (one sendDue call) registers a row in send_workers (owner id, host, pid) before it
// claims anything, refreshes its heartbeat while it runs, and on the way out releases what it still holds and
// deletes its row. A `sending` delivery is requeued (back to `pending`, same Message-ID, sent again) when its
// owner is dead, meaning any of:
//   1. the owner has no send_workers row (it can only have vanished with a crash, or predates this table);
//   2. the owner ran on this host and its process no longer exists (or has our pid but is not one of ours: a
//      container restarted with the same pid): checked at once, so a restart right after `kill -9` requeues the
//      dead sender's claims without waiting for anything (of those, at most `concurrency` were in flight and may
//      have reached the server; the rest were only claimed ahead);
//   3. the owner's heartbeat is older than the lease (SEND_CLAIM_LEASE_SECONDS): another host sharing the
//      database, or a process hung long enough to count as dead.
// Every sender checks at start-up and on each heartbeat. The check and the requeue happen in one write
// transaction, so two senders recovering at once cannot both act on a heartbeat that moves in between.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/open.js';
import { sendWorkersRepo } from '../db/send-workers-repo.js';
import type { SenderRegistry } from '../db/stores/sending.js';

export interface SenderIdentity {
  owner: string;
  host: string;
  pid: number;
}

export interface CrashRuleOptions {
  now: Date;
  /** A heartbeat older than this marks its sender dead, on any host. */
  leaseMs: number;
  /** This process's host: a sender on the same host is judged by whether its pid is alive. */
  host?: string;
  isAlive?: (pid: number) => boolean;
}

/** Owners created by this process: a row with our pid but another owner is a previous incarnation's. */
const ownersOfThisProcess = new Set<string>();

export function newSenderIdentity(): SenderIdentity {
  const owner = randomUUID();
  ownersOfThisProcess.add(owner);
  return { owner, host: hostname(), pid: process.pid };
}

function deadSenderTest(o: CrashRuleOptions): (w: { owner: string | null; host: string | null; pid: number | null; heartbeat_at: string | null }) => boolean {
  const host = o.host ?? hostname();
  const isAlive = o.isAlive ?? isProcessAlive;
  const staleBefore = new Date(o.now.getTime() - o.leaseMs).toISOString();
  return (w) => {
    if (w.owner === null || w.heartbeat_at === null || w.pid === null) return true; // rule 1: no row
    if (w.heartbeat_at < staleBefore) return true; // rule 3: lease
    if (w.host !== host) return false;
    return w.pid === process.pid ? !ownersOfThisProcess.has(w.owner) : !isAlive(w.pid); // rule 2
  };
}

/** signal 0 checks existence without signalling; EPERM means it exists but belongs to another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function registerSender(db: Db, id: SenderIdentity, now: Date): void {
  sendWorkersRepo(db).register(id, now);
}

export function heartbeat(db: Db, owner: string, now: Date): void {
  sendWorkersRepo(db).heartbeat(owner, now);
}

/**
 * Gives back what `owner` still holds (claimed ahead and never sent) and removes its row. Returns how many
 * claims went back. Called on the way out of every send, also after an error.
 */
export function releaseSender(db: Db, owner: string, now: Date): number {
  const released = sendWorkersRepo(db).release.immediate(owner, now);
  ownersOfThisProcess.delete(owner);
  return released;
}

/** Applies the crash rule (see the header). Returns how many deliveries went back to `pending`. */
export function requeueAbandonedClaims(db: Db, o: CrashRuleOptions): number {
  return sendWorkersRepo(db).requeueDeadClaims(deadSenderTest(o), o.now);
}

/** Whether any `sending` claim is held by a dead sender (a cheap check for schedulers deciding to run). */
export async function hasAbandonedClaims(store: Pick<SenderRegistry, 'claimHolders'>, o: CrashRuleOptions): Promise<boolean> {
  return (await store.claimHolders()).some(deadSenderTest(o));
}

/** The crash rule through the Store (either engine): see the header. Returns how many deliveries went back. */
export function requeueAbandonedIn(store: SenderRegistry, o: CrashRuleOptions): Promise<number> {
  return store.requeueDeadClaims(deadSenderTest(o), o.now.toISOString());
}

/** releaseSender through the Store (either engine). */
export async function releaseSenderIn(store: Pick<SenderRegistry, 'releaseSenderClaims'>, owner: string, now: Date): Promise<number> {
  const released = await store.releaseSenderClaims(owner, now.toISOString());
  ownersOfThisProcess.delete(owner);
  return released;
}

/** The senders this process registered (a forced shutdown gives their claims back). */
export function sendersOfThisProcess(store: Pick<SenderRegistry, 'sendersOfProcess'>): Promise<string[]> {
  return store.sendersOfProcess(hostname(), process.pid);
}
