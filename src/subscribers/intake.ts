// The subscribe intake: records subscribe requests (group commit: one transaction per batch within a tick, the
// store's subscribeBatch), decides per request whether a confirmation email goes out, and sends it. On SQLite it
// runs in its own thread with its own connection (intake-worker.ts), so none of this work shares the HTTP thread's
// time: a request for a new address and one for a confirmed address cost the HTTP thread the same (nothing but a
// message), whatever happens here afterwards. On PostgreSQL it runs in-process over the pool (intake-local.ts):
// the database work happens on the server, and the HTTP thread only queues the request.
// A burst of sign-ups (the HTTP server busy: more than 200 requests a second): on SQLite each batch is then kept in the
// spool (src/db/sqlite/subscribe-spool-repo.ts) — one append, no lookup or index of subscribers — and recorded,
// confirmation emails and all, once the site is quiet again (or, in a flood that lasts, a batch a second after
// SPOOL_HOLD_WHILE_BUSY_MS). Recording a request on a 2-core machine took the CPU the HTTP thread answers with: at
// 5,000 subscribe requests a second, bench:http's subscribe p99 fell to near hello-world's when the intake only
// appended (and stayed 2–3× above it when it recorded). While the spool holds requests, new ones join it, so their
// order is kept; a spooled request counts as written (it is durable), and the next process applies what one that
// stopped left (resumeSpool, at the server's start).
// Invariants: a request answered 202 is written, or counted as dropped (never forgotten silently): a batch that
// meets a database that cannot take it (busy, read-only, full, I/O error) is kept and tried again every
// `writeRetryDelayMs`, `writeRetries` times (about a minute), reopening the connection after errors other than
// contention; at most `maxWaiting` requests wait, a request beyond that is dropped at once. One email per address
// per CONFIRM_RESEND_MINUTES (decided in the same transaction that records the request); a confirmation's token write
// that meets another writer's lock is tried again the same way before the email goes.
import type { Db } from '../db/open.js';
import type { RequestFailed, SubscriberStore, SubscribeOutcome, SubscribeRequest, SubscribeTerms } from '../db/stores/subscribers.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { createSqliteSubscribersCore } from '../db/sqlite/subscribers-repo.js';
import { createSqliteSubscribeSpool, type AppliedRequest, type SpooledRequest } from '../db/sqlite/subscribe-spool-repo.js';
import { classifyWriteError, sqliteCode } from '../db/sqlite-errors.js';
import { newConfirmToken } from '../lib/tokens.js';
import { renderConfirmation } from '../digest/render.js';
import { describeError } from '../lib/errors.js';
import { createBackgroundQueue, createTrafficMeter } from './background-queue.js';
import type { DropReason, IntakeCounters } from './intake-counters.js';

export interface SubscribeInput {
  email: string; // already normalized
  topics?: string[] | undefined;
  timezone?: string | undefined;
  hour?: number | undefined;
}

export interface IntakeSettings {
  publicBaseUrl: string;
  confirmTtlHours: number;
  confirmResendMinutes: number;
  /** Confirmation emails sent at once, and waiting at most (a burst beyond that is refused, not buffered). */
  confirmConcurrency?: number | undefined;
  confirmMaxQueued?: number | undefined;
  /** A batch that could not be written is tried again after this delay, this many times. */
  writeRetryDelayMs?: number | undefined;
  writeRetries?: number | undefined;
  /** Requests accepted and not yet written, at most; a request beyond that is dropped (and counted). */
  maxWaiting?: number | undefined;
  /** While busy, how long the spool is held before it is applied a batch a second (SPOOL_HOLD_WHILE_BUSY_MS). */
  spoolHoldMs?: number | undefined;
}

