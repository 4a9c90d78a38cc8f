// Subscription lifecycle: subscribe (double opt-in), confirm, preferences, unsubscribe, export and delete.
// Invariants: subscribe only queues the request and returns nothing, whatever the address's state (no
// enumeration, by content or by time); queued requests are written in one transaction per batch (group commit,
// within a tick) and the confirmation email goes out in the background, at most one per address per window; a
// confirmation token is random, stored hashed, single-use, expiring, and only ever activates a pending subscriber.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { createSubscribersRepo, referencesTo, type Frequency, type Subscriber } from '../db/subscribers-repo.js';
import { createProfilesRepo } from '../db/profiles-repo.js';
import { hashToken, newConfirmToken } from '../lib/tokens.js';
import { renderConfirmation } from '../digest/render.js';
import { createBackgroundQueue, createTrafficMeter } from './background-queue.js';

export interface SubscriptionSettings {
  publicBaseUrl: string;
  confirmTtlHours: number;
  confirmResendMinutes: number;
  /** Confirmation emails sent at once, and waiting at most (a burst beyond that is refused, not buffered). */
  confirmConcurrency?: number;
  confirmMaxQueued?: number;
  /** Delay before a batch of subscribe requests that could not be written is tried again. */
  writeRetryDelayMs?: number;
}

/** Subscribe requests written per transaction at most; a fuller buffer is written at once (bounded memory). */
const WRITE_BATCH = 256;
/** A batch that could not be written is tried again this often, this many times (about a minute in all). */
const WRITE_RETRIES = 12;
const WRITE_RETRY_DELAY_MS = 5_000;

export interface SubscribeInput {
  email: string; // already normalized
  topics?: string[] | undefined;
  timezone?: string | undefined;
  hour?: number | undefined;
}

export interface PreferencesInput {
  topics: string[];
  timezone: string | null;
  hour: number | null;
  frequency: Frequency;
  paused: boolean;
}

export type ConfirmResult =
  | { ok: true; subscriberId: number }
  | { ok: false; reason: 'invalid' | 'expired' }
  | { ok: false; reason: 'used'; subscriberId: number; active: boolean };

export type UnsubscribeResult = 'unsubscribed' | 'already' | 'unknown';

/** Anything longer cannot be one of our tokens (43 base64url characters); skip hashing attacker-sized input. */
const MAX_CONFIRM_TOKEN = 100;

