// The sending engine's pump: claims due deliveries in batches (the ledger's claim rules, src/db/stores/sending.ts),
// hands each to digest-delivery.ts (render from the edition compiled once, send through the mailer), and records what
// they came to in the ledger, batch by batch, as send-outcomes.ts decides (the failure policy of send-policy.ts). A
// delivery is marked sent, and its papers recorded as sent to its subscriber (never twice), only after the SMTP
// server accepted it.
// Invariants: at most `concurrency` messages are handed to the mailer without their outcome recorded, so a crash
// can duplicate at most that many, each with its own deterministic Message-ID; while sending is paused
// (the Store's send pause) a send claims nothing before the pause's probe time unless a person asked, and then
// sends one delivery at a time until the server accepts one.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from './mailer.js';
import type { PolicySettings } from './send-policy.js';
import { newSenderIdentity, releaseSenderIn, requeueAbandonedIn } from './send-claims.js';
import { describeError } from '../lib/errors.js';
import type { ClaimedDelivery, DeliveryLedger, DeliveryRetry, RetryResult, SenderRegistry, SendPauseStore } from '../db/stores/sending.js';
import type { EditionStore } from '../db/stores/editions.js';
import { createDigestDelivery, type Outcome } from './digest-delivery.js';
import { SendOutcomes, type SendProgress } from './send-outcomes.js';

export type { SendProgress };

export interface SendSettings {
  publicBaseUrl: string;
  secretKey: string;
  listId: string;
  unsubscribeMailto?: string | undefined;
  /** The in-flight bound: the pool's maxConnections. */
  concurrency: number;
  /** Attempts per delivery (temporary failures) before it is marked failed. */
  maxAttempts: number;
  /** First retry delay; doubles with each attempt (±25 % jitter). */
  retryBaseSeconds: number;
  /** Consecutive failures that pause the send (see send-policy.ts; a probe resumes it). */
  pauseAfterFailures: number;
  /** A paused send probes the server this long after the pause, then twice as long after each failed probe ... */
  probeBaseSeconds: number;
  /** ... at most this long apart. */
  probeMaxSeconds: number;
  /** A sender whose heartbeat is older than this is dead and its claims are requeued (see send-claims.ts). */
  claimLeaseSeconds?: number | undefined;
}

export interface SendOutcome extends SendProgress {
  /** Sending is paused (persisted in the Store: every process sees it) and something is still due. */
  paused: boolean;
  pauseReason?: string;
  /** When the pause began and when the next probe may try the server (set while paused). */
  pausedSince?: string;
  nextProbeAt?: string;
  /** Stopped by the caller's signal. */
  aborted: boolean;
  /** Claims of dead senders requeued at the start of this run (the crash rule). */
  recovered: number;
}

export interface SendDeps {
  /** The delivery ledger, the senders' registry, the pause and the editions to render (either engine). */
  store: DeliveryLedger & SenderRegistry & SendPauseStore & Pick<EditionStore, 'readyEditionById'>;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
}

export interface SendOptions {
  /** Only this edition (default: every edition with due deliveries). */
  editionId?: number | undefined;
  onProgress?: ((p: SendProgress) => void) | undefined;
  /** Stops claiming; in-flight messages finish and are recorded. */
  signal?: AbortSignal | undefined;
  /**
   * Keep running while this run's retries come due (default true): attempts are bounded, so the wait is too
   * (about retryBase × 2^maxAttempts). When false the run ends as soon as nothing is claimable.
   */
  waitForRetries?: boolean | undefined;
  /**
   * While sending is paused, probe the server now (default: a person asked — `papers send`, `papers run`, the
   * admin's "run now"). Scheduled sends pass false and wait for the pause's next probe time.
   */
  probeNow?: boolean | undefined;
}

export const DEFAULT_CLAIM_LEASE_SECONDS = 60;
/** Deliveries checked for subscribers who left, per statement: 75–85 ms for 20,000 at 170,000 pending (soak), so 5,000. */
const SKIP_WINDOW = 5_000;

/**
 * Sends every due delivery (of one edition, or all), `concurrency` at a time, until none is left, the send
 * pauses (too many consecutive failures, or the server refuses us) or the signal aborts it.
 */
