// What the outcomes of a send do, in order: each is counted, turned into its delivery's ledger transition (queued for
// the pump's next ledger write) and weighed by the failure policy (send-policy.ts), which may pause the send — for
// this run (an edition that cannot render) or for every process until a probe succeeds (the server refuses us, or
// too many failures in a row). While probing a pause, the first answer from the server lifts it.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { classifySendError } from './smtp-errors.js';
import { ACCEPTED, PROBE_DELIVERIES, decideFailure, probeDelayMs, streakPauses, type Decision, type PolicySettings } from './send-policy.js';
import { describeError } from '../lib/errors.js';
import { ledgerTransition } from './ledger-transition.js';
import type { LedgerTransition, SendPauseStore } from '../db/stores/sending.js';
import type { Outcome } from './digest-delivery.js';

export interface SendProgress {
  /** Deliveries due for this run: those due at the start, plus any that came due while it ran. */
  total: number;
  sent: number;
  /** Given up on: a permanent message failure, or temporary failures up to the attempt limit. */
  failed: number;
  bounced: number;
  /** Temporary failures put back for a later attempt (each retry counted once). */
  retried: number;
  /** Deliveries whose subscriber left before the claim. */
  skipped: number;
  /** Due and not yet sent, failed or bounced (includes those waiting for a retry). */
  remaining: number;
}

export class SendOutcomes {
  /** Decided transitions waiting for the next ledger write (taken by the pump). */
  readonly toRecord: LedgerTransition[] = [];
  /** Set once the send must stop (this run): why. */
  pauseReason: string | undefined;
  private consecutiveFailures = 0;
  private probeFailures = 0;

  constructor(
    private readonly deps: { store: SendPauseStore; clock: Clock; logger: Logger; policy: PolicySettings },
    readonly progress: SendProgress,
    /** Sending was paused at the start: one delivery at a time until the server answers. */
    public probing: boolean,
  ) {}

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  private later(ms: number): Date {
    return new Date(this.deps.clock.now().getTime() + ms);
  }

  /** Stops this run; `persist` also pauses sending for every process until a probe succeeds. */
  async pause(reason: string, persist: boolean): Promise<void> {
    if (this.pauseReason !== undefined) return;
    this.pauseReason = reason;
    if (persist) await this.deps.store.startSendPause(this.nowIso(), reason, this.later(probeDelayMs(0, this.deps.policy)).toISOString());
    this.deps.logger.error({ event: 'send.paused', consecutiveFailures: this.consecutiveFailures, reason, persisted: persist }, 'pausing the send');
  }

  /** Decides what an outcome does (the policy), counts it, and queues its ledger transition. */
  async record(o: Outcome): Promise<void> {
    const { logger, policy } = this.deps;
    const progress = this.progress;
    const now = this.nowIso();
    const d = o.d;
    if ('gone' in o) {
      this.toRecord.push({ id: d.id, to: 'gone' });
      progress.skipped++;
      progress.remaining--;
      return;
    }
    if ('unrenderable' in o) {
      // Our bug or bad data, not the server's or the recipient's: stop before it costs every delivery an attempt.
      // Not a pause of sending (other editions may render): the next run tries again.
      this.toRecord.push({ id: d.id, to: 'retry', error: describeError(o.unrenderable).slice(0, 500), next: null, counted: false });
      await this.pause(`cannot render edition ${d.edition_id}: ${describeError(o.unrenderable)}`, false);
      return;
    }
    if ('accepted' in o) {
      // Never twice, counted on acceptance: the ledger records the papers of an accepted delivery with its `sent`.
      this.toRecord.push(ledgerTransition(d, ACCEPTED, o.accepted, now));
      progress.sent++;
      progress.remaining--;
      this.consecutiveFailures = 0;
      await this.settleProbe(ACCEPTED, '');
      return;
    }
    const f = classifySendError(o.failure);
    const error = describeError(o.failure).slice(0, 500);
    const log = { deliveryId: d.id, subscriberId: d.subscriber_id, kind: f.kind, code: f.code, status: f.status, errorCode: f.errorCode };
    const decision = decideFailure(f, d.attempts, policy);
    const t = decision.transition;
    this.consecutiveFailures = decision.streak === 'reset' ? 0 : this.consecutiveFailures + 1;
    this.toRecord.push(ledgerTransition(d, decision, error, now));
    switch (t.to) {
      case 'bounced':
        progress.bounced++;
        progress.remaining--;
        logger.warn({ event: 'send.bounced', ...log }, 'recipient rejected permanently; subscriber marked bounced');
        break;
      case 'failed':
        progress.failed++;
        progress.remaining--;
        logger.error({ event: 'send.failed', attempts: d.attempts + 1, ...log }, f.kind === 'message' ? 'message rejected permanently' : 'temporary failures up to the attempt limit');
        break;
      case 'pending':
        progress.retried++;
        if (t.counted) logger.warn({ event: 'send.retry', attempt: d.attempts + 1, ...log }, 'temporary failure; will retry');
        else logger.warn({ event: f.kind === 'server' ? 'send.server_refused' : 'send.server_unavailable', ...log }, 'the mail server failed, not the recipient; requeued uncounted');
        break;
      case 'sent':
        break;
    }
    if (this.probing) return this.settleProbe(decision, error, f.kind);
    if (decision.pauseNow) await this.pause(`the mail server refuses us (${f.code ?? f.errorCode}): ${f.message}`, true);
    else if (streakPauses(this.consecutiveFailures, policy)) await this.pause(`${this.consecutiveFailures} consecutive failures, the last: ${error}`, true);
  }

  /** The probe's verdict: the server takes mail again (the pause ends), or not (the next probe is pushed back). */
  private async settleProbe(decision: Decision, error: string, kind?: string): Promise<void> {
    if (!this.probing) return;
    const { store, logger, policy } = this.deps;
    // An unavailable server may be one message timing out: try a few deliveries before concluding.
    if (!decision.serverAnswers && kind === 'unavailable' && ++this.probeFailures < PROBE_DELIVERIES) return;
    this.probing = false;
    const held = await store.sendPause();
    if (decision.serverAnswers) {
      await store.liftSendPause();
      if (held) logger.info({ event: 'send.resumed', pausedSince: held.since, probes: held.probes + 1 }, 'the mail server answers again; sending resumed');
      return;
    }
    const next = this.later(probeDelayMs((held?.probes ?? 0) + 1, policy));
    await store.sendPauseProbeFailed(next.toISOString(), error);
    this.pauseReason ??= `still paused (since ${held?.since ?? this.nowIso()}): ${error}`;
    logger.warn({ event: 'send.probe_failed', nextProbeAt: next.toISOString(), probes: (held?.probes ?? 0) + 1 }, 'the mail server still fails; probing again later');
  }
}