export function createSubscriptionService(deps: { db: Db; mailer: Mailer; clock: Clock; logger: Logger }, s: SubscriptionSettings) {
  const { db, mailer, clock, logger } = deps;
  const repo = createSubscribersRepo(db);
  const profiles = createProfilesRepo(db);
  // Confirmation emails yield to a busy HTTP server (more than 200 requests per second): the site stays fast
  // during a burst of sign-ups, and the emails catch up right after (at least 10 per second meanwhile).
  const traffic = createTrafficMeter({ windowMs: 100, threshold: 20 });
  const queue = createBackgroundQueue({
    concurrency: s.confirmConcurrency ?? 4,
    maxQueued: s.confirmMaxQueued ?? 50_000,
    onError: (err) => logger.error({ event: 'subscriber.confirmation_failed', err }, 'confirmation job failed'),
    yieldWhile: traffic.busy,
    yieldIntervalMs: 100,
  });
  const writes: SubscribeInput[] = [];
  // Write attempts of requests whose batch failed (a WeakMap: nothing to clean up when they finally land).
  const attempts = new WeakMap<SubscribeInput, number>();
  let flushScheduled = false;

  async function sendConfirmation(subscriberId: number, email: string, token: string, hash: string): Promise<void> {
    try {
      const msg = await renderConfirmation({ publicBaseUrl: s.publicBaseUrl, ttlHours: s.confirmTtlHours }, `${s.publicBaseUrl}/confirm?token=${token}`);
      await mailer.send({ to: email, subject: msg.subject, html: msg.html, text: msg.text });
      logger.info({ event: 'subscriber.confirmation_sent', subscriberId }, 'confirmation email sent');
    } catch (err) {
      // Not sent: free the per-address window so that asking again works at once.
      repo.releaseConfirmWindow(subscriberId, hash);
      logger.error({ event: 'subscriber.confirmation_failed', subscriberId, err }, 'could not send confirmation email');
    }
  }

  /** Looks a confirmation token up without using it. */
  function checkConfirmToken(token: unknown): ConfirmResult {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_CONFIRM_TOKEN) return { ok: false, reason: 'invalid' };
    const sub = repo.getByConfirmHash(hashToken(token));
    if (!sub) return { ok: false, reason: 'invalid' };
    if (sub.status !== 'pending') return { ok: false, reason: 'used', subscriberId: sub.id, active: sub.status === 'active' };
    if (!sub.confirm_expires_at || sub.confirm_expires_at <= clock.now().toISOString()) return { ok: false, reason: 'expired' };
    return { ok: true, subscriberId: sub.id };
  }

  type Decision = { subscriberId: number; email: string; token: string; hash: string } | null;

  /** One subscribe request, inside the batch's transaction: records it and decides whether to send a confirmation. */
  function decide(input: SubscribeInput, now: Date): Decision {
    const nowIso = now.toISOString();
    const sub = repo.getByEmail(input.email);
    if (!sub) {
      const id = repo.create({ email: input.email, status: 'pending', now: nowIso, timezone: input.timezone, hour: input.hour, topics: input.topics });
      logger.info({ event: 'subscriber.created', subscriberId: id }, 'new pending subscriber');
      return confirmationFor(id, input.email, now);
    }
    // Active addresses get nothing (no mail, no change); bounced ones stay bounced until an admin resets them.
    if (sub.status === 'active' || sub.status === 'bounced') return null;
    if (sub.status === 'unsubscribed') repo.setStatus(sub.id, 'pending', nowIso);
    if (input.topics) repo.setTopics(sub.id, input.topics);
    if (input.timezone !== undefined || input.hour !== undefined)
      repo.setPreferences(
        sub.id,
        { timezone: input.timezone ?? sub.timezone, hour: input.hour ?? sub.delivery_hour, frequency: sub.frequency, paused: sub.paused === 1 },
        nowIso,
      );
    const last = sub.confirm_sent_at ? Date.parse(sub.confirm_sent_at) : Number.NEGATIVE_INFINITY;
    if (now.getTime() - last < s.confirmResendMinutes * 60_000) {
      logger.info({ event: 'subscriber.confirmation_throttled', subscriberId: sub.id }, 'confirmation recently sent');
      return null;
    }
    return confirmationFor(sub.id, sub.email, now);
  }

  function confirmationFor(subscriberId: number, email: string, now: Date): Decision {
    // The window is taken in the same transaction that decided to send: two racing requests send one email.
    const { token, hash } = newConfirmToken();
    repo.setConfirmToken(subscriberId, hash, new Date(now.getTime() + s.confirmTtlHours * 3_600_000).toISOString(), now.toISOString());
    return { subscriberId, email, token, hash };
  }
  // A savepoint per request: one bad request (a constraint, say) is logged and skipped, never the whole batch.
  const decideOne = db.transaction(decide);

  function flushWrites(): void {
    flushScheduled = false;
    while (writes.length) {
      const batch = writes.splice(0, WRITE_BATCH);
      const now = clock.now();
      let decisions: Decision[];
      try {
        decisions = db
          .transaction(() =>
            batch.map((input) => {
              try {
                return decideOne(input, now);
              } catch (err) {
                logger.error({ event: 'subscriber.subscribe_failed', err }, 'could not record a subscribe request');
                return null;
              }
            }),
          )
          .immediate();
      } catch (err) {
        // The database was busy (another process holds the write lock) or failing: these requests were already
        // answered 202, so keep them and try again shortly instead of losing them; give up only after a while.
        const retry = batch.filter((input) => (attempts.get(input) ?? 0) < WRITE_RETRIES);
        for (const input of retry) attempts.set(input, (attempts.get(input) ?? 0) + 1);
        logger.error(
          { event: 'subscriber.batch_failed', count: batch.length, retrying: retry.length, err },
          'could not record subscribe requests',
        );
        if (retry.length) {
          setTimeout(() => {
            writes.unshift(...retry);
            flushWrites();
          }, s.writeRetryDelayMs ?? WRITE_RETRY_DELAY_MS).unref();
        }
        continue;
      }
      for (const input of batch) attempts.delete(input);
      for (const d of decisions) {
        if (!d) continue;
        if (!queue.push(() => sendConfirmation(d.subscriberId, d.email, d.token, d.hash))) {
          repo.releaseConfirmWindow(d.subscriberId, d.hash);
          logger.warn({ event: 'subscriber.confirmation_dropped', subscriberId: d.subscriberId }, 'confirmation queue full');
        }
      }
    }
  }

  return {
    /**
     * Queues the request (written within a tick, batched with others) and, when the address may be mailed,
     * a confirmation email. Returns nothing the caller could use to tell a new address from a known one.
     */
    subscribe(input: SubscribeInput): void {
      writes.push(input);
      if (writes.length >= WRITE_BATCH) flushWrites();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushWrites);
      }
    },

    /** Marks foreground (HTTP) activity: confirmation emails yield while the server is busy. */
    noteForegroundRequest: traffic.note,

    checkConfirmToken,

    /** Activates a pending subscriber. The token is single-use: a replay reports 'used'. */
    confirm(token: unknown): ConfirmResult {
      return db
        .transaction((): ConfirmResult => {
          const check = checkConfirmToken(token);
          if (!check.ok) return check;
          repo.setStatus(check.subscriberId, 'active', clock.now().toISOString());
          logger.info({ event: 'subscriber.confirmed', subscriberId: check.subscriberId }, 'subscriber confirmed');
          return check;
        })
        .immediate();
    },

    /** Idempotent: a second unsubscribe, or one for a bounced address, changes nothing and is still fine. */
    unsubscribe(subscriberId: number): UnsubscribeResult {
      return db
        .transaction((): UnsubscribeResult => {
          const sub = repo.get(subscriberId);
          if (!sub) return 'unknown';
          if (sub.status !== 'active' && sub.status !== 'pending') return 'already';
          const now = clock.now().toISOString();
          repo.setStatus(subscriberId, 'unsubscribed', now);
          // Anything not yet claimed by a sender stops at once.
          repo.skipPendingDeliveries(subscriberId, 'unsubscribed', now);
          logger.info({ event: 'subscriber.unsubscribed', subscriberId }, 'subscriber unsubscribed');
          return 'unsubscribed';
        })
        .immediate();
    },

    /** A subscriber and their topics, for the preferences page. */
    profile(subscriberId: number): { subscriber: Subscriber; topics: string[] } | undefined {
      const subscriber = repo.get(subscriberId);
      return subscriber ? { subscriber, topics: repo.topics(subscriberId) } : undefined;
    },

    updatePreferences(subscriberId: number, p: PreferencesInput): boolean {
      return db
        .transaction((): boolean => {
          const sub = repo.get(subscriberId);
          if (!sub) return false;
          const now = clock.now().toISOString();
          repo.setTopics(subscriberId, p.topics);
          repo.setPreferences(subscriberId, { timezone: p.timezone, hour: p.hour, frequency: p.frequency, paused: p.paused }, now);
          if (p.paused && !sub.paused) repo.skipPendingDeliveries(subscriberId, 'paused', now);
          logger.info({ event: 'subscriber.preferences_saved', subscriberId, paused: p.paused, frequency: p.frequency }, 'preferences saved');
          return true;
        })
        .immediate();
    },

    /**
     * Subscribes again from the preferences page. The signed link proves the mailbox, so an address that was
     * confirmed before becomes active at once; a bounced address needs an admin, a never-confirmed one a confirmation.
     */
    resume(subscriberId: number): 'active' | 'not_allowed' | 'unknown' {
      return db
        .transaction(() => {
          const sub = repo.get(subscriberId);
          if (!sub) return 'unknown' as const;
          if (sub.status === 'active') return 'active' as const;
          if (sub.status !== 'unsubscribed' || !sub.confirmed_at) return 'not_allowed' as const;
          repo.setStatus(subscriberId, 'active', clock.now().toISOString());
          logger.info({ event: 'subscriber.resumed', subscriberId }, 'subscriber resumed from preferences');
          return 'active' as const;
        })
        .immediate();
    },

    /** Everything we hold about a subscriber, as plain JSON (the "download my data" file). */
    exportData(subscriberId: number): Record<string, unknown> | undefined {
      const sub = repo.get(subscriberId);
      if (!sub) return undefined;
      const known = new Set(['subscriber_topics', 'deliveries', 'sent_papers', 'profile_papers']);
      const other: Record<string, unknown[]> = {};
      for (const ref of referencesTo(db, 'subscribers')) {
        if (known.has(ref.table)) continue;
        const rows = db.prepare(`SELECT * FROM "${ref.table.replace(/"/g, '""')}" WHERE "${ref.from.replace(/"/g, '""')}" = ?`).all(subscriberId);
        if (rows.length) other[ref.table] = rows;
      }
      return {
        exportedAt: clock.now().toISOString(),
        subscriber: {
          email: sub.email,
          status: sub.status,
          createdAt: sub.created_at,
          confirmedAt: sub.confirmed_at,
          unsubscribedAt: sub.unsubscribed_at,
          bouncedAt: sub.bounced_at,
          bounceReason: sub.bounce_reason,
          confirmationEmailSentAt: sub.confirm_sent_at,
          preferences: { timezone: sub.timezone, deliveryHour: sub.delivery_hour, frequency: sub.frequency, paused: sub.paused === 1 },
          topics: repo.topics(subscriberId),
        },
        deliveries: repo.deliveries(subscriberId).map((d) => ({ edition: d.edition_date, status: d.status, sentAt: d.sent_at, messageId: d.message_id })),
        papersSent: repo.sentPapers(subscriberId).map((p) => ({ paper: p.paper_id, edition: p.edition_date })),
        // The reader's profile: papers they like or marked "less like this" (origin: a digest's link, or an import).
        profile: profiles.list(subscriberId).map((p) => ({
          paper: p.paperId,
          title: p.title,
          signal: p.signal === 1 ? 'more like this' : 'less like this',
          origin: p.origin,
          addedAt: p.addedAt,
        })),
        ...(Object.keys(other).length ? { otherRecords: other } : {}),
      };
    },

    /** Hard delete of the subscriber and every row about them. Idempotent (false when nothing was there). */
    deleteData(subscriberId: number): boolean {
      const removed = db.transaction(() => (repo.get(subscriberId) ? repo.deleteCompletely(subscriberId) : 0)).immediate();
      if (removed) logger.info({ event: 'subscriber.deleted', subscriberId, rows: removed }, 'subscriber data deleted');
      return removed > 0;
    },

    /** Writes queued subscribe requests, then resolves when their confirmation emails have been handed to the mailer. */
    drain(): Promise<void> {
      flushWrites();
      return queue.drain();
    },
    repo,
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
