// The sending area of the Store (the delivery ledger, send workers and the crash rule, send pause, locks):
// its repositories' interface and the factory of each engine. So far: the named locks that keep one daily job (and
// one preparer of an edition) at a time across every process sharing the database, and the delivery ledger as a
// sender claims and records, and `papers retry` (an edition's failed and waiting deliveries back in the queue, the
// pause lifted). The senders' registry and the pause still go through the synchronous SQLite repositories until they
// move here.

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

/** A delivery a sender claimed: status `sending`, owned by it until its outcome is recorded or it dies. */
export interface ClaimedDelivery {
  id: number;
  edition_id: number;
  subscriber_id: number;
  /** The reader's sections, as the stored JSON value (unchecked). */
  sections: unknown;
  message_id: string;
  attempts: number;
  kind: 'daily' | 'weekly';
}

/**
 * What one send came to, as a change of its delivery (decided by src/mail/ledger-transition.ts). Each applies only
 * while the sender still holds the claim, except `sent`: a message the server accepted is sent, even when the claim
 * was requeued meanwhile (its sender was judged dead).
 */
export type LedgerTransition =
  | { id: number; to: 'sent'; response: string }
  | { id: number; to: 'gone' }
  | { id: number; to: 'retry'; error: string; next: string | null; counted: boolean }
  | { id: number; to: 'failed'; error: string }
  | { id: number; to: 'bounced'; subscriberId: number; error: string };

export interface ClaimRequest {
  /** Claims deliveries with ids above this (the sender's walk through the queue). */
  cursor: number;
  limit: number;
  /** One edition, or null for every ready edition. */
  editionId: number | null;
}

export interface LedgerWrite {
  /** Per transition: whether it was applied (false: the claim was no longer ours, and it was not a `sent`). */
  applied: boolean[];
  /** `sent` transitions recorded although their claim had been requeued. */
  sentAfterRequeue: number[];
  claimed: ClaimedDelivery[];
}

/**
 * The delivery ledger as the sender uses it. Invariants: a claim takes only pending, due, not-waiting deliveries of
 * ready editions whose reader is active, in id order, and two senders never claim the same row (a conditional
 * update on SQLite, whose writes are serialized; row locks skipped, FOR UPDATE SKIP LOCKED, on PostgreSQL); an
 * accepted delivery's papers enter the never-twice ledger (sent_papers) in the same transaction as its `sent`.
 */
export interface DeliveryLedger {
  /** In one transaction: records the transitions, then claims more for `owner` when asked. */
  recordAndClaim(owner: string, now: string, transitions: readonly LedgerTransition[], claim: ClaimRequest | null): Promise<LedgerWrite>;
  /** Pending deliveries (of one edition or all) with ids in (lo, hi] whose reader is no longer active become skipped. */
  skipDeparted(now: string, editionId: number | null, lo: number, hi: number): Promise<number>;
  /** The smallest and largest id of a pending delivery (nulls when none). */
  pendingIdRange(): Promise<{ lo: number | null; hi: number | null }>;
  /** Deliveries due by `now` not yet done (pending or claimed). */
  countDue(now: string, editionId: number | null): Promise<number>;
  /**
   * Whether any pending delivery of any edition may be tried now (its time reached, no retry time ahead): a row or
   * two read through an index, so a scheduler tick with nothing due costs nothing.
   */
  anyDue(now: string): Promise<boolean>;
  /** When the first delivery waiting for a retry comes due, if any. */
  nextRetryAt(now: string, editionId: number | null): Promise<string | null>;
  /** The reader's address while they are active (read at the last moment before sending). */
  activeEmail(subscriberId: number): Promise<string | undefined>;
  /**
   * Deletes the never-twice ledger's rows of editions dated before `beforeDate`, at most `batchSize` (default 2000)
   * digests per statement, each its own short transaction, pausing between batches (by default one turn of the event
   * loop) so the server keeps answering. Returns the digests (rows) deleted.
   */
  pruneSentPapers(beforeDate: string, o?: { batchSize?: number; pause?: () => Promise<void> }): Promise<number>;
}

export interface SenderRow {
  owner: string;
  host: string;
  pid: number;
  heartbeat_at: string;
}

/** A `sending` claim's owner and what the registry says of it (nulls: the owner has no row). */
export interface ClaimHolderRow {
  owner: string | null;
  host: string | null;
  pid: number | null;
  heartbeat_at: string | null;
}

/**
 * The senders' registry (send_workers) behind the crash rule (src/mail/send-claims.ts decides who is dead; these
 * read and write the rows). Each change is one transaction.
 */
export interface SenderRegistry {
  registerSender(s: { owner: string; host: string; pid: number }, now: string): Promise<void>;
  senderHeartbeat(owner: string, now: string): Promise<void>;
  /** The sender's claims back to `pending` and its row gone; returns the claims given back. */
  releaseSenderClaims(owner: string, now: string): Promise<number>;
  /** Forgets every sender `isDead` condemns and requeues every claim not held by a live registered sender. */
  requeueDeadClaims(isDead: (w: SenderRow) => boolean, now: string): Promise<number>;
  /** Every distinct holder of a `sending` claim with its registry row, if any. */
  claimHolders(): Promise<ClaimHolderRow[]>;
  /** The owners registered by the process `pid` on `host` (a forced shutdown gives back their claims). */
  sendersOfProcess(host: string, pid: number): Promise<string[]>;
}

export interface SendPauseRow {
  since: string;
  reason: string;
  probes: number;
  next_probe_at: string;
  last_error: string | null;
}

/** The pause of sending shared by every process (one row): set by an outage, pushed back by failed probes, lifted. */
export interface SendPauseStore {
  sendPause(): Promise<SendPauseRow | undefined>;
  /** A pause already on keeps its start and probe count (several runs meeting one outage are one pause). */
  startSendPause(now: string, reason: string, nextProbeAt: string): Promise<void>;
  sendPauseProbeFailed(nextProbeAt: string, error: string): Promise<void>;
  /** True when there was a pause to lift. */
  liftSendPause(): Promise<boolean>;
}

/** What `papers retry` did to an edition's deliveries (see DeliveryRetry). */
export interface RetryResult {
  /** Failed deliveries put back with a fresh attempt budget. */
  failed: number;
  /** Pending deliveries that were waiting for a retry time and are due now. */
  waiting: number;
  /** Due pending deliveries that the lifted pause was holding back (0 when sending was not paused). */
  held: number;
  /** The pause that was lifted, if sending was paused. */
  pause: SendPauseRow | undefined;
}

export interface DeliveryRetry {
  /**
   * In one transaction: an edition's failed deliveries go back to pending with a fresh attempt budget, those waiting
   * for a retry time are due now, and a pause of sending is lifted. Bounced and skipped deliveries stay.
   */
  retryDeliveries(editionId: number, now: string): Promise<RetryResult>;
}

export interface SendingStore extends LockStore, DeliveryLedger, SenderRegistry, SendPauseStore, DeliveryRetry {}
