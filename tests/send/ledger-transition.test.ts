// The pure step from a decided outcome to its ledger transition: accepted → sent with the server's response (cut to
// 500 characters), a recipient's permanent rejection → bounced with the reader, a message failure → failed, a
// temporary failure → retry after its backoff (counted), the server's failure → due again now (uncounted).
import { describe, expect, it } from 'vitest';
import { ledgerTransition } from '../../src/mail/ledger-transition.js';
import { ACCEPTED, decideFailure, type PolicySettings } from '../../src/mail/send-policy.js';
import type { SendFailure } from '../../src/mail/smtp-errors.js';

const NOW = '2026-08-21T07:00:00.000Z';
const d = { id: 7, subscriber_id: 42 };
const policy: PolicySettings = { maxAttempts: 5, retryBaseMs: 60_000, pauseAfterFailures: 10, probeBaseMs: 60_000, probeMaxMs: 3_600_000 };
const failure = (kind: SendFailure['kind']): SendFailure => ({ kind, code: null, status: null, errorCode: null, message: `${kind} failure` });

describe('ledgerTransition', () => {
  it('maps each decision to its change of the delivery', () => {
    expect(ledgerTransition(d, ACCEPTED, `250 ${'x'.repeat(600)}`, NOW)).toEqual({ id: 7, to: 'sent', response: `250 ${'x'.repeat(496)}` });
    expect(ledgerTransition(d, decideFailure(failure('recipient'), 0, policy), '550 no such user', NOW)).toEqual({
      id: 7, to: 'bounced', subscriberId: 42, error: '550 no such user',
    });
    expect(ledgerTransition(d, decideFailure(failure('message'), 0, policy), '554 content', NOW)).toEqual({ id: 7, to: 'failed', error: '554 content' });
    expect(ledgerTransition(d, decideFailure(failure('unavailable'), 3, policy), 'ECONNREFUSED', NOW)).toEqual({
      id: 7, to: 'retry', error: 'ECONNREFUSED', counted: false, next: null,
    });
    // The second attempt's backoff: twice the base, ±25 % (random fixed at the middle: exactly twice).
    expect(ledgerTransition(d, decideFailure(failure('temporary'), 1, policy, () => 0.5), '451 later', NOW)).toEqual({
      id: 7, to: 'retry', error: '451 later', counted: true, next: '2026-08-21T07:02:00.000Z',
    });
    expect(ledgerTransition(d, decideFailure(failure('temporary'), 4, policy), '451 later', NOW)).toEqual({ id: 7, to: 'failed', error: '451 later' });
  });
});
