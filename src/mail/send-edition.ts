// The sending engine: claims due deliveries (a conditional update), renders, sends through the mailer and
// writes the outcome to the ledger. A delivery is marked sent only after the server accepted it.
// At most `concurrency` deliveries are in `sending` at once: that bounds what a crash can duplicate.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from './mailer.js';
import type { DeliveryRow } from '../db/editions-repo.js';
import type { Section } from '../rank/select.js';
import type { PaperSnapshot } from '../digest/snapshot.js';
import { compileEdition, type CompiledEdition } from '../digest/render.js';
import { classifySendError } from './smtp-errors.js';
import { describeError } from '../lib/errors.js';
import { signSubscriberToken } from '../lib/tokens.js';
import { randomUUID } from 'node:crypto';

export interface SendSettings {
  publicBaseUrl: string;
  secretKey: string;
  listId: string;
  unsubscribeMailto?: string | undefined;
  concurrency: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  pauseAfterFailures: number;
  /** A `sending` claim older than this is considered abandoned by a crashed sender. */
  claimLeaseSeconds?: number;
}

export interface SendProgress {
  sent: number;
  failed: number;
  bounced: number;
  retried: number;
  skipped: number;
}

export interface SendOutcome extends SendProgress {
  paused: boolean;
  pauseReason?: string;
  recovered: number;
}

export interface SendDeps {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
}

export function subscriberUrls(baseUrl: string, secret: string, subscriberId: number) {
  return {
    unsubscribeUrl: `${baseUrl}/unsubscribe?token=${signSubscriberToken(secret, 'unsubscribe', subscriberId)}`,
    preferencesUrl: `${baseUrl}/preferences?token=${signSubscriberToken(secret, 'preferences', subscriberId)}`,
  };
}

/**
 * Crash rule: a delivery still `sending` after its lease expired belongs to a sender that died. It goes back
 * to `pending` and is sent again with the same Message-ID (the server may or may not have accepted it).
 */
export function recoverAbandonedClaims(db: Db, now: Date, leaseSeconds: number): number {
  const cutoff = new Date(now.getTime() - leaseSeconds * 1000).toISOString();
  return db
    .prepare("UPDATE deliveries SET status = 'pending', claim_owner = NULL, updated_at = ? WHERE status = 'sending' AND claimed_at <= ?")
    .run(now.toISOString(), cutoff).changes;
}

