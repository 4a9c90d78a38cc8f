// Subscription lifecycle: subscribe (double opt-in), confirm, preferences, unsubscribe, export and delete.
// Invariants: subscribe only hands the request to the intake thread and returns nothing, whatever the address's
// state (no enumeration, by content or by time: this thread does no work that depends on it — see
// intake-client.ts); the intake writes requests in batches and sends the confirmation email, at most one per address
// per window; a confirmation token is random, stored hashed, single-use, expiring, and only ever activates a
// pending subscriber.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createSubscribersRepo, referencesTo, type Frequency, type Subscriber } from '../db/subscribers-repo.js';
import { createProfilesRepo } from '../db/profiles-repo.js';
import { hashToken } from '../lib/tokens.js';
import type { IntakeClient } from './intake-client.js';
import type { SubscribeInput } from './intake.js';

export type { SubscribeInput };

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

export function createSubscriptionService(deps: { db: Db; clock: Clock; logger: Logger; intake: IntakeClient }) {
  const { db, clock, logger, intake } = deps;
  const repo = createSubscribersRepo(db);
  const profiles = createProfilesRepo(db);

  /** Looks a confirmation token up without using it. */
  function checkConfirmToken(token: unknown): ConfirmResult {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_CONFIRM_TOKEN) return { ok: false, reason: 'invalid' };
    const sub = repo.getByConfirmHash(hashToken(token));
    if (!sub) return { ok: false, reason: 'invalid' };
    if (sub.status !== 'pending') return { ok: false, reason: 'used', subscriberId: sub.id, active: sub.status === 'active' };
    if (!sub.confirm_expires_at || sub.confirm_expires_at <= clock.now().toISOString()) return { ok: false, reason: 'expired' };
    return { ok: true, subscriberId: sub.id };
  }

  return {
    /**
     * Hands the request to the intake thread (written within a tick there, batched with others, and a
     * confirmation email when the address may be mailed). The same constant work for every address; returns
     * nothing the caller could use to tell a new address from a known one.
     */
    subscribe(input: SubscribeInput): void {
      intake.subscribe(input, clock.now());
    },

    /** Marks foreground (HTTP) activity: confirmation emails yield while the server is busy. */
    noteForegroundRequest: () => intake.noteForegroundRequest(),

    /** What the intake did with the requests: received, written or dropped by reason (for /metrics). */
    intakeCounters: intake.counters,

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
    drain: (): Promise<void> => intake.drain(),

    /** Drains, then stops the intake thread (the app's close). */
    close: (): Promise<void> => intake.close(),
    repo,
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
