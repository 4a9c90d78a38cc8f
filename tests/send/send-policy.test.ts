// The pure failure policy: which outcomes count against the recipient, how long a delivery waits, when sending
// pauses and how far apart a paused send probes the server.
import { describe, expect, it } from 'vitest';
import { backoffMs, decideFailure, probeDelayMs, streakPauses, MAX_BACKOFF_MS, type PolicySettings } from '../../src/mail/send-policy.js';
import type { FailureKind, SendFailure } from '../../src/mail/smtp-errors.js';

const s: PolicySettings = { maxAttempts: 5, retryBaseMs: 60_000, pauseAfterFailures: 20, probeBaseMs: 30_000, probeMaxMs: 15 * 60_000 };
const failure = (kind: FailureKind): SendFailure => ({ kind, code: null, status: null, errorCode: null, message: kind });
const mid = () => 0.5; // no jitter

describe('decideFailure', () => {
  it('never counts a failure of the server or ours against the recipient, and leaves the delivery due now', () => {
    for (let attempts = 0; attempts < 10; attempts++) {
      expect(decideFailure(failure('unavailable'), attempts, s, mid)).toEqual({
        transition: { to: 'pending', counted: false, delayMs: null },
        streak: 'extend',
        pauseNow: false,
        serverAnswers: false,
      });
      expect(decideFailure(failure('server'), attempts, s, mid)).toMatchObject({ transition: { to: 'pending', counted: false, delayMs: null }, pauseNow: true });
    }
  });

  it("backs a delivery's own temporary failures off by its own attempts, then fails it at the limit", () => {
    expect(decideFailure(failure('temporary'), 0, s, mid).transition).toEqual({ to: 'pending', counted: true, delayMs: 60_000 });
    expect(decideFailure(failure('temporary'), 1, s, mid).transition).toEqual({ to: 'pending', counted: true, delayMs: 120_000 });
    expect(decideFailure(failure('temporary'), 3, s, mid).transition).toEqual({ to: 'pending', counted: true, delayMs: 480_000 });
    expect(decideFailure(failure('temporary'), 4, s, mid).transition).toEqual({ to: 'failed' });
  });

  it('bounces only for the address; a bounce shows the server answers', () => {
    expect(decideFailure(failure('recipient'), 0, s, mid)).toEqual({ transition: { to: 'bounced' }, streak: 'reset', pauseNow: false, serverAnswers: true });
    expect(decideFailure(failure('message'), 0, s, mid)).toMatchObject({ transition: { to: 'failed' }, streak: 'extend', serverAnswers: false });
  });
});

describe('timing', () => {
  it('backoff doubles per attempt with ±25 % jitter and never exceeds 6 hours', () => {
    expect(backoffMs(1, 60_000, () => 0)).toBe(45_000);
    expect(backoffMs(1, 60_000, () => 1)).toBe(75_000);
    expect(backoffMs(3, 60_000, mid)).toBe(240_000);
    expect(backoffMs(40, 60_000, () => 1)).toBe(MAX_BACKOFF_MS);
  });

  it('probes 30 s, 1, 2, 4, 8 min after the pause and each failed probe, then every 15 min', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 30].map((n) => probeDelayMs(n, s) / 1000)).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('pauses at the streak limit', () => {
    expect(streakPauses(19, s)).toBe(false);
    expect(streakPauses(20, s)).toBe(true);
  });
});
