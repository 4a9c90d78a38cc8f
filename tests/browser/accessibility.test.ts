// axe-core in headless Chromium over every public page of the app and the emails it sends, at 375 and 1280 px:
// no WCAG 2.0/2.1 A or AA violation, a main landmark with all content in landmarks, no horizontal overflow.
// Pages come from a real server on 127.0.0.1 with real data (the bundled sample week, one title made TeX-heavy)
// and a real subscriber journey (SMTP sink). axe is injected with the page's CSP bypassed, for the test only.
// Not audited: /docs (Swagger UI, a third-party page), /archive/feed.xml (XML), /metrics and /healthz (not HTML).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { launchChromium } from '../helpers/browser.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { createPapersRepo } from '../../src/db/papers-repo.js';
import { runIngest } from '../../src/ingest/run-ingest.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SAMPLE = fileURLToPath(new URL('../../src/sample-data/hf-daily/', import.meta.url));
const WIDTHS = [375, 1280] as const;
const ADMIN_TOKEN = 'admin-token-for-the-a11y-test';

// WCAG 2.0 and 2.1, levels A and AA; plus the two landmark rules (axe files them under best practice).
const AXE_RUN = `axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  rules: { 'landmark-one-main': { enabled: true }, region: { enabled: true } },
  resultTypes: ['violations'],
}).then((r) => ({
  rules: r.violations.map((v) => v.id + ': ' + v.help + ' @ ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')),
  checked: r.passes.length + r.violations.length + r.incomplete.length,
  ran: [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map((x) => x.id),
}))`;

const OVERFLOW = `(() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + '.' + el.className),
}))()`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
let smtp: SmtpSink;
let app: TestApp;
let http: FastifyInstance;
let base: string;
const audited: string[] = [];

/** Runs axe on what the page shows now, at each width, and checks the layout fits the screen. */
async function audit(p: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await p.setViewportSize({ width, height: 900 });
    await p.addScriptTag({ content: AXE_SOURCE });
    const r = await p.evaluate<{ rules: string[]; checked: number; ran: string[] }>(AXE_RUN);
    expect(r.ran, 'the landmark rules ran').toEqual(expect.arrayContaining(['landmark-one-main', 'region', 'color-contrast']));
    expect(r.checked, `${name} at ${width} px: axe checked something`).toBeGreaterThan(5);
    expect(r.rules, `${name} at ${width} px`).toEqual([]);
    const m = await p.evaluate<{ scrollWidth: number; innerWidth: number; wide: string[] }>(OVERFLOW);
    expect(m.scrollWidth, `${name} at ${width} px is wider than the screen: ${m.wide.join(', ')}`).toBeLessThanOrEqual(m.innerWidth);
  }
  audited.push(name);
}

async function openAndAudit(path: string, name: string, status = 200): Promise<void> {
  const res = await page.goto(`${base}${path}`);
  expect(res?.status(), name).toBe(status);
  expect(res?.headers()['content-type']).toMatch(/^text\/html/);
  await audit(page, name);
}

/** An email as a mail client shows it: its own HTML, nothing fetched from anywhere. */
async function auditEmail(html: string, name: string): Promise<void> {
  const p = await context.newPage();
  try {
    await p.route('**/*', (route) => route.abort());
    await p.setContent(html, { waitUntil: 'load' });
    await audit(p, name);
  } finally {
    await p.close();
  }
}

function linkIn(text: string, path: string): string {
  const m = new RegExp(`(${base.replace(/[.]/g, '\\.')}${path}\\?token=[A-Za-z0-9._%-]+)`).exec(text);
  if (!m) throw new Error(`no ${path} link in:\n${text.slice(0, 2000)}`);
  return m[1]!;
}

const clock = fixedClock('2026-08-21T06:00:00.000Z');
let digestHtml = '';
let confirmationHtml = '';

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing chromium fails before any work
  // The pages' CSP allows no script: axe is injected from outside, in this context only.
  context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  smtp = await startSmtpSink();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = createTestApp({ SMTP_URL: smtp.url, PUBLIC_BASE_URL: base, FILE_SOURCE_PATH: SAMPLE, SOURCES: 'file', ADMIN_TOKEN }, { clock });
  http = await buildHttpApp(app);
  await http.listen({ host: '127.0.0.1', port });
});

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await app?.cleanup();
  await smtp?.close();
});

