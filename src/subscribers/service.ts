// Subscription lifecycle: subscribe (double opt-in), confirm, preferences, unsubscribe, export and delete.
// Invariants: subscribe only hands the request to the intake thread and returns nothing, whatever the address's
// state (no enumeration, by content or by time: this thread does no work that depends on it — see
// intake-client.ts); the intake writes requests in batches and sends the confirmation email, at most one per address
// per window; a confirmation token is random, stored hashed, single-use, expiring, and only ever activates a
// pending subscriber.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ConfirmCheck, Frequency, Subscriber, SubscriberStore } from '../db/stores/subscribers.js';
import type { ProfileStore } from '../db/stores/profiles.js';
import { hashToken } from '../lib/tokens.js';
import type { IntakeClient } from './intake-client.js';
import type { SubscribeInput } from './intake.js';

export type { SubscribeInput };

/** What the subscription lifecycle needs of the Store (the Store satisfies it). */
export type SubscriptionStore = Pick<
  SubscriberStore,
  | 'getSubscriber'
  | 'subscriberTopics'
  | 'checkConfirmation'
  | 'confirmSubscriber'
  | 'unsubscribeSubscriber'
  | 'updateSubscriberPreferences'
  | 'resumeSubscriber'
  | 'subscriberExport'
  | 'deleteSubscriber'
> &
  Pick<ProfileStore, 'profilePapers'>;

export interface PreferencesInput {
  topics: string[];
  timezone: string | null;
  hour: number | null;
  frequency: Frequency;
  paused: boolean;
}

export type ConfirmResult = ConfirmCheck;

export type UnsubscribeResult = 'unsubscribed' | 'already' | 'unknown';

/** Anything longer cannot be one of our tokens (43 base64url characters); skip hashing attacker-sized input. */
const MAX_CONFIRM_TOKEN = 100;

/** The token's hash, or null when the input cannot be one of our tokens. */
const confirmHash = (token: unknown): string | null =>
  typeof token !== 'string' || token.length === 0 || token.length > MAX_CONFIRM_TOKEN ? null : hashToken(token);