export const WRITE_BATCH = 256;
export const DEFAULT_WRITE_RETRIES = 12;
export const DEFAULT_WRITE_RETRY_DELAY_MS = 5_000;
export const DEFAULT_MAX_WAITING = 10_000;
/**
 * While the site is busy, the spool is applied only once its oldest request has waited this long (a burst of sign-ups
 * is over first; their confirmations follow right after it), then one batch per SPOOL_APPLY_WHILE_BUSY_MS, so that
 * sign-ups still progress in a flood that lasts.
 */
export const SPOOL_HOLD_WHILE_BUSY_MS = 60_000;
export const SPOOL_APPLY_WHILE_BUSY_MS = 1_000;

/** Where the intake writes: its own SQLite connection, or a Store (PostgreSQL, over its pool). */
export type IntakeDatabase =
  | {
      /** Opens the intake's own connection; called again after a write error other than contention. */
      openDb: () => Db;
    }
  | { store: Pick<SubscriberStore, 'subscribeBatch' | 'issueConfirmToken' | 'releaseConfirmWindow'> };

/** The intake's view of its database: the group commit, the token and the window, and what a failure means. */
interface IntakeWriter {
  subscribeBatch(items: { request: SubscribeRequest; terms: SubscribeTerms }[]): Promise<(SubscribeOutcome | RequestFailed)[]>;
  issueConfirmToken(id: number, windowAt: string, hash: string, expiresAt: string): Promise<boolean>;
  releaseConfirmWindow(id: number, windowAt: string): Promise<void>;
  /**
   * The spool (SQLite): requests kept as they came, in one append, to be applied later — what the intake does while
   * the site is busy. Absent on PostgreSQL, whose intake writes every batch at once (the work is on the server).
   */
  spool?: {
    keep(items: SpooledRequest[]): Promise<void>;
    apply(limit: number, resendMinutes: number): Promise<AppliedRequest[]>;
  };
  /** After a failed commit: the code readiness records, and whether to wait and retry (contention) or reconnect. */
  failure(err: unknown): { code: string; contention: boolean };
  reconnect(): void;
}

function sqliteWriter(openDb: () => Db): IntakeWriter {
  let conn: { db: Db; repo: ReturnType<typeof createSqliteSubscribersCore>; spool: ReturnType<typeof createSqliteSubscribeSpool> } | undefined;
  const connection = () => {
    if (conn) return conn;
    const db = openDb();
    const repo = createSqliteSubscribersCore(db);
    return (conn = { db, repo, spool: createSqliteSubscribeSpool(db, repo.subscribeBatch) });
  };
  return {
    // Synchronous underneath: the batch is written within the call, as the intake thread has nothing else to do.
    subscribeBatch: async (items) => connection().repo.subscribeBatch(items),
    issueConfirmToken: async (id, windowAt, hash, expiresAt) => connection().repo.issueConfirmToken(id, windowAt, hash, expiresAt),
    releaseConfirmWindow: async (id, windowAt) => connection().repo.releaseConfirmWindow(id, windowAt),
    spool: {
      keep: async (items) => connection().spool.keep(items),
      apply: async (limit, resendMinutes) => connection().spool.apply(limit, resendMinutes),
    },
    failure: (err) => ({ code: sqliteCode(err) ?? 'UNKNOWN', contention: classifyWriteError(err) === 'contention' }),
    reconnect() {
      try {
        if (conn?.db.open) conn.db.close();
      } catch {
        // closing a broken connection may fail too; a fresh one is opened below either way
      }
      conn = undefined;
    },
  };
}

/** PostgreSQL's SQLSTATE classes of contention: serialization failures and deadlocks (40), lock waits (55P03). */
function storeWriter(store: Pick<SubscriberStore, 'subscribeBatch' | 'issueConfirmToken' | 'releaseConfirmWindow'>): IntakeWriter {
  return {
    subscribeBatch: (items) => store.subscribeBatch(items),
    issueConfirmToken: (id, windowAt, hash, expiresAt) => store.issueConfirmToken(id, windowAt, hash, expiresAt),
    releaseConfirmWindow: (id, windowAt) => store.releaseConfirmWindow(id, windowAt),
    failure(err) {
      const code = (err as { code?: unknown } | null)?.code;
      const c = typeof code === 'string' ? code : 'UNKNOWN';
      return { code: c, contention: c.startsWith('40') || c === '55P03' };
    },
    reconnect() {
      // the pool replaces broken connections by itself
    },
  };
}