describe('every public page and email passes axe-core (WCAG 2.1 AA) at 375 and 1280 px', () => {
  it('the home page, and the page after subscribing', async () => {
    await openAndAudit('/', 'home');
    await page.getByLabel('Email address').fill('reader@example.org');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await audit(page, 'check your inbox');
  });

  it('the home page with a form error', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('Email address').fill('not an address');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByText('does not look right').waitFor();
    await audit(page, 'home with an error');
  });

  it('the confirmation email, the confirm page and the confirmed page', async () => {
    await app.subscriptions.drain();
    await smtp.waitFor(1);
    const confirmation = await smtp.parsed(0);
    confirmationHtml = confirmation.html as string;
    await auditEmail(confirmationHtml, 'confirmation email');
    const confirmUrl = linkIn(confirmation.text ?? '', '/confirm');
    await openAndAudit(confirmUrl.slice(base.length), 'confirm');
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    await audit(page, 'confirmed');
    await openAndAudit('/confirm?token=not-a-real-token', 'confirm with a bad link', 404);
  });

  it('the digest email, with TeX-heavy titles, an arXiv-only card and a topic section', async () => {
    clock.set('2026-08-21T07:00:00.000Z');
    const [ingested] = await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
    expect(ingested?.ok).toBe(true);
    // Titles and summaries as arXiv writes them, so the audit covers bold, italic and math kept as source.
    app.db
      .prepare("UPDATE papers SET title = 'C$^2$KV: \\textbf{GPT-Red} is 7$\\times$ faster on $\\calE = \\calM \\times \\R^d$ — ' || title, ai_summary = 'We propose \\emph{GLoRA}, 4.83$\\times$ faster. ' || coalesce(ai_summary, '')")
      .run();
    // An arXiv-only paper (no counters) that matches the reader's topic.
    createPapersRepo(app.db).upsertBatch(
      'arxiv',
      [
        {
          id: '2608.29999',
          title: 'Quokka: planning with $\\ell_2$-regularised world models',
          abstract: 'We study quokka planners.',
          authors: ['Đorđe Žikelić'],
          publishedAt: '2026-08-21T04:00:00.000Z',
          aiKeywords: [],
          categories: ['cs.AI'],
          arxivUrl: 'https://arxiv.org/abs/2608.29999',
        },
      ],
      '2026-08-21T06:30:00.000Z',
    );
    const reader = app.subscriptions.repo.getByEmail('reader@example.org')!;
    await app.subscriptions.updatePreferences(reader.id, { topics: ['quokka'], timezone: 'UTC', hour: 7, frequency: 'daily', paused: false });
    const run = await runDailyJob(app, { date: '2026-08-21', skipIngest: true });
    expect(run.send?.sent, JSON.stringify(run)).toBe(1);
    await smtp.waitFor(2);
    const digest = await smtp.parsed(1);
    digestHtml = digest.html as string;
    expect(digestHtml).toContain('role="main"');
    expect(digestHtml).toContain('For you: quokka');
    expect(digestHtml).toContain('cs.AI · announced Aug 21, 2026 · new on arXiv');
    await auditEmail(digestHtml, 'digest email');
  });

  it('the preferences page, saved and with an error', async () => {
    const url = linkIn(digestHtml, '/preferences');
    await openAndAudit(url.slice(base.length), 'preferences');
    await page.getByRole('button', { name: /Save/ }).click();
    await page.getByText('Saved.').waitFor();
    await audit(page, 'preferences saved');
    await page.getByLabel('Topics you follow', { exact: false }).fill('x'.repeat(300));
    await page.getByRole('button', { name: /Save/ }).click();
    await page.getByText('Not saved.').waitFor();
    await audit(page, 'preferences with an error');
  });

  it('the feedback pages of a digest\'s "More like this" link, and the preferences page listing papers you like', async () => {
    const link = /href="(http:\/\/127\.0\.0\.1:\d+\/feedback\/[^"/]+\/more\?token=[^"]+)"/.exec(digestHtml)?.[1];
    expect(link, 'a "More like this" link in the digest').toBeDefined();
    await openAndAudit(link!.slice(base.length), 'feedback');
    await page.getByRole('button', { name: 'More like this' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await audit(page, 'feedback saved');
    await openAndAudit(linkIn(digestHtml, '/preferences').slice(base.length), 'preferences with papers you like');
    await page.getByLabel('arXiv ids or links', { exact: false }).fill('2608.99999\nnot an id');
    await page.getByRole('button', { name: 'Add papers' }).click();
    await page.getByText('Added 1 paper to your profile.').waitFor();
    await audit(page, 'preferences: papers added');
  });

  it('the unsubscribe page and the unsubscribed page', async () => {
    const url = linkIn(digestHtml, '/unsubscribe');
    await openAndAudit(url.slice(base.length), 'unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await audit(page, 'unsubscribed');
    await openAndAudit('/unsubscribe?token=bad', 'unsubscribe with a bad link', 404);
  });

  it('the archive: index and an edition', async () => {
    await openAndAudit('/archive', 'archive index');
    await openAndAudit('/archive/2026-08-21', 'archive edition');
    expect(await page.content()).toContain('<strong>GPT-Red</strong>');
    await openAndAudit('/archive/2001-01-01', 'archive: no such edition', 404);
  });

  it('a page that does not exist', async () => {
    await openAndAudit('/no-such-page', 'not found', 404);
  });

  // The dashboard behind it is for the operator, not the public (its run table is wider than a phone).
  it('the admin sign-in page', async () => {
    await openAndAudit('/admin', 'admin sign-in', 401);
    await page.getByLabel(/token/i).fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: /Sign in/i }).click();
    await page.getByText('That token is not right.').waitFor();
    await audit(page, 'admin sign-in with an error');
  });

  it('covered every page it meant to', () => {
    expect(audited).toEqual([
      'home', 'check your inbox', 'home with an error', 'confirmation email', 'confirm', 'confirmed', 'confirm with a bad link',
      'digest email', 'preferences', 'preferences saved', 'preferences with an error', 'feedback', 'feedback saved',
      'preferences with papers you like', 'preferences: papers added', 'unsubscribe', 'unsubscribed',
      'unsubscribe with a bad link', 'archive index', 'archive edition', 'archive: no such edition', 'not found', 'admin sign-in',
      'admin sign-in with an error',
    ]);
  });
});
