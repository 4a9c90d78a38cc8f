// The raw digest and confirmation messages as a real SMTP server receives them, parsed with mailparser:
// every header mailbox providers check, exactly once, with exact values; multipart/alternative bodies.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { listIdHeader, listUnsubscribeHeader, parseSender, toNodemailer } from '../../src/mail/message.js';
import { renderConfirmation } from '../../src/digest/render.js';
import { fixedClock } from '../../src/lib/clock.js';
import { digestMessageId } from '../../src/lib/tokens.js';
import { subscriberUrls } from '../../src/http/links.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { SAMPLE_DATE, SAMPLE_NOW } from '../../src/digest/sample-edition.js';
import { headerLines, onlyLine } from './headers.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const FROM = 'Trending Papers <digest@papers.example.org>';
const UNSUB = 'https://papers.example.org/unsubscribe?token=7.AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const LIST_ID = '"Trending Papers" <daily.papers.example.org>';
const ONCE = ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id'];

describe('message headers through a real SMTP server', () => {
  let smtp: SmtpSink;
  let mailer: Mailer;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    mailer = createSmtpMailer(smtp.url, { from: FROM, maxConnections: 1, ratePerSecond: 0, clock: fixedClock('2026-08-21T07:00:00.000Z') });
  });
  afterAll(async () => {
    await mailer.close();
    await smtp.close();
  });

  const digest = {
    to: 'ada@example.org',
    subject: 'Trending papers for 2026-08-21: “Über” models',
    html: '<p>Hello</p>',
    text: 'Hello',
    messageId: '<digest-2026-08-21-7-0123456789abcdef@papers.example.org>',
    unsubscribeUrl: UNSUB,
    listId: LIST_ID,
  };

  it('sends each required header exactly once, with the exact value', async () => {
    await mailer.send(digest);
    const mail = await smtp.parsed(smtp.messages.length - 1);
    for (const h of ONCE) expect(headerLines(mail, h), h).toHaveLength(1);
    expect(onlyLine(mail, 'list-unsubscribe')).toBe(`List-Unsubscribe: <${UNSUB}>`);
    expect(onlyLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    // Header names are case-insensitive (RFC 5322 §1.2.2); nodemailer spells this one "List-ID". The value
    // must go out verbatim: the old bug was an RFC 2047 encoded-word here because of the quotes.
    expect(onlyLine(mail, 'list-id').replace(/^List-ID:/i, 'List-Id:')).toBe(`List-Id: ${LIST_ID}`);
    expect(onlyLine(mail, 'date')).toBe('Date: Fri, 21 Aug 2026 07:00:00 +0000');
    expect(onlyLine(mail, 'message-id')).toBe(`Message-ID: ${digest.messageId}`);
    expect(onlyLine(mail, 'from')).toBe(`From: ${FROM}`);
    expect(mail.subject).toBe(digest.subject);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.text?.trim()).toBe('Hello');
    expect(mail.html).toContain('<p>Hello</p>');
  });

  it('puts the https URL first and a mailto after it when configured', async () => {
    await mailer.send({ ...digest, unsubscribeMailto: 'unsubscribe@papers.example.org' });
    const mail = await smtp.parsed(smtp.messages.length - 1);
    expect(onlyLine(mail, 'list-unsubscribe')).toBe(`List-Unsubscribe: <${UNSUB}>, <mailto:unsubscribe@papers.example.org?subject=unsubscribe>`);
  });

  it('uses the Date a message carries over the clock', async () => {
    await mailer.send({ ...digest, date: new Date('2026-08-22T05:06:07.000Z') });
    const mail = await smtp.parsed(smtp.messages.length - 1);
    expect(onlyLine(mail, 'date')).toBe('Date: Sat, 22 Aug 2026 05:06:07 +0000');
  });

  it('sends the confirmation email without list headers, multipart, from the display name', async () => {
    const msg = await renderConfirmation({ publicBaseUrl: 'https://papers.example.org', ttlHours: 48 }, 'https://papers.example.org/confirm?token=abc');
    await mailer.send({ to: 'new@example.org', ...msg });
    const mail = await smtp.parsed(smtp.messages.length - 1);
    for (const h of ['list-unsubscribe', 'list-unsubscribe-post', 'list-id']) expect(headerLines(mail, h)).toHaveLength(0);
    for (const h of ['from', 'date', 'message-id', 'subject']) expect(headerLines(mail, h), h).toHaveLength(1);
    expect(onlyLine(mail, 'from')).toBe(`From: ${FROM}`);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.text).toContain('https://papers.example.org/confirm?token=abc');
    expect(mail.html).toContain('href="https://papers.example.org/confirm?token=abc"');
  });
});

