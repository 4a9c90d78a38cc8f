// Failure classification, fed with the errors nodemailer really raises against a real SMTP server that answers
// each fault: only address-level rejections may bounce a subscriber; server-wide refusals must never do so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { classifySendError, type FailureKind } from '../../src/mail/smtp-errors.js';

describe('classifySendError against a real SMTP server', () => {
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(async () => {
    await smtp.close();
  });

  async function failureOf(faults: Partial<SmtpSink['faults']>, url = smtp.url) {
    Object.assign(smtp.faults, { rcpt: undefined, data: undefined, connect: undefined, dataDelayMs: undefined }, faults);
    // A fresh pool each time, so a fault at connection time is met by a new connection.
    const mailer = createSmtpMailer(url, { from: 'Digest <digest@papers.example.org>', maxConnections: 1, ratePerSecond: 0, socketTimeoutMs: 2000 });
    try {
      await mailer.send({ to: 'reader@example.org', subject: 'hello', html: '<p>hi</p>', text: 'hi' });
      throw new Error('expected the send to fail');
    } catch (err) {
      return classifySendError(err);
    } finally {
      await mailer.close();
    }
  }

  const reply = (code: number, message: string) => () => ({ code, message });
  const cases: { label: string; faults: Partial<SmtpSink['faults']>; kind: FailureKind }[] = [
    { label: '550 5.1.1 unknown user on RCPT', faults: { rcpt: reply(550, '5.1.1 No such user here') }, kind: 'recipient' },
    { label: '550 without an enhanced code on RCPT', faults: { rcpt: reply(550, 'Mailbox unavailable') }, kind: 'recipient' },
    { label: '553 mailbox name not allowed on RCPT', faults: { rcpt: reply(553, 'Mailbox name not allowed') }, kind: 'recipient' },
    { label: '554 5.7.1 relay access denied on RCPT (our misconfiguration)', faults: { rcpt: reply(554, '5.7.1 <reader@example.org>: Relay access denied') }, kind: 'server' },
    { label: '550 5.7.1 blocklisted on RCPT (our reputation)', faults: { rcpt: reply(550, '5.7.1 Service unavailable, client host blocked using Spamhaus') }, kind: 'message' },
    { label: '552 5.2.2 mailbox full on RCPT', faults: { rcpt: reply(552, '5.2.2 Mailbox full') }, kind: 'message' },
    { label: '451 on RCPT (greylisting)', faults: { rcpt: reply(451, '4.7.1 Greylisted, try again later') }, kind: 'temporary' },
    { label: '450 on RCPT', faults: { rcpt: reply(450, 'Mailbox busy') }, kind: 'temporary' },
    { label: '421 on RCPT, then the server closes (it is going away: not the recipient)', faults: { rcpt: reply(421, '4.4.2 Too many errors') }, kind: 'unavailable' },
    { label: '421 after DATA (shutting down)', faults: { data: reply(421, '4.3.2 Service shutting down') }, kind: 'unavailable' },
    { label: 'connection dropped on RCPT without a reply', faults: { rcpt: () => 'drop' }, kind: 'temporary' },
    { label: '554 5.7.1 spam content after DATA', faults: { data: reply(554, '5.7.1 Message rejected as spam') }, kind: 'message' },
    { label: '550 5.1.1 unknown user after DATA', faults: { data: reply(550, '5.1.1 User unknown') }, kind: 'recipient' },
    { label: '451 after DATA', faults: { data: reply(451, '4.3.0 Local error in processing') }, kind: 'temporary' },
    { label: 'connection dropped after DATA', faults: { data: () => 'drop' }, kind: 'temporary' },
    { label: 'no answer after DATA within the socket timeout', faults: { dataDelayMs: () => 4000 }, kind: 'unavailable' },
    { label: '421 greeting (server busy)', faults: { connect: reply(421, 'Too many connections, try later') }, kind: 'unavailable' },
    { label: '554 greeting (no service for us)', faults: { connect: reply(554, 'No SMTP service here') }, kind: 'server' },
  ];

  it.each(cases)('$label → $kind', async ({ faults, kind }) => {
    expect((await failureOf(faults)).kind).toBe(kind);
  });

  it('a server that is down (connection refused) is unavailable, not a delivery failure', async () => {
    await smtp.stop();
    try {
      const f = await failureOf({});
      expect(f).toMatchObject({ kind: 'unavailable', errorCode: 'ESOCKET' });
    } finally {
      await smtp.start();
    }
    // And it is back on the same port.
    smtp.faults.connect = undefined;
    const ok = createSmtpMailer(smtp.url, { from: 'd@papers.example.org', maxConnections: 1, ratePerSecond: 0 });
    await ok.send({ to: 'reader@example.org', subject: 's', html: '<p>x</p>', text: 'x' });
    await ok.close();
  });

  it('a timeout is the server\'s failure, not the recipient\'s; the enhanced status code is kept', async () => {
    expect(classifySendError(Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT', command: 'CONN' })).kind).toBe('unavailable');
    expect(classifySendError(Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT' })).kind).toBe('unavailable');
    const f = await failureOf({ rcpt: reply(550, '5.1.10 Recipient address rejected: null MX') });
    expect(f).toMatchObject({ kind: 'recipient', code: 550, status: '5.1.10' });
  });

  it('authentication failures and a refused sender stop everything, never bounce', () => {
    // Shapes as nodemailer raises them (our sink does not offer AUTH).
    expect(classifySendError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Bad credentials' })).kind).toBe('server');
    expect(classifySendError(Object.assign(new Error('Mail command failed'), { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Authentication required' })).kind).toBe('server');
    expect(classifySendError(Object.assign(new Error('Mail command failed'), { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 451, response: '451 4.7.1 Rate limited' })).kind).toBe('unavailable');
    expect(classifySendError(new Error('something else')).kind).toBe('temporary');
  });
});