export type IntakeDeps = IntakeDatabase & {
  mailer: Mailer;
  logger: Logger;
  counters: IntakeCounters;
  /** The outcome of every real commit attempt (for readiness): ok, or the database's code that stopped it. */
  onCommit?: ((ok: boolean, code: string | null) => void) | undefined;
};

export interface Intake {
  /** A subscribe request that arrived (and was answered 202) at `at`. */
  receive(input: SubscribeInput, at: Date): void;
  /** Applies what the spool holds (a process that stopped left it there); SQLite only, a no-op elsewhere. */
  resumeSpool(): void;
  /** Writes what is buffered and applies the spool, then resolves when the confirmation emails have been handed to the mailer. */
  drain(): Promise<void>;
  close(): void;
}

interface Pending {
  input: SubscribeInput;
  at: Date;
  tries: number;
}

/** A confirmation to send: the window its request took (`windowAt`, that request's time) names the decision. */
type Decision = { subscriberId: number; email: string; windowAt: string } | null;

export function createIntake(deps: IntakeDeps, s: IntakeSettings): Intake {
  const { mailer, logger, counters } = deps;
  const writeRetries = s.writeRetries ?? DEFAULT_WRITE_RETRIES;
  const retryDelayMs = s.writeRetryDelayMs ?? DEFAULT_WRITE_RETRY_DELAY_MS;
  const maxWaiting = s.maxWaiting ?? DEFAULT_MAX_WAITING;
  // Confirmation emails yield to a busy HTTP server (more than 200 requests per second, counted by the HTTP
  // thread): the site stays fast during a burst of sign-ups, and the emails catch up right after.
  const traffic = createTrafficMeter({ windowMs: 100, threshold: 20, total: () => counters.get('foreground') });
  const maxQueued = s.confirmMaxQueued ?? 50_000;
  const queue = createBackgroundQueue({
    concurrency: s.confirmConcurrency ?? 4,
    maxQueued,
    onError: (err) => logger.error({ event: 'subscriber.confirmation_failed', err: describeError(err) }, 'confirmation job failed'),
    yieldWhile: traffic.busy,
    yieldIntervalMs: 100,
  });

  const writer = 'openDb' in deps ? sqliteWriter(deps.openDb) : storeWriter(deps.store);
  const writes: Pending[] = [];
  let waiting = 0;
  let flushScheduled = false;
  let flushing: Promise<void> | undefined;
  let closed = false;
  // Requests whose write failed and that wait for a retry: while any does, a smaller batch that happens to commit
  // (a nearly full disk still takes a short row) does not tell readiness the database is writable again.
  const failedWaiting = new Set<Pending>();
  const spool = writer.spool;
  // Whether this intake may have requests in the spool: after keeping a batch there (or told that a process that
  // stopped left some: resumeSpool), until a pass finds fewer than a batch left.
  let spooled = false;
  let applying: Promise<void> | undefined;
  let applyTimer: ReturnType<typeof setTimeout> | undefined;
  let applyFailing = false;
  let spooledSince = 0; // when the oldest batch this intake kept and has not applied yet was kept
  const holdMs = s.spoolHoldMs ?? SPOOL_HOLD_WHILE_BUSY_MS;
  let keeps = 0; // batches kept so far: a pass that ends while one is being kept does not call the spool empty

  const setWaiting = (n: number) => {
    counters.add('waiting', n - waiting);
    waiting = n;
  };
  const drop = (reason: DropReason, n: number) => {
    counters.add(reason, n);
    counters.add('finished', n);
    setWaiting(waiting - n);
  };

  /** What the store did with one request, logged; a confirmation to send when it took the window. */
  function decisionOf(o: SubscribeOutcome, windowAt: string): Decision {
    if (o.action === 'created') logger.info({ event: 'subscriber.created', subscriberId: o.subscriberId }, 'new pending subscriber');
    if (o.action === 'throttled') logger.info({ event: 'subscriber.confirmation_throttled', subscriberId: o.subscriberId }, 'confirmation recently sent');
    return o.action === 'created' || o.action === 'renewed' ? { subscriberId: o.subscriberId, email: o.email, windowAt } : null;
  }

  /**
   * A confirmation's own write, tried again while the database is busy with another writer, as a batch is (every
   * `writeRetryDelayMs`, `writeRetries` times): the daily preparation's steps commit back to back, and a token write
   * that met them past the busy timeout used to give the confirmation up (its window freed, no email).
   */
  async function whenWritable<T>(write: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await write();
      } catch (err) {
        if (tries >= writeRetries || !writer.failure(err).contention) throw err;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs).unref());
      }
    }
  }

  /**
   * The token is made and stored here, as its email leaves (it is valid for the TTL from the request's time): if the
   * decision no longer stands (the window was freed or taken again, the address confirmed meanwhile), nothing is sent.
   */
  async function sendConfirmation(d: NonNullable<Decision>): Promise<void> {
    try {
      const { token, hash } = newConfirmToken();
      const expiresAt = new Date(Date.parse(d.windowAt) + s.confirmTtlHours * 3_600_000).toISOString();
      if (!(await whenWritable(() => writer.issueConfirmToken(d.subscriberId, d.windowAt, hash, expiresAt)))) {
        logger.info({ event: 'subscriber.confirmation_superseded', subscriberId: d.subscriberId }, 'confirmation no longer due');
        return;
      }
      const msg = await renderConfirmation({ publicBaseUrl: s.publicBaseUrl, ttlHours: s.confirmTtlHours }, `${s.publicBaseUrl}/confirm?token=${token}`);
      await mailer.send({ to: d.email, subject: msg.subject, html: msg.html, text: msg.text, pieces: msg.pieces });
      logger.info({ event: 'subscriber.confirmation_sent', subscriberId: d.subscriberId }, 'confirmation email sent');
    } catch (err) {
      // Not sent (or its token could not be stored): free the per-address window so that asking again works at once.
      try {
        await whenWritable(() => writer.releaseConfirmWindow(d.subscriberId, d.windowAt));
      } catch (releaseErr) {
        logger.warn({ event: 'subscriber.confirmation_window_kept', subscriberId: d.subscriberId, err: describeError(releaseErr) }, 'could not free the window');
      }
      logger.error({ event: 'subscriber.confirmation_failed', subscriberId: d.subscriberId, err: describeError(err) }, 'could not send confirmation email');
    }
  }

  /**
   * One batch in one transaction (the store's group commit); a request's own error (a constraint) drops that
   * request, never the batch. A request that takes its address's window becomes a confirmation to send.
   */
  async function writeBatch(batch: Pending[]): Promise<Decision[]> {
    const times = batch.map((p) => p.at.toISOString());
    const outcomes = await writer.subscribeBatch(batch.map((p, i) => ({ request: p.input, terms: { now: times[i]!, resendMinutes: s.confirmResendMinutes } })));
    return decisionsOf(outcomes.map((outcome, i) => ({ at: times[i]!, outcome })));
  }

  /** The confirmations a recorded batch decided on; a request refused by a constraint is counted (it was finished). */
  function decisionsOf(recorded: AppliedRequest[]): Decision[] {
    let invalid = 0;
    const decisions = recorded.map(({ at, outcome: o }) => {
      if ('failed' in o) {
        invalid++;
        logger.error({ event: 'subscriber.subscribe_invalid', err: describeError(o.failed) }, 'a subscribe request could not be recorded; dropped');
        return null;
      }
      return decisionOf(o, at);
    });
    if (invalid) counters.add('invalid', invalid);
    return decisions;
  }

  function queueConfirmations(decisions: Decision[]): void {
    for (const d of decisions) {
      if (!d) continue;
      if (!queue.push(() => sendConfirmation(d))) {
        counters.add('confirmationsDropped');
        // the window expires by itself if this fails too
        writer.releaseConfirmWindow(d.subscriberId, d.windowAt).catch(() => undefined);
        logger.warn({ event: 'subscriber.confirmation_dropped', subscriberId: d.subscriberId }, 'confirmation queue full');
      }
    }
  }

  /**
   * Applies the spool, oldest first, a batch per transaction: all of it when the site is quiet (or `force`, a
   * drain), one batch per SPOOL_APPLY_WHILE_BUSY_MS while it is busy. One pass at a time; a failed batch stays in the
   * spool and is tried again after `writeRetryDelayMs`.
   */
  function applySpool(force = false): Promise<void> {
    if (!spool) return Promise.resolve();
    const pass = (applying ??= (async () => {
      while (spooled && !closed) {
        const busy = !force && traffic.busy();
        if (busy && performance.now() - spooledSince < holdMs) {
          applyLater(SPOOL_APPLY_WHILE_BUSY_MS); // looks again in a second: is the site quiet, or the spool old enough?
          return;
        }
        // A batch is applied only when its confirmations fit in the queue: the rest waits in the spool (durable), so
        // a burst bigger than the queue loses no email.
        if (queue.size > Math.max(0, maxQueued - WRITE_BATCH)) {
          if (!force) {
            applyLater(SPOOL_APPLY_WHILE_BUSY_MS);
            return;
          }
          await queue.drain();
          continue;
        }
        let applied: AppliedRequest[];
        const keptBefore = keeps;
        try {
          applied = await spool.apply(WRITE_BATCH, s.confirmResendMinutes);
          applyFailing = false;
          if (failedWaiting.size === 0) deps.onCommit?.(true, null);
        } catch (err) {
          const { code, contention } = writer.failure(err);
          deps.onCommit?.(false, code);
          applyFailing = true;
          if (!contention) writer.reconnect();
          logger.error({ event: 'subscriber.spool_apply_failed', code, err: describeError(err) }, 'could not apply spooled subscribe requests; will try again');
          applyLater(retryDelayMs);
          return;
        }
        // This intake's part is done when a pass found less than a batch and nothing was kept meanwhile (another
        // process may add more: it applies its own).
        if (applied.length < WRITE_BATCH && keeps === keptBefore) spooled = false;
        counters.add('spoolApplied', applied.length);
        queueConfirmations(decisionsOf(applied));
        if (busy) {
          applyLater(SPOOL_APPLY_WHILE_BUSY_MS);
          return;
        }
        await new Promise((r) => setImmediate(r)); // requests that came meanwhile are kept between two batches
      }
    })().finally(() => {
      applying = undefined;
    }));
    // A drain that met a pass started while the site was busy waits for it, then applies the rest itself.
    // (Not after a failed batch: a drain does not loop on a database that cannot take the writes; the timer retries.)
    return force ? pass.then(() => (spooled && !closed && !applyFailing ? applySpool(true) : undefined)) : pass;
  }
  function applyLater(ms: number): void {
    if (applyTimer || closed) return;
    applyTimer = setTimeout(() => {
      applyTimer = undefined;
      void applySpool();
    }, ms);
    applyTimer.unref?.();
  }

  /** Writes what is buffered, batch after batch; one flush at a time (a call during a flush joins it). */
  function flushWrites(): Promise<void> {
    flushScheduled = false;
    return (flushing ??= writeAll().finally(() => {
      flushing = undefined;
      // Requests that arrived as the loop ended are not left waiting for the next one.
      if (writes.length && !closed && !flushScheduled) {
        flushScheduled = true;
        setImmediate(() => void flushWrites());
      }
    }));
  }

  async function writeAll(): Promise<void> {
    while (writes.length && !closed) {
      const batch = writes.splice(0, WRITE_BATCH);
      let decisions: Decision[];
      // While the site is busy, or while older requests wait in the spool (their order is kept), a batch is kept in
      // the spool: one append, a fraction of recording it, so the intake leaves the CPU to the requests.
      const toSpool = spool !== undefined && (spooled || traffic.busy());
      try {
        if (toSpool) {
          if (!spooled) spooledSince = performance.now();
          spooled = true;
          keeps++;
          await spool.keep(batch.map((p) => ({ request: p.input, at: p.at.toISOString() })));
          counters.add('spooled', batch.length);
          decisions = [];
        } else decisions = await writeBatch(batch);
        for (const p of batch) failedWaiting.delete(p);
        if (failedWaiting.size === 0) deps.onCommit?.(true, null);
      } catch (err) {
        const { code, contention } = writer.failure(err);
        deps.onCommit?.(false, code);
        // Answered 202 already: keep them and try again shortly; drop (and count) only after a while.
        if (!contention) writer.reconnect(); // a connection opened read-only stays read-only: open it again
        const retry = batch.filter((p) => ++p.tries <= writeRetries);
        for (const p of batch) failedWaiting.delete(p);
        for (const p of retry) failedWaiting.add(p);
        const given = batch.length - retry.length;
        if (given) {
          drop('write_failed', given);
          logger.error({ event: 'subscriber.subscribe_dropped', count: given, reason: 'write_failed', err: describeError(err) }, 'gave up writing subscribe requests');
        }
        logger.error(
          { event: 'subscriber.batch_failed', count: batch.length, retrying: retry.length, code, err: describeError(err) },
          'could not record subscribe requests; will try again',
        );
        if (retry.length)
          setTimeout(() => {
            writes.unshift(...retry);
            void flushWrites();
          }, retryDelayMs).unref();
        continue;
      }
      // Constraint failures inside the batch were counted as dropped by writeBatch; all of the batch is finished.
      counters.add('finished', batch.length);
      setWaiting(waiting - batch.length);
      queueConfirmations(decisions);
      if (toSpool) applyLater(traffic.busy() ? SPOOL_APPLY_WHILE_BUSY_MS : 0);
    }
  }

  return {
    receive(input, at) {
      counters.add('received');
      if (waiting >= maxWaiting) {
        counters.add('buffer_full');
        counters.add('finished');
        logger.error({ event: 'subscriber.subscribe_dropped', count: 1, reason: 'buffer_full' }, 'too many subscribe requests waiting to be written; dropped');
        return;
      }
      writes.push({ input, at, tries: 0 });
      setWaiting(waiting + 1);
      if (writes.length >= WRITE_BATCH) void flushWrites();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(() => void flushWrites());
      }
    },
    resumeSpool() {
      if (!spool) return;
      spooledSince = Number.NEGATIVE_INFINITY; // left by a process that stopped: old enough to apply even while busy
      spooled = true;
      applyLater(0);
    },
    async drain() {
      await flushWrites();
      await applySpool(true);
      return queue.drain();
    },
    close() {
      closed = true;
      if (applyTimer) clearTimeout(applyTimer);
      applyTimer = undefined;
      // Requests still waiting for a write that can no longer happen (the process is stopping): counted, not lost silently.
      if (waiting > 0) {
        logger.error({ event: 'subscriber.subscribe_dropped', count: waiting, reason: 'write_failed' }, 'stopping with subscribe requests not written');
        drop('write_failed', waiting);
      }
      writer.reconnect();
    },
  };
}