export async function sendDue(
  deps: SendDeps,
  s: SendSettings,
  options: { editionId?: number; onProgress?: (p: SendProgress) => void; signal?: AbortSignal } = {},
): Promise<SendOutcome> {
  const { db, mailer, clock, logger } = deps;
  const owner = randomUUID();
  const lease = s.claimLeaseSeconds ?? 300;
  const recovered = recoverAbandonedClaims(db, clock.now(), lease);
  if (recovered) logger.warn({ event: 'send.recovered_claims', count: recovered }, 'requeued deliveries abandoned by a crashed sender');

  const editionFilter = options.editionId ? 'AND edition_id = @editionId' : '';
  // Deliveries to people who left since the edition was prepared are skipped, never sent.
  const skipInactive = db.prepare(`UPDATE deliveries SET status = 'skipped', error = 'subscriber no longer active', updated_at = @now
    WHERE status = 'pending' ${editionFilter} AND subscriber_id IN (SELECT id FROM subscribers WHERE status <> 'active')`);
  const claim = db.prepare(`UPDATE deliveries SET status = 'sending', claimed_at = @now, claim_owner = @owner,
      attempts = attempts + 1, updated_at = @now
    WHERE id IN (
      SELECT d.id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
      WHERE d.status = 'pending' AND d.due_at <= @now AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= @now)
        AND s.status = 'active' ${editionFilter.replace('edition_id', 'd.edition_id')}
      ORDER BY d.id LIMIT @limit)
    RETURNING *`);
  const emailOf = db.prepare<[number], { email: string }>('SELECT email FROM subscribers WHERE id = ?');
  const markSent = db.prepare(`UPDATE deliveries SET status = 'sent', sent_at = @now, smtp_response = @response, error = NULL,
    claim_owner = NULL, updated_at = @now WHERE id = @id AND claim_owner = @owner`);
  const markRetry = db.prepare(`UPDATE deliveries SET status = 'pending', next_attempt_at = @next, error = @error, claim_owner = NULL,
    updated_at = @now WHERE id = @id AND claim_owner = @owner`);
  const markFailed = db.prepare(`UPDATE deliveries SET status = 'failed', error = @error, claim_owner = NULL, updated_at = @now
    WHERE id = @id AND claim_owner = @owner`);
  const markBounced = db.prepare(`UPDATE deliveries SET status = 'bounced', error = @error, claim_owner = NULL, updated_at = @now
    WHERE id = @id AND claim_owner = @owner`);
  const bounceSubscriber = db.prepare(`UPDATE subscribers SET status = 'bounced', bounced_at = @now, bounce_reason = @error, updated_at = @now
    WHERE id = @id AND status = 'active'`);

  const compiled = new Map<number, Promise<CompiledEdition>>();
  const compiledFor = (editionId: number) => {
    let c = compiled.get(editionId);
    if (!c) {
      c = compileForEdition(db, editionId, s.publicBaseUrl);
      compiled.set(editionId, c);
    }
    return c;
  };

  const progress: SendProgress = { sent: 0, failed: 0, bounced: 0, retried: 0, skipped: 0 };
  progress.skipped = skipInactive.run({ now: clock.now().toISOString(), editionId: options.editionId ?? null }).changes;
  let consecutiveFailures = 0;
  let paused = false;
  let pauseReason: string | undefined;
  const inFlight = new Set<Promise<void>>();

  const sendOne = async (d: DeliveryRow) => {
    const now = () => clock.now().toISOString();
    try {
      const edition = await compiledFor(d.edition_id);
      const email = emailOf.get(d.subscriber_id)?.email;
      if (!email) throw new Error('subscriber vanished');
      const urls = subscriberUrls(s.publicBaseUrl, s.secretKey, d.subscriber_id);
      const msg = edition.renderFor({ sections: JSON.parse(d.selection_json) as Section[], ...urls });
      const result = await mailer.send({
        to: email,
        subject: msg.subject,
        html: msg.html,
        text: msg.text,
        messageId: d.message_id,
        unsubscribeUrl: urls.unsubscribeUrl,
        unsubscribeMailto: s.unsubscribeMailto,
        listId: s.listId,
      });
      markSent.run({ id: d.id, owner, now: now(), response: result.response.slice(0, 500) });
      progress.sent++;
      consecutiveFailures = 0;
    } catch (err) {
      const f = classifySendError(err);
      const error = describeError(err).slice(0, 500);
      consecutiveFailures++;
      if (f.kind === 'permanent') {
        db.transaction(() => {
          markBounced.run({ id: d.id, owner, now: now(), error });
          bounceSubscriber.run({ id: d.subscriber_id, now: now(), error });
        }).immediate();
        progress.bounced++;
        logger.warn({ event: 'send.bounced', deliveryId: d.id, subscriberId: d.subscriber_id, code: f.code }, 'recipient rejected permanently');
      } else if (d.attempts >= s.maxAttempts) {
        markFailed.run({ id: d.id, owner, now: now(), error });
        progress.failed++;
        logger.error({ event: 'send.failed', deliveryId: d.id, subscriberId: d.subscriber_id, error }, 'delivery failed for good');
      } else {
        const delayMs = s.retryBaseSeconds * 1000 * 2 ** (d.attempts - 1) * (0.75 + Math.random() * 0.5);
        markRetry.run({ id: d.id, owner, now: now(), next: new Date(clock.now().getTime() + delayMs).toISOString(), error });
        progress.retried++;
        logger.warn({ event: 'send.retry', deliveryId: d.id, attempt: d.attempts, error }, 'temporary failure, will retry');
      }
      if (consecutiveFailures >= s.pauseAfterFailures && !paused) {
        paused = true;
        pauseReason = `${consecutiveFailures} consecutive failures, last: ${error}`;
        logger.error({ event: 'send.paused', consecutiveFailures }, 'pausing the send: the mail server looks down');
      }
    }
    options.onProgress?.({ ...progress });
  };

  while (!paused && !options.signal?.aborted) {
    const free = s.concurrency - inFlight.size;
    if (free > 0) {
      const claimed = claim.all({ now: clock.now().toISOString(), owner, limit: free, editionId: options.editionId ?? null }) as DeliveryRow[];
      if (!claimed.length && !inFlight.size) break;
      for (const d of claimed) {
        const p = sendOne(d).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (claimed.length && inFlight.size < s.concurrency) continue;
    }
    if (inFlight.size) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { ...progress, paused, ...(pauseReason ? { pauseReason } : {}), recovered };
}

async function compileForEdition(db: Db, editionId: number, publicBaseUrl: string): Promise<CompiledEdition> {
  const edition = db.prepare('SELECT date, subject FROM editions WHERE id = ?').get(editionId) as { date: string; subject: string };
  const papers = (db.prepare('SELECT snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY rank').all(editionId) as {
    snapshot_json: string;
  }[]).map((r) => JSON.parse(r.snapshot_json) as PaperSnapshot);
  return compileEdition({ date: edition.date, subject: edition.subject, papers }, { publicBaseUrl });
}