export async function sendDue(deps: SendDeps, s: SendSettings, options: SendOptions = {}): Promise<SendOutcome> {
  const { store, mailer, clock, logger } = deps;
  const ledger = store;
  const concurrency = Math.max(1, Math.floor(s.concurrency));
  const leaseMs = (s.claimLeaseSeconds ?? DEFAULT_CLAIM_LEASE_SECONDS) * 1000;
  const editionId = options.editionId ?? null;
  const waitForRetries = options.waitForRetries ?? true;
  const policy: PolicySettings = {
    maxAttempts: s.maxAttempts,
    retryBaseMs: s.retryBaseSeconds * 1000,
    pauseAfterFailures: s.pauseAfterFailures,
    probeBaseMs: s.probeBaseSeconds * 1000,
    probeMaxMs: s.probeMaxSeconds * 1000,
  };
  const nowIso = () => clock.now().toISOString();

  const recovered = await requeueAbandonedIn(store, { now: clock.now(), leaseMs });
  if (recovered) logger.warn({ event: 'send.recovered_claims', count: recovered }, 'requeued deliveries held by a dead sender');

  const progress: SendProgress = { total: 0, sent: 0, failed: 0, bounced: 0, retried: 0, skipped: 0, remaining: 0 };
  const recount = async () => {
    const done = progress.sent + progress.failed + progress.bounced;
    progress.remaining = await ledger.countDue(nowIso(), editionId);
    progress.total = Math.max(progress.total, done + progress.remaining);
  };
  const finish = async (extra: Partial<SendOutcome> = {}): Promise<SendOutcome> => {
    const held = await store.sendPause();
    const paused = extra.paused ?? (held !== undefined && progress.remaining > 0);
    const outcome: SendOutcome = {
      ...progress,
      aborted: false,
      recovered,
      ...extra,
      paused,
      ...(held && paused
        ? {
            pausedSince: held.since,
            nextProbeAt: held.next_probe_at,
            pauseReason: `${extra.pauseReason ?? held.last_error ?? held.reason} — sending paused since ${held.since}, next probe at ${held.next_probe_at}`,
          }
        : {}),
    };
    logger.info({ event: 'send.done', ...outcome }, 'send finished');
    return outcome;
  };

  // Paused (by this process or another): nothing is claimed before the next probe time, unless a person asked.
  const heldAtStart = await store.sendPause();
  if (heldAtStart && options.probeNow === false && nowIso() < heldAtStart.next_probe_at) {
    await recount();
    logger.info({ event: 'send.still_paused', since: heldAtStart.since, nextProbeAt: heldAtStart.next_probe_at }, 'sending is paused; waiting for the next probe');
    return finish();
  }
  // While probing, one delivery at a time: the first answer from the server ends the pause; PROBE_DELIVERIES
  // failures in a row push the next probe back (send-outcomes.ts).
  const outcomes = new SendOutcomes({ store, clock, logger, policy }, progress, heldAtStart !== undefined);
  const deliver = createDigestDelivery(store, mailer, s);

  const sender = newSenderIdentity();
  const { owner } = sender;
  await store.registerSender(sender, clock.now().toISOString());

  let fatal: unknown;
  const stopped = () => outcomes.pauseReason !== undefined || fatal !== undefined || options.signal?.aborted === true;
  const report = () => {
    const done = progress.sent + progress.failed + progress.bounced;
    progress.total = Math.max(progress.total, done);
    progress.remaining = Math.max(0, progress.remaining);
    options.onProgress?.({ ...progress });
  };

  // Heartbeat (keeps our claims ours) and the crash rule for other senders that die while we run.
  let rescan = false;
  const beat = setInterval(
    () => {
      store
        .senderHeartbeat(owner, nowIso())
        .then(() => requeueAbandonedIn(store, { now: clock.now(), leaseMs }))
        .then(
          (requeued) => {
            if (requeued) rescan = true;
          },
          (err: unknown) => logger.warn({ event: 'send.heartbeat_failed', err: describeError(err) }, 'heartbeat failed; will try again'),
        );
    },
    Math.max(1000, Math.floor(leaseMs / 4)),
  );
  beat.unref();

  // Claimed ahead (status `sending`, never handed to the mailer yet): claiming in batches keeps the ledger's
  // commits to about one per message. These are not "in flight": nothing of them can have reached the server.
  const claimed: ClaimedDelivery[] = [];
  const claimBatch = Math.max(32, concurrency * 4);
  // Handed to the mailer and not yet recorded: the in-flight bound applies to these plus `finished`.
  const inFlight = new Set<Promise<void>>();
  const finished: Outcome[] = [];
  let cursor = 0;
  let passDone = false;
  let waitedAt: number | undefined;

  /** One ledger write (one transaction): record what finished, then top up the claimed buffer. */
  const flush = async () => {
    const wantMore = !stopped() && !passDone && claimed.length < concurrency;
    if (!finished.length && !wantMore) return;
    const batch = finished.splice(0);
    for (const o of batch) await outcomes.record(o);
    const claim = wantMore && !stopped() ? { cursor, limit: claimBatch - claimed.length, editionId } : null;
    const written = await ledger.recordAndClaim(owner, nowIso(), outcomes.toRecord.splice(0), claim);
    for (const id of written.sentAfterRequeue)
      logger.warn({ event: 'send.claim_lost', deliveryId: id, recorded: true }, 'sent a delivery whose claim had been requeued');
    if (claim) {
      for (const d of written.claimed) claimed.push(d);
      if (written.claimed.length) cursor = written.claimed[written.claimed.length - 1]!.id;
      else passDone = true;
    }
    if (batch.length) report();
  };

  const launch = (d: ClaimedDelivery) => {
    const p: Promise<void> = deliver(d).then((o: Outcome) => {
      finished.push(o);
      inFlight.delete(p);
    });
    inFlight.add(p);
  };

  try {
    const { lo, hi } = await ledger.pendingIdRange();
    if (lo !== null && hi !== null)
      for (let from = lo - 1; from < hi; from += SKIP_WINDOW) {
        progress.skipped += await ledger.skipDeparted(nowIso(), editionId, from, from + SKIP_WINDOW);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    await recount();
    report();
    for (;;) {
      if (rescan) {
        rescan = false;
        passDone = false;
        cursor = 0;
      }
      await flush();
      if (stopped()) break;
      const limit = outcomes.probing ? 1 : concurrency;
      while (claimed.length && inFlight.size + finished.length < limit) launch(claimed.shift()!);
      if (inFlight.size) {
        await Promise.race(inFlight);
        continue;
      }
      if (claimed.length) continue;
      // Nothing in flight, nothing claimed, this pass is done: start over for retries due now, or wait for them.
      await recount();
      if (cursor > 0) {
        cursor = 0;
        passDone = false;
        continue;
      }
      const next = await ledger.nextRetryAt(nowIso(), editionId);
      if (!next || !waitForRetries) break;
      // A clock that did not move while we slept (a fixed test clock) would have us wait forever.
      if (waitedAt === clock.now().getTime()) break;
      waitedAt = clock.now().getTime();
      await sleep(Date.parse(next) - waitedAt, options.signal);
      passDone = false;
    }
    // Paused or aborted: what is in flight finishes and is recorded; what was only claimed goes back below.
    await Promise.all(inFlight);
    await flush();
    await recount();
  } catch (err) {
    fatal = err;
  } finally {
    clearInterval(beat);
    await Promise.allSettled(inFlight);
    const released = await releaseSenderIn(store, owner, clock.now());
    if (released && fatal === undefined && outcomes.pauseReason === undefined && !options.signal?.aborted)
      logger.warn({ event: 'send.released_claims', count: released }, 'gave back claims not sent');
  }
  if (fatal !== undefined) throw fatal;

  const { pauseReason } = outcomes;
  const aborted = options.signal?.aborted === true && pauseReason === undefined;
  // A run stopped by an unrenderable edition is paused (this run) without a persisted pause.
  const persisted = await store.sendPause();
  return finish({ aborted, ...(pauseReason ? { pauseReason } : {}), ...(pauseReason !== undefined && !persisted ? { paused: true } : {}) });
}

/** Waits `ms` (at least a tick, at most a minute at a time) or until the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, Math.min(Math.max(ms, 1), 60_000));
    signal?.addEventListener('abort', done, { once: true });
  });
}

export type { RetryResult };

/**
 * `papers retry`: an edition's failed deliveries go back to pending with a fresh attempt budget, those waiting
 * for a retry time are due now, and a pause of sending is lifted, so that the next send tries them all at once.
 */
export function retryDeliveries(store: Pick<DeliveryRetry, 'retryDeliveries'>, editionId: number, now: Date): Promise<RetryResult> {
  return store.retryDeliveries(editionId, now.toISOString());
}

