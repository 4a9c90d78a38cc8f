// Subscription lifecycle: subscribe (double opt-in), confirm, unsubscribe. The subscribe answer never reveals
// whether an address is known; confirmation emails are limited per address to stop mail-bombing.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { createSubscribersRepo, type Subscriber } from '../db/subscribers-repo.js';
import { hashToken, newConfirmToken } from '../lib/tokens.js';
import { renderConfirmation } from '../digest/render.js';

export interface SubscriptionSettings {
  publicBaseUrl: string;
  confirmTtlHours: number;
  confirmResendMinutes: number;
}

export interface SubscribeInput {
  email: string; // already normalized
  topics?: string[] | undefined;
  timezone?: string | undefined;
  hour?: number | undefined;
}

export type ConfirmResult = { ok: true; subscriberId: number } | { ok: false; reason: 'invalid' | 'expired' };

export function createSubscriptionService(deps: { db: Db; mailer: Mailer; clock: Clock; logger: Logger }, s: SubscriptionSettings) {
  const { db, mailer, clock, logger } = deps;
  const repo = createSubscribersRepo(db);

  async function sendConfirmation(sub: Subscriber): Promise<void> {
    const now = clock.now();
    const { token, hash } = newConfirmToken();
    repo.setConfirmToken(sub.id, hash, new Date(now.getTime() + s.confirmTtlHours * 3_600_000).toISOString(), now.toISOString());
    const msg = await renderConfirmation({ publicBaseUrl: s.publicBaseUrl, ttlHours: s.confirmTtlHours }, `${s.publicBaseUrl}/confirm?token=${token}`);
    await mailer.send({ to: sub.email, subject: msg.subject, html: msg.html, text: msg.text });
    logger.info({ event: 'subscriber.confirmation_sent', subscriberId: sub.id }, 'confirmation email sent');
  }

  return {
    /**
     * Records the request and sends a confirmation when appropriate. Returns nothing the caller could use
     * to tell new from known addresses; the confirmation mail is sent in the background by the caller's choice.
     */
    subscribe(input: SubscribeInput): { mail: Promise<void> | null } {
      const now = clock.now();
      const nowIso = now.toISOString();
      const decision = db
        .transaction((): Subscriber | null => {
          let sub = repo.getByEmail(input.email);
          if (!sub) {
            const id = repo.create({ email: input.email, status: 'pending', now: nowIso, timezone: input.timezone, hour: input.hour, topics: input.topics });
            logger.info({ event: 'subscriber.created', subscriberId: id }, 'new pending subscriber');
            return repo.get(id)!;
          }
          // Active addresses get nothing (no enumeration, no mail); bounced ones stay bounced until an admin resets.
          if (sub.status === 'active' || sub.status === 'bounced') return null;
          if (sub.status === 'unsubscribed') {
            db.prepare("UPDATE subscribers SET status = 'pending', updated_at = ? WHERE id = ?").run(nowIso, sub.id);
            sub = repo.get(sub.id)!;
          }
          if (input.topics) repo.setTopics(sub.id, input.topics);
          const last = sub.confirm_sent_at ? Date.parse(sub.confirm_sent_at) : 0;
          if (now.getTime() - last < s.confirmResendMinutes * 60_000) {
            logger.info({ event: 'subscriber.confirmation_throttled', subscriberId: sub.id }, 'confirmation recently sent');
            return null;
          }
          return sub;
        })
        .immediate();
      return { mail: decision ? sendConfirmation(decision) : null };
    },

    /** Checks a confirmation token without using it (for the GET page). */
    checkConfirmToken(token: string): ConfirmResult {
      const sub = typeof token === 'string' && token.length <= 100 ? repo.getByConfirmHash(hashToken(token)) : undefined;
      if (!sub) return { ok: false, reason: 'invalid' };
      if (!sub.confirm_expires_at || sub.confirm_expires_at < clock.now().toISOString()) return { ok: false, reason: 'expired' };
      return { ok: true, subscriberId: sub.id };
    },

    /** Activates the subscriber; the token is single-use (cleared on success). */
    confirm(token: string): ConfirmResult {
      return db
        .transaction((): ConfirmResult => {
          const check = this.checkConfirmToken(token);
          if (!check.ok) return check;
          repo.setStatus(check.subscriberId, 'active', clock.now().toISOString());
          logger.info({ event: 'subscriber.confirmed', subscriberId: check.subscriberId }, 'subscriber confirmed');
          return check;
        })
        .immediate();
    },

    /** Idempotent: unsubscribing twice, or a bounced address, is fine. */
    unsubscribe(subscriberId: number): boolean {
      const sub = repo.get(subscriberId);
      if (!sub) return false;
      if (sub.status === 'active' || sub.status === 'pending') {
        db.transaction(() => {
          repo.setStatus(subscriberId, 'unsubscribed', clock.now().toISOString());
          // Stop anything not yet claimed at once.
          db.prepare(
            "UPDATE deliveries SET status = 'skipped', error = 'unsubscribed', updated_at = ? WHERE subscriber_id = ? AND status = 'pending'",
          ).run(clock.now().toISOString(), subscriberId);
        }).immediate();
        logger.info({ event: 'subscriber.unsubscribed', subscriberId }, 'subscriber unsubscribed');
      }
      return true;
    },
    repo,
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
