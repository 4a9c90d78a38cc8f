// Shared set-up for the HTTP tests: the real app on a temp SQLite file (or, asked for, a fresh PostgreSQL database),
// a real SMTP server in-process, and helpers that read confirmation links out of the emails it received.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createTestAppOn, type TestAppOn } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Engine } from '../../src/db/store.js';
import { signSubscriberToken } from '../../src/lib/tokens.js';

export interface HttpHarness {
  app: TestAppOn;
  http: FastifyInstance;
  smtp: SmtpSink;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, o: { clock?: Clock; engine?: Engine } = {}): Promise<HttpHarness> {
  const smtp = await startSmtpSink();
  const app = await createTestAppOn(o.engine ?? 'sqlite', { SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '2', SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000', ...env }, o.clock ? { clock: o.clock } : {});
  const http = await buildHttpApp(app);
  return {
    app,
    http,
    smtp,
    async close() {
      await http.close();
      await app.cleanup();
      await smtp.close();
    },
  };
}

export const SECRET = 'test-secret-test-secret-test-secret-0123';
export const unsubscribeToken = (id: number) => signSubscriberToken(SECRET, 'unsubscribe', id);
export const preferencesToken = (id: number) => signSubscriberToken(SECRET, 'preferences', id);

/** The confirmation token in the message at `index` of the SMTP sink (from the plain-text part). */
export async function confirmTokenFromMail(h: HttpHarness, index: number): Promise<string> {
  const mail = await h.smtp.parsed(index);
  const url = /(https:\/\/\S+\/confirm\?token=[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  if (!url) throw new Error(`no confirmation link in message ${index}`);
  return new URL(url).searchParams.get('token')!;
}

/** Subscribes through the API, waits for the confirmation email, returns its token and the subscriber id. */
export async function subscribeAndReadToken(h: HttpHarness, email: string): Promise<{ token: string; id: number }> {
  const before = h.smtp.messages.length;
  const res = await h.http.inject({ method: 'POST', url: '/api/subscriptions', payload: { email } });
  if (res.statusCode !== 202) throw new Error(`subscribe answered ${res.statusCode}: ${res.body}`);
  await h.app.subscriptions.drain();
  await h.smtp.waitFor(before + 1);
  const token = await confirmTokenFromMail(h, before);
  return { token, id: (await h.app.store.getSubscriberByEmail(email))!.id };
}

export const form = (fields: Record<string, string>): Pick<InjectOptions, 'headers' | 'payload'> => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

/** A browser form post from our own page (what Chromium sends). */
export const browserForm = (fields: Record<string, string>): Pick<InjectOptions, 'headers' | 'payload'> => ({
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'text/html,application/xhtml+xml',
    origin: 'https://papers.example.org',
    'sec-fetch-site': 'same-origin',
  },
  payload: new URLSearchParams(fields).toString(),
});

export function multipart(fields: Record<string, string>, boundary = '----vitestBoundary7MA4YWxkTrZu0gW'): Pick<InjectOptions, 'headers' | 'payload'> {
  const body =
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}--\r\n`;
  return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body };
}

/** A stack trace or a source location in a response body: never acceptable. */
export const LEAK = /\n\s+at\s|node_modules|\.ts:\d+|\.js:\d+:\d+|SqliteError|ZodError|TypeError|ReferenceError/;