describe('the digest the app sends', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  afterEach(async () => {
    await app?.cleanup();
    await smtp?.close();
  });

  it('carries the deterministic Message-ID, its own unsubscribe link, the List-Id and the clock Date', async () => {
    smtp = await startSmtpSink();
    app = createTestApp({ SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '1' }, { clock: fixedClock(SAMPLE_NOW) });
    const id = app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now: SAMPLE_NOW, topics: ['agents'] });
    const out = await runDailyJob(app, { date: SAMPLE_DATE });
    expect(out.send?.sent).toBe(1);
    const mail = await simpleParser(smtp.messages[0]!.raw);
    for (const h of ONCE) expect(headerLines(mail, h), h).toHaveLength(1);
    const { unsubscribeUrl } = subscriberUrls(app.config.publicBaseUrl, app.config.secretKey, id);
    expect(onlyLine(mail, 'list-unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribeUrl}>`);
    expect(onlyLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(onlyLine(mail, 'list-id').replace(/^List-ID:/i, 'List-Id:')).toBe(`List-Id: ${LIST_ID}`);
    expect(onlyLine(mail, 'message-id')).toBe(`Message-ID: ${digestMessageId(app.config.secretKey, SAMPLE_DATE, id, 'papers.example.org')}`);
    expect(onlyLine(mail, 'date')).toBe('Date: Fri, 21 Aug 2026 07:00:00 +0000');
    expect(onlyLine(mail, 'from')).toBe(`From: ${FROM}`);
    expect(mail.html).toContain(unsubscribeUrl);
    expect(mail.text).toContain(`Unsubscribe: ${unsubscribeUrl}`);
  });
});

describe('header values are checked before they go out', () => {
  it('gives a sender without display name the product name, and refuses several senders', () => {
    expect(parseSender('digest@papers.example.org')).toEqual({ name: 'Trending Papers', address: 'digest@papers.example.org' });
    expect(parseSender('"Papers, Daily" <d@x.org>')).toEqual({ name: 'Papers, Daily', address: 'd@x.org' });
    expect(() => parseSender('a@x.org, b@x.org')).toThrow(expect.objectContaining({ code: 'MAIL_FROM_INVALID' }));
    expect(() => parseSender('nobody')).toThrow(expect.objectContaining({ code: 'MAIL_FROM_INVALID' }));
  });

  it('refuses a List-Id that could inject headers or is not ASCII, in config at boot and when sending', () => {
    expect(listIdHeader(LIST_ID)).toBe(LIST_ID);
    expect(() => loadConfig({ LIST_ID: '"Über" <daily.example.org>' })).toThrow(ConfigError);
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://papers.example.org' }).mail.listId).toBe(LIST_ID);
    for (const bad of ['"X" <a.b>\r\nBcc: victim@example.org', '"Über" <daily.example.org>', 'no angle brackets', `"X" <${'a'.repeat(260)}.org>`])
      expect(() => listIdHeader(bad)).toThrow(expect.objectContaining({ code: 'LIST_ID_INVALID' }));
  });

  it('refuses an unsubscribe URL with spaces, brackets or a line break', () => {
    for (const bad of ['https://x.org/u?t=a b', 'https://x.org/u>,<https://evil.org', 'https://x.org/u\r\nBcc: v@x.org', '/relative'])
      expect(() => listUnsubscribeHeader(bad)).toThrow(expect.objectContaining({ code: 'UNSUBSCRIBE_URL_INVALID' }));
    expect(() => toNodemailer({ to: 'a@b.c', subject: 's', html: 'h', text: 't', unsubscribeUrl: UNSUB, unsubscribeMailto: 'a b@x.org' }, FROM)).toThrow(
      expect.objectContaining({ code: 'UNSUBSCRIBE_MAILTO_INVALID' }),
    );
  });
});
