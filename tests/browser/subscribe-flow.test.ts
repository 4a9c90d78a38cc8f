// End to end in headless Chromium against the app on a real 127.0.0.1 port and a real SMTP server:
// subscribe on the home page → confirmation email → confirm → daily job → digest → its unsubscribe link →
// unsubscribe → the next run sends nothing to that address. Screenshots go to artifacts/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';

const SCREENSHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../src/sample-data/hf-daily/', import.meta.url));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const clock = fixedClock('2026-08-21T06:00:00.000Z');
let smtp: SmtpSink;
let app: TestApp;
let http: FastifyInstance;
let browser: Browser;
let base: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing chromium fails before any work
  mkdirSync(SCREENSHOTS, { recursive: true });
  smtp = await startSmtpSink();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = createTestApp({ SMTP_URL: smtp.url, PUBLIC_BASE_URL: base, FILE_SOURCE_PATH: SAMPLE, SOURCES: 'file' }, { clock });
  http = await buildHttpApp(app);
  await http.listen({ host: '127.0.0.1', port });
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await app?.cleanup();
  await smtp?.close();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

function linkIn(text: string, path: string): string {
  const m = new RegExp(`(${base.replace(/[.]/g, '\\.')}${path}\\?token=[A-Za-z0-9._%-]+)`).exec(text);
  if (!m) throw new Error(`no ${path} link in:\n${text.slice(0, 2000)}`);
  return m[1]!;
}

describe('subscriber journey in a real browser', () => {
  it('subscribes, confirms, receives the digest, unsubscribes with one click, and gets nothing more', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    // Home page → subscribe (no JavaScript involved: a plain form post).
    await page.goto(`${base}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await shot(page, '01-home');
    await page.getByLabel('Email address').fill('reader@example.org');
    await page.getByLabel(/Topics you follow/).fill('agents, reasoning');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await shot(page, '02-check-inbox');

    // The confirmation email arrives at the SMTP server.
    await app.subscriptions.drain();
    await smtp.waitFor(1);
    expect(smtp.messages[0]!.to).toEqual(['reader@example.org']);
    const confirmation = await smtp.parsed(0);
    const confirmUrl = linkIn(confirmation.text ?? '', '/confirm');
    expect(confirmation.html).toContain(confirmUrl);

    // Opening the link shows a button; only pressing it confirms.
    await page.goto(confirmUrl);
    await page.getByRole('button', { name: 'Confirm subscription' }).waitFor();
    await shot(page, '03-confirm');
    expect(app.subscriptions.repo.getByEmail('reader@example.org')!.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    await shot(page, '04-confirmed');
    const reader = app.subscriptions.repo.getByEmail('reader@example.org')!;
    expect(reader.status).toBe('active');
    expect(app.subscriptions.repo.topics(reader.id)).toEqual(['agents', 'reasoning']);

    // The daily job on the bundled sample, at a fixed time: the digest arrives.
    app.subscriptions.repo.create({ email: 'other@example.org', status: 'active', now: clock.now().toISOString() });
    clock.set('2026-08-21T07:00:00.000Z');
    const first = await runDailyJob(app, { date: '2026-08-21' });
    expect(first.edition.status).toBe('ready');
    expect(first.send?.sent).toBe(2);
    const digestIndex = smtp.messages.findIndex((m) => m.to[0] === 'reader@example.org' && m !== smtp.messages[0]);
    expect(digestIndex).toBeGreaterThan(0);
    const digest = await smtp.parsed(digestIndex);
    const header = digest.headerLines.find((l) => l.key === 'list-unsubscribe')!.line;
    const unsubscribeUrl = linkIn(header, '/unsubscribe');
    expect(digest.headerLines.find((l) => l.key === 'list-unsubscribe-post')!.line).toMatch(/List-Unsubscribe=One-Click/);
    expect(digest.html).toContain(unsubscribeUrl);

    // The preferences page linked from the digest.
    await page.goto(linkIn(digest.html as string, '/preferences'));
    await page.getByRole('heading', { name: 'Your preferences' }).waitFor();
    await expect(page.getByLabel('Topics you follow', { exact: false }).inputValue()).resolves.toBe('agents, reasoning');
    await shot(page, '05-preferences');

    // Its unsubscribe link: a page with a button, then one click.
    await page.goto(unsubscribeUrl);
    await page.getByRole('button', { name: 'Unsubscribe' }).waitFor();
    await shot(page, '06-unsubscribe');
    expect(app.subscriptions.repo.get(reader.id)!.status).toBe('active');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await shot(page, '07-unsubscribed');
    expect(app.subscriptions.repo.get(reader.id)!.status).toBe('unsubscribed');

    // The next day's run sends to the other subscriber only.
    const before = smtp.messages.length;
    app.db.prepare("UPDATE papers SET daily_date = '2026-08-22' WHERE id IN (SELECT id FROM papers WHERE daily_date = '2026-08-21' LIMIT 5)").run();
    clock.set('2026-08-22T07:00:00.000Z');
    const next = await runDailyJob(app, { date: '2026-08-22', skipIngest: true });
    expect(next.edition.status).toBe('ready');
    expect(smtp.messages.slice(before).map((m) => m.to[0])).toEqual(['other@example.org']);

    // Pages on a phone-sized screen, and the API documentation.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    small.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await small.goto(`${base}/`);
    await shot(small, '08-home-phone');
    await small.goto(linkIn(digest.html as string, '/preferences'));
    await shot(small, '09-preferences-phone');
    const overflow = await small.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    const dark = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const night = await dark.newPage();
    await night.goto(linkIn(digest.html as string, '/preferences'));
    await shot(night, '11-preferences-phone-dark');
    await dark.close();
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 15_000 });
    await shot(page, '10-docs');
    await phone.close();
    await context.close();

    // The strict CSP blocked nothing our pages needed.
    expect(consoleErrors).toEqual([]);
  });
});
