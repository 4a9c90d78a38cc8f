// The mailer interface and its two transports: a pooled SMTP connection, or an outbox folder of .eml files.
// Both go through nodemailer, so headers and DKIM signing are identical whichever is used.
// Settings are checked when a mailer is built (sender, DKIM key), so a bad one fails at boot, not at 7 am.
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { parseSender, toNodemailer, type OutgoingMessage } from './message.js';
import { AppError } from '../lib/errors.js';
import { systemClock, type Clock } from '../lib/clock.js';

export interface SendResult {
  messageId: string;
  response: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey?: string | undefined;
  privateKeyPath?: string | undefined;
}

export interface MailerSettings {
  from: string;
  replyTo?: string | undefined;
  dkim?: DkimSettings | undefined;
  /** Source of the Date header when a message does not carry one. */
  clock?: Clock | undefined;
}

/** Headers the DKIM signature must cover: nodemailer's defaults, which include every List-* header we send. */
export const DKIM_SIGNED_LIST_HEADERS = ['List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post'] as const;

function dkimOptions(d: DkimSettings | undefined) {
  if (!d) return undefined;
  let privateKey: string;
  try {
    privateKey = d.privateKey ?? readFileSync(d.privateKeyPath!, 'utf8');
    const key = createPrivateKey(privateKey);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519') throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  } catch (err) {
    throw new AppError('DKIM_KEY_INVALID', `DKIM private key cannot be used: ${(err as Error).message}`, { cause: err });
  }
  // nodemailer ≥ 10.6.1 signs List-Id, List-Unsubscribe and List-Unsubscribe-Post by default (its
  // default header list); we rely on that default rather than restating it.
  return { domainName: d.domainName, keySelector: d.keySelector, privateKey };
}

function compose(s: MailerSettings) {
  const from = parseSender(s.from);
  const clock = s.clock ?? systemClock;
  return (m: OutgoingMessage) => toNodemailer(m, from, s.replyTo, clock.now());
}

export interface SmtpPoolSettings {
  dkim?: DkimSettings | undefined;
  maxConnections: number;
  ratePerSecond: number;
  socketTimeoutMs?: number | undefined;
}

/** nodemailer's pooled SMTP transport with our settings (also the benchmark's baseline, so both use the same pool). */
export function createSmtpTransport(url: string, s: SmtpPoolSettings): Transporter {
  return nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: s.maxConnections,
    maxMessages: 1000,
    ...(s.ratePerSecond > 0 ? { rateDelta: 1000, rateLimit: s.ratePerSecond } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: s.socketTimeoutMs ?? 60_000,
    dkim: dkimOptions(s.dkim),
  } as TransportOptions);
}

export function createSmtpMailer(url: string, s: MailerSettings & SmtpPoolSettings): Mailer {
  const transport = createSmtpTransport(url, s);
  const build = compose(s);
  return {
    kind: 'smtp',
    async send(m) {
      const info = await transport.sendMail(build(m));
      return { messageId: info.messageId, response: String(info.response ?? '') };
    },
    async close() {
      transport.close();
    },
  };
}

/** Writes every message as a complete .eml (opens in any mail client) plus its HTML, for the demo and dev. */
export function createOutboxMailer(dir: string, s: MailerSettings): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix', dkim: dkimOptions(s.dkim) });
  const build = compose(s);
  let counter = 0;
  return {
    kind: 'outbox',
    async send(m) {
      await mkdir(dir, { recursive: true });
      const info = await transport.sendMail(build(m));
      // Wall time, not the injected clock: file names must stay unique across runs of a fixed-clock demo.
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const safeTo = m.to.replace(/[^a-zA-Z0-9@._-]/g, '_');
      const base = join(dir, `${stamp}-${String(++counter).padStart(4, '0')}-${safeTo}`);
      await writeFile(`${base}.eml`, info.message as Buffer);
      await writeFile(`${base}.html`, m.html);
      return { messageId: info.messageId, response: `written to ${base}.eml` };
    },
    async close() {},
  };
}