export function createSubscriptionService(deps: {
  store: SubscriptionStore;
  clock: Clock;
  logger: Logger;
  intake: IntakeClient;
  /** Whether subscribe requests wait in the SQLite spool (a process stopped before applying them); absent elsewhere. */
  spoolWaiting?: (() => boolean) | undefined;
}) {
  const { store, clock, logger, intake } = deps;
  const now = () => clock.now().toISOString();

  return {
    /**
     * Hands the request to the intake thread (written within a tick there, batched with others, and a
     * confirmation email when the address may be mailed). The same constant work for every address; returns
     * nothing the caller could use to tell a new address from a known one.
     */
    subscribe(input: SubscribeInput): void {
      intake.subscribe(input, clock.now());
    },

    /** At the server's start: the requests a stopped process left in the subscribe spool are applied now. */
    resumeIntake(): void {
      if (deps.spoolWaiting?.()) intake.resume();
    },

    /** Marks foreground (HTTP) activity: confirmation emails yield while the server is busy. */
    noteForegroundRequest: () => intake.noteForegroundRequest(),

    /** What the intake did with the requests: received, written or dropped by reason (for /metrics). */
    intakeCounters: intake.counters,

    /** Looks a confirmation token up without using it. */
    async checkConfirmToken(token: unknown): Promise<ConfirmResult> {
      const hash = confirmHash(token);
      return hash === null ? { ok: false, reason: 'invalid' } : store.checkConfirmation(hash, now());
    },

    /** Activates a pending subscriber. The token is single-use: a replay reports 'used'. */
    async confirm(token: unknown): Promise<ConfirmResult> {
      const hash = confirmHash(token);
      if (hash === null) return { ok: false, reason: 'invalid' };
      const result = await store.confirmSubscriber(hash, now());
      if (result.ok) logger.info({ event: 'subscriber.confirmed', subscriberId: result.subscriberId }, 'subscriber confirmed');
      return result;
    },

    /** Idempotent: a second unsubscribe, or one for a bounced address, changes nothing and is still fine. */
    async unsubscribe(subscriberId: number): Promise<UnsubscribeResult> {
      // Anything not yet claimed by a sender stops at once (the store skips those deliveries).
      const result = await store.unsubscribeSubscriber(subscriberId, now());
      if (result === 'unsubscribed') logger.info({ event: 'subscriber.unsubscribed', subscriberId }, 'subscriber unsubscribed');
      return result;
    },

    /** A subscriber and their topics, for the preferences page. */
    async profile(subscriberId: number): Promise<{ subscriber: Subscriber; topics: string[] } | undefined> {
      const subscriber = await store.getSubscriber(subscriberId);
      return subscriber ? { subscriber, topics: await store.subscriberTopics(subscriberId) } : undefined;
    },

    async updatePreferences(subscriberId: number, p: PreferencesInput): Promise<boolean> {
      const saved = await store.updateSubscriberPreferences(subscriberId, p, now());
      if (saved) logger.info({ event: 'subscriber.preferences_saved', subscriberId, paused: p.paused, frequency: p.frequency }, 'preferences saved');
      return saved;
    },

    /**
     * Subscribes again from the preferences page. The signed link proves the mailbox, so an address that was
     * confirmed before becomes active at once; a bounced address needs an admin, a never-confirmed one a confirmation.
     */
    async resume(subscriberId: number): Promise<'active' | 'not_allowed' | 'unknown'> {
      const before = await store.getSubscriber(subscriberId);
      const outcome = await store.resumeSubscriber(subscriberId, now());
      if (outcome === 'active' && before && before.status !== 'active')
        logger.info({ event: 'subscriber.resumed', subscriberId }, 'subscriber resumed from preferences');
      return outcome;
    },

    /** Everything we hold about a subscriber, as plain JSON (the "download my data" file). */
    async exportData(subscriberId: number): Promise<Record<string, unknown> | undefined> {
      const data = await store.subscriberExport(subscriberId);
      if (!data) return undefined;
      const sub = data.subscriber;
      return {
        exportedAt: now(),
        subscriber: {
          email: sub.email,
          status: sub.status,
          createdAt: sub.created_at,
          confirmedAt: sub.confirmed_at,
          unsubscribedAt: sub.unsubscribed_at,
          bouncedAt: sub.bounced_at,
          bounceReason: sub.bounce_reason,
          confirmationEmailSentAt: sub.confirm_sent_at,
          preferences: { timezone: sub.timezone, deliveryHour: sub.delivery_hour, frequency: sub.frequency, paused: sub.paused },
          topics: data.topics,
        },
        deliveries: data.deliveries.map((d) => ({ edition: d.edition_date, status: d.status, sentAt: d.sent_at, messageId: d.message_id })),
        papersSent: data.sentPapers.map((p) => ({ paper: p.paper_id, edition: p.edition_date })),
        // The reader's profile: papers they like or marked "less like this" (origin: a digest's link, or an import).
        profile: (await store.profilePapers(subscriberId)).map((p) => ({
          paper: p.paperId,
          title: p.title,
          signal: p.signal === 1 ? 'more like this' : 'less like this',
          origin: p.origin,
          addedAt: p.addedAt,
        })),
        ...(Object.keys(data.otherRecords).length ? { otherRecords: data.otherRecords } : {}),
      };
    },

    /** Hard delete of the subscriber and every row about them. Idempotent (false when nothing was there). */
    async deleteData(subscriberId: number): Promise<boolean> {
      const removed = await store.deleteSubscriber(subscriberId);
      if (removed) logger.info({ event: 'subscriber.deleted', subscriberId, rows: removed }, 'subscriber data deleted');
      return removed > 0;
    },

    /** Writes queued subscribe requests, then resolves when their confirmation emails have been handed to the mailer. */
    drain: (): Promise<void> => intake.drain(),

    /** Drains, then stops the intake thread (the app's close). */
    close: (): Promise<void> => intake.close(),
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
