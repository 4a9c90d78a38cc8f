// The mailer interface and its two transports: a pooled SMTP connection, or an outbox folder of .eml files.
// Both go through nodemailer, so headers and DKIM signing are identical whichever is used.
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toNodemailer, type OutgoingMessage } from './message.js';

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
}

function dkimOptions(d: DkimSettings | undefined) {
  if (!d) return undefined;
  const privateKey = d.privateKey ?? readFileSync(d.privateKeyPath!, 'utf8');
  // nodemailer ≥ 10.6.1 signs List-Unsubscribe and List-Unsubscribe-Post by default.
  return { domainName: d.domainName, keySelector: d.keySelector, privateKey };
}

export function createSmtpMailer(
  url: string,
  s: MailerSettings & { maxConnections: number; ratePerSecond: number; socketTimeoutMs?: number },
): Mailer {
  const transport: Transporter = nodemailer.createTransport({
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
  return {
    kind: 'smtp',
    async send(m) {
      const info = await transport.sendMail(toNodemailer(m, s.from, s.replyTo));
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
  let counter = 0;
  return {
    kind: 'outbox',
    async send(m) {
      await mkdir(dir, { recursive: true });
      const info = await transport.sendMail(toNodemailer(m, s.from, s.replyTo));
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
