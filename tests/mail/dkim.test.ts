// DKIM from configuration: the app's mailer signs every message, the signature covers the List-* headers,
// and mailauth verifies it against our test public key served by a stub DNS resolver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createOutboxMailer, DKIM_SIGNED_LIST_HEADERS } from '../../src/mail/mailer.js';

const DOMAIN = 'papers.example.org';
const SELECTOR = 'mail2026';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

/** A DNS that knows only our selector's TXT record. */
async function resolver(name: string, type: string): Promise<string[][]> {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[`v=DKIM1; k=rsa; p=${PUBLIC_B64}`]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

const UNSUB = `https://${DOMAIN}/unsubscribe?token=7.AbCdEfGhIjKlMnOpQrStUvWxYz012345`;

describe('DKIM signing', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  let raw: Buffer;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    // The key travels through the environment as .env files carry it: one line with \n escapes.
    app = createTestApp({ SMTP_URL: smtp.url, DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: PRIVATE_PEM.replace(/\n/g, '\\n') });
    await app.mailer.send({
      to: 'ada@example.org',
      subject: 'Trending papers for 2026-08-21',
      html: '<p>Papers</p>',
      text: 'Papers',
      messageId: `<digest-2026-08-21-7-0123456789abcdef@${DOMAIN}>`,
      unsubscribeUrl: UNSUB,
      listId: app.config.mail.listId,
    });
    raw = smtp.messages[0]!.raw;
  });
  afterAll(async () => {
    await app?.cleanup();
    await smtp?.close();
  });

  it('verifies with mailauth, aligned with From, covering List-Unsubscribe, List-Unsubscribe-Post and List-Id', async () => {
    const result = await dkimVerify(raw, { resolver });
    expect(result.results).toHaveLength(1);
    const sig = result.results[0]!;
    expect(sig.status.result, sig.status.comment).toBe('pass');
    expect(sig.signingDomain).toBe(DOMAIN);
    expect(sig.selector).toBe(SELECTOR);
    expect(sig.status.aligned).toBe(DOMAIN);
    // signingHeaders is in mailauth's result (docs/dkim.md) but missing from its .d.ts.
    const { keys } = (sig as typeof sig & { signingHeaders: { keys: string } }).signingHeaders;
    const signed = keys.toLowerCase().split(':').map((k) => k.trim());
    for (const h of [...DKIM_SIGNED_LIST_HEADERS, 'From', 'Subject', 'Date', 'Message-ID']) expect(signed, h).toContain(h.toLowerCase());
  });

  it('fails verification when a signed List header is changed in transit', async () => {
    const tampered = Buffer.from(raw.toString('latin1').replace('token=7.AbCd', 'token=8.AbCd'), 'latin1');
    expect(tampered.equals(raw)).toBe(false);
    const result = await dkimVerify(tampered, { resolver });
    expect(result.results[0]!.status.result).toBe('fail');
  });

  it('refuses an unusable key when the mailer is built, not at send time', () => {
    expect(() => createOutboxMailer(app.dir, { from: app.config.mail.from, dkim: { domainName: DOMAIN, keySelector: SELECTOR, privateKey: 'not a key' } })).toThrow(
      expect.objectContaining({ code: 'DKIM_KEY_INVALID' }),
    );
  });
});
