// The fast way (fixed runs pre-encoded once per edition, quoted-printable declared, a boundary from the Message-ID)
// against the plain nodemailer way, for the same recipients of a real edition, through a real SMTP server:
// - byte for byte the message nodemailer itself writes when told to use quoted-printable and the same boundary,
//   DKIM signature included;
// - parsed by mailparser exactly like the plain nodemailer message (nodemailer choosing encodings and boundary):
//   same HTML, same text, the same headers once each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { dkimVerify } from 'mailauth';
import type { Transporter } from 'nodemailer';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { sampleEdition, READER, NO_TOPICS, type SampleEdition } from '../digest/sample-edition.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOutboxMailer, createSmtpMailer, createSmtpTransport, type DkimSettings, type Mailer } from '../../src/mail/mailer.js';
import { BOUNDARY_PREFIX, baseBoundary, parseSender, toNodemailer, toPlainNodemailer, type OutgoingMessage } from '../../src/mail/message.js';
import { fixedRun } from '../../src/lib/spliced-text.js';
import { fixedClock } from '../../src/lib/clock.js';
import { headerLines } from './headers.js';

const DOMAIN = 'papers.example.org';
const SELECTOR = 'fast2026';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM: DkimSettings = { domainName: DOMAIN, keySelector: SELECTOR, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
async function resolver(name: string, type: string): Promise<string[][]> {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[`v=DKIM1; k=rsa; p=${PUBLIC_B64}`]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

const FROM = `Trending Papers <digest@${DOMAIN}>`;
const DATE = new Date('2026-08-21T07:00:00.000Z');

describe('a digest built the fast way', () => {
  let s: SampleEdition;
  let smtp: SmtpSink;
  let fast: Mailer;
  let raw: Transporter;
  const messages: OutgoingMessage[] = [];

  /** Sends through the transport and returns the bytes the SMTP server received. */
  async function received(send: () => Promise<unknown>): Promise<Buffer> {
    const before = smtp.messages.length;
    await send();
    await smtp.waitFor(before + 1);
    return smtp.messages[before]!.raw;
  }

  beforeAll(async () => {
    s = await sampleEdition();
    smtp = await startSmtpSink();
    // The engine's mailer, and nodemailer's own pool with the same settings for the reference messages.
    fast = createSmtpMailer(smtp.url, { from: FROM, dkim: DKIM, maxConnections: 1, ratePerSecond: 0, clock: fixedClock(DATE.toISOString()) });
    raw = createSmtpTransport(smtp.url, { dkim: DKIM, maxConnections: 1, ratePerSecond: 0 });
    for (const reader of [READER, NO_TOPICS]) {
      const r = s.recipient(reader.email);
      const rendered = s.compiled.renderFor(r);
      messages.push({
        to: reader.email,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        pieces: rendered.pieces,
        messageId: r.delivery.messageId,
        unsubscribeUrl: r.unsubscribeUrl,
        unsubscribeMailto: `unsubscribe@${DOMAIN}`,
        listId: s.app.config.mail.listId,
        date: DATE,
      });
    }
  }, 60_000);
  afterAll(async () => {
    await fast?.close();
    raw?.close();
    await smtp?.close();
    await s?.app.cleanup();
  });

  it('is the pieces of a real edition: fixed runs shared by both readers, joined to the same html and text', () => {
    const [a, b] = messages;
    const fixed = (m: OutgoingMessage) => new Set(m.pieces!.html.filter((p) => typeof p !== 'string'));
    const shared = [...fixed(a!)].filter((p) => fixed(b!).has(p));
    expect(shared.length).toBeGreaterThan(10);
    expect(a!.pieces!.html.some((p) => typeof p === 'string' && p.includes('unsubscribe?token='))).toBe(true);
  });

  it('is byte for byte what nodemailer writes when told quoted-printable and the same boundary (DKIM-signed)', async () => {
    for (const m of messages) {
      const ours = await received(() => fast.send(m));
      const plain = toPlainNodemailer(m, parseSender(FROM));
      const reference = await received(() =>
        raw.sendMail({
          ...plain,
          html: { content: m.html, contentTransferEncoding: 'quoted-printable' },
          text: { content: m.text, contentTransferEncoding: 'quoted-printable' },
          boundaryPrefix: BOUNDARY_PREFIX,
          baseBoundary: baseBoundary(m.messageId!),
        } as typeof plain),
      );
      expect(reference.toString('latin1')).toContain('Content-Transfer-Encoding: quoted-printable');
      if (!ours.equals(reference)) expect(ours.toString('latin1')).toBe(reference.toString('latin1')); // a readable diff
      expect(ours.equals(reference)).toBe(true);
      const dkim = await dkimVerify(ours, { resolver });
      expect(dkim.results[0]!.status.result, dkim.results[0]!.status.comment).toBe('pass');
    }
  });

  it('parses exactly like the plain nodemailer message: same html, text and headers, each once', async () => {
    const once = ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'dkim-signature'];
    for (const m of messages) {
      const ours = await simpleParser(await received(() => fast.send(m)));
      const plain = await simpleParser(await received(() => raw.sendMail(toPlainNodemailer(m, parseSender(FROM)))));
      expect(ours.html).toBe(m.html);
      expect(ours.html).toBe(plain.html);
      expect(ours.text).toBe(plain.text);
      expect(ours.text?.trimEnd()).toBe(m.text);
      const keys = (p: ParsedMail) => p.headerLines.map((h) => h.key).sort();
      expect(keys(ours)).toEqual(keys(plain));
      for (const h of once) {
        expect(headerLines(ours, h), h).toHaveLength(1);
        if (h !== 'content-type' && h !== 'dkim-signature') expect(headerLines(ours, h), h).toEqual(headerLines(plain, h));
      }
      expect(ours.attachments).toHaveLength(0);
      const dkim = await dkimVerify(await received(() => fast.send(m)), { resolver });
      expect(dkim.results[0]!.status.result).toBe('pass');
    }
  });

  it('writes the same message to the outbox folder (LF line breaks), parsed the same', async () => {
    const dir = join(s.app.dir, 'fast-outbox');
    const outbox = createOutboxMailer(dir, { from: FROM, dkim: DKIM });
    await outbox.send(messages[0]!);
    const eml = readdirSync(dir).find((f) => f.endsWith('.eml'))!;
    const file = readFileSync(join(dir, eml));
    expect(file.includes('\r\n')).toBe(false);
    const parsed = await simpleParser(file);
    expect(parsed.html).toBe(messages[0]!.html);
    expect(parsed.text?.trimEnd()).toBe(messages[0]!.text);
    expect((await dkimVerify(file, { resolver })).results[0]!.status.result).toBe('pass');
  });

  it('lets nodemailer encode a part the splicer declines (over 64 KiB), and still parses the same', async () => {
    const long = `<p>${'Long abstract, repeated. '.repeat(3000)}</p>`;
    const m: OutgoingMessage = { ...messages[0]!, html: long, pieces: { html: [fixedRun(long)], text: messages[0]!.pieces!.text } };
    expect(toNodemailer(m, parseSender(FROM)).html).toMatchObject({ contentTransferEncoding: 'quoted-printable' });
    const parsed = await simpleParser(await received(() => fast.send(m)));
    expect(parsed.html).toBe(long);
    expect(parsed.text?.trimEnd()).toBe(m.text);
  });

  it('is handed to nodemailer whole, with a boundary no quoted-printable line can contain, the same for the same message', () => {
    const built = (m: OutgoingMessage) => toNodemailer(m, parseSender(FROM)) as { raw?: Buffer; envelope?: { to: string[] } };
    const boundaryOf = (m: OutgoingMessage) => /boundary="([^"]+)"/.exec(built(m).raw!.toString('latin1'))?.[1];
    expect(built(messages[0]!).envelope?.to).toEqual([READER.email]);
    const b = boundaryOf(messages[0]!);
    expect(b?.startsWith(BOUNDARY_PREFIX)).toBe(true);
    expect(BOUNDARY_PREFIX).toMatch(/^=_/);
    expect(b).toContain(baseBoundary(messages[0]!.messageId!));
    expect(boundaryOf(messages[0]!)).toBe(b);
    expect(boundaryOf(messages[1]!)).not.toBe(b);
  });
});
