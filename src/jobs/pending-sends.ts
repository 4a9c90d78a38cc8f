// Sends deliveries that became due after the daily run (subscribers' own delivery hours, retries after a
// temporary failure, claims abandoned by a crashed sender) and probes a paused send at its probe times. Runs under the daily job's lock, so it never
// overlaps a daily run in any process sharing the database.
import type { AppDeps } from '../app.js';
import type { DeliveryLedger, SenderRegistry, SendPauseStore } from '../db/stores/sending.js';
import { sendDue, type SendOutcome, type SendProgress } from '../mail/send-edition.js';
import { withLock } from './lock.js';
import { DAILY_LOCK, LOCK_RENEW_MS, LOCK_TTL_MS } from './daily.js';
import { AppError } from '../lib/errors.js';
import { hasAbandonedClaims } from '../mail/send-claims.js';

export interface DueCheckDeps {
  store: Pick<SendPauseStore, 'sendPause'> & Pick<DeliveryLedger, 'anyDue'> & Pick<SenderRegistry, 'claimHolders'>;
  clock: AppDeps['clock'];
  config: { mail: Pick<AppDeps['config']['mail'], 'claimLeaseSeconds'> };
}

/**
 * A cheap check (indexed, a row or two) so a tick does no work when nothing is due. While sending is paused,
 * nothing is due before the pause's next probe time (only a dead sender's claims, which need no server).
 */
export async function hasDueDeliveries(app: DueCheckDeps): Promise<boolean> {
  const now = app.clock.now();
  const abandoned = () => hasAbandonedClaims(app.store, { now, leaseMs: app.config.mail.claimLeaseSeconds * 1000 });
  const pause = await app.store.sendPause();
  if (pause && now.toISOString() < pause.next_probe_at) return abandoned();
  return (await app.store.anyDue(now.toISOString())) || abandoned();
}

export async function sendPendingDeliveries(
  app: Pick<AppDeps, 'store' | 'mailer' | 'clock' | 'logger' | 'config' | 'sendSettings'>,
  options: { signal?: AbortSignal | undefined; onProgress?: ((p: SendProgress) => void) | undefined } = {},
): Promise<{ ran: true; outcome: SendOutcome } | { ran: false; reason: 'locked' | 'nothing-due' }> {
  if (!(await hasDueDeliveries(app))) return { ran: false, reason: 'nothing-due' };
  try {
    return await withLock(app, DAILY_LOCK, { ttlMs: LOCK_TTL_MS, renewMs: LOCK_RENEW_MS, signal: options.signal }, async (lease) => {
      const outcome = await sendDue({ store: app.store, mailer: app.mailer, clock: app.clock, logger: app.logger }, app.sendSettings, {
        signal: lease.signal,
        onProgress: options.onProgress,
        // The next tick comes back within a minute: do not hold the job slot while retries come due.
        waitForRetries: false,
        // While paused, the pause's own probe times decide when the server is tried again.
        probeNow: false,
      });
      if (outcome.sent + outcome.failed + outcome.bounced + outcome.retried > 0)
        app.logger.info({ event: 'send.pending_done', ...outcome }, 'sent deliveries that became due');
      return { ran: true as const, outcome };
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'JOB_LOCKED') return { ran: false, reason: 'locked' };
    throw err;
  }
}
