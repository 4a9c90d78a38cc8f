// The sending engine's failure policy, pure: what one SMTP outcome does to its delivery (the ledger transition),
// to the run's streak of consecutive failures and to the pause, and when a paused send probes the server again.
// No database, clock or I/O. Invariants: a failure that is the server's or ours (unreachable, a 4xx greeting, a
// 421, timeouts, authentication, relay refused) never counts as an attempt of the delivery and leaves it due now
// (the pause, not the delivery, decides when the server is tried again); a delivery's own temporary failures back
// off by its own attempt count; only an address-level permanent rejection bounces anyone.
import type { SendFailure } from './smtp-errors.js';

export interface PolicySettings {
  /** Attempts per delivery (its own temporary failures) before it is marked failed. */
  maxAttempts: number;
  /** First retry delay of a delivery's own temporary failure; doubles with each of its attempts (±25 % jitter). */
  retryBaseMs: number;
  /** Consecutive failures that pause the send. */
  pauseAfterFailures: number;
  /** The first probe of a paused send comes this long after the pause; each failed probe doubles it ... */
  probeBaseMs: number;
  /** ... up to this. */
  probeMaxMs: number;
}

/** A temporary failure never waits longer than this, whatever its attempt count. */
export const MAX_BACKOFF_MS = 6 * 3_600_000;

export type Transition =
  /** Accepted by the server. */
  | { to: 'sent' }
  /** The address is refused for good: the delivery and the subscriber are bounced (counted as an attempt). */
  | { to: 'bounced' }
  /** Given up on (counted as an attempt). */
  | { to: 'failed' }
  /** Back to pending, due again after `delayMs` (null: due now); `counted` says whether it used up one of its attempts. */
  | { to: 'pending'; counted: boolean; delayMs: number | null };

export interface Decision {
  transition: Transition;
  /** Whether this outcome extends the streak of consecutive failures or ends it. */
  streak: 'reset' | 'extend';
  /** Pause at once, whatever the streak (the server refuses us: every other delivery would fail alike). */
  pauseNow: boolean;
  /** Whether a paused send's probe that met this outcome shows the server takes mail from us again. */
  serverAnswers: boolean;
}

/** A probe tries at most this many deliveries before it concludes the server still fails (one odd message cannot hold the pause). */
export const PROBE_DELIVERIES = 3;

/** What an accepted message does: sent, the streak ends, and a probe succeeded. */
export const ACCEPTED: Decision = { transition: { to: 'sent' }, streak: 'reset', pauseNow: false, serverAnswers: true };

/**
 * What a failed send does to its delivery (which had `attempts` recorded attempts before this one), the streak
 * and the pause.
 */
export function decideFailure(f: SendFailure, attempts: number, s: PolicySettings, random: () => number = Math.random): Decision {
  switch (f.kind) {
    case 'recipient':
      // The server is answering; one address is bad.
      return { transition: { to: 'bounced' }, streak: 'reset', pauseNow: false, serverAnswers: true };
    case 'server':
      // Not this delivery's fault, and every other one would fail alike: give it back, uncounted, and stop.
      return { transition: { to: 'pending', counted: false, delayMs: null }, streak: 'extend', pauseNow: true, serverAnswers: false };
    case 'unavailable':
      // The server's failure, not the recipient's: uncounted and due now. A run that keeps meeting it reaches the
      // streak limit and pauses; the pause's probes then decide when the server is tried again.
      return { transition: { to: 'pending', counted: false, delayMs: null }, streak: 'extend', pauseNow: false, serverAnswers: false };
    case 'message':
      return { transition: { to: 'failed' }, streak: 'extend', pauseNow: false, serverAnswers: false };
    case 'temporary': {
      const attempt = attempts + 1;
      if (attempt >= s.maxAttempts) return { transition: { to: 'failed' }, streak: 'extend', pauseNow: false, serverAnswers: false };
      return { transition: { to: 'pending', counted: true, delayMs: backoffMs(attempt, s.retryBaseMs, random) }, streak: 'extend', pauseNow: false, serverAnswers: false };
    }
  }
}

/** The wait after a delivery's `attempt`-th temporary failure: base × 2^(attempt−1), ±25 %, at most 6 hours. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 20);
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** exp * (0.75 + random() * 0.5));
}

/** The wait before the next probe after `failedProbes` probes found the server still failing (0 = the first). */
export function probeDelayMs(failedProbes: number, s: Pick<PolicySettings, 'probeBaseMs' | 'probeMaxMs'>): number {
  return Math.min(s.probeMaxMs, s.probeBaseMs * 2 ** Math.min(Math.max(failedProbes, 0), 20));
}

export function streakPauses(streak: number, s: Pick<PolicySettings, 'pauseAfterFailures'>): boolean {
  return streak >= s.pauseAfterFailures;
}
