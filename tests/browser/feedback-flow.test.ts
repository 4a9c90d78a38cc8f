// A reader clicks "More like this" in a rendered digest (a real email from a real SMTP exchange), confirms on the page
// in Chromium, and the next edition's digest has a "Picked for you" section built from that paper. Real server on
// 127.0.0.1, the bundled sample week, an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../helpers/browser.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { runIngest } from '../../src/ingest/run-ingest.js';

const SAMPLE = fileURLToPath(new URL('../../src/sample-data/hf-daily/', import.meta.url));
const clock = fixedClock('2026-08-20T07:00:00.000Z');
let browser: Browser;
let smtp: SmtpSink;
let app: TestApp;
let http: FastifyInstance;

beforeAll(async () => {
  browser = await launchChromium();
  smtp = await startSmtpSink();
  // The links in the emails must reach this server: bind first, then build the app with its address.
  const probe = await buildProbe();
  app = createTestApp({ SMTP_URL: smtp.url, PUBLIC_BASE_URL: `http://127.0.0.1:${probe}`, FILE_SOURCE_PATH: SAMPLE, SOURCES: 'file', PICKED_SECTION_SIZE: '3' }, { clock });
  http = await buildHttpApp(app);
  await http.listen({ host: '127.0.0.1', port: probe });
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await app?.cleanup();
  await smtp?.close();
});

async function buildProbe(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('More like this, from the inbox to the next digest', () => {
  it('clicking "More like this" in a digest makes the next edition pick papers like it', async () => {
    const reader = app.subscriptions.repo.create({ email: 'reader@example.org', status: 'active', now: clock.now().toISOString(), topics: [] });
    await runIngest({ ...app, sources: app.sources('file') }, {});
    const first = await runDailyJob(app, { date: '2026-08-20', skipIngest: true });
    expect(first.send?.sent, JSON.stringify(first)).toBe(1);
    await smtp.waitFor(1);
    const digest1 = await smtp.parsed(0);
    const html1 = digest1.html as string;
    expect(html1).not.toContain('Picked for you');

    // The first card's link, as the mail client shows it.
    const m = /<h3 class="paper-title"[^>]*><a href="[^"]*"[^>]*>([^<]+)<\/a>[\s\S]*?href="([^"]+\/feedback\/[^"/]+\/more\?token=[^"]+)"/.exec(html1);
    expect(m, 'a card with a "More like this" link').not.toBeNull();
    const [, likedTitle, link] = m!;
    const page = await browser.newPage();
    try {
      await page.goto(link!.replace(/&amp;/g, '&'));
      // The GET alone changed nothing: a scanner opening the link records nothing.
      expect(await app.profiles.list(reader)).toEqual([]);
      await page.getByRole('button', { name: 'More like this' }).click();
      await page.getByRole('heading', { name: 'Thank you' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain('Saved: more papers like this one.');
    } finally {
      await page.close();
    }
    expect((await app.profiles.list(reader)).map((p) => p.signal)).toEqual([1]);

    clock.set('2026-08-21T07:00:00.000Z');
    const second = await runDailyJob(app, { date: '2026-08-21', skipIngest: true });
    expect(second.send?.sent, JSON.stringify(second)).toBe(1);
    await smtp.waitFor(2);
    const digest2 = await smtp.parsed(1);
    expect(digest2.html as string).toContain('>Picked for you<');
    expect(digest2.text).toContain('PICKED FOR YOU');
    // Each picked paper says why, naming the paper the reader liked.
    const shortTitle = likedTitle!.trim().slice(0, 30);
    expect(digest2.text).toMatch(new RegExp(`Why: like a paper you saved: “${shortTitle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
