// Deliverability, as CI checks it (`npm run check:email`): SpamAssassin from Debian scores the real digest
// and confirmation messages at 1.0 or less; a 20-paper digest stays under 100 KB of HTML; every link is
// absolute https with the production configuration. Fails loudly — never skips — without spamassassin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { renderConfirmation } from '../../src/digest/render.js';
import { SAMPLE_DATE, SAMPLE_NOW } from '../../src/digest/sample-edition.js';
import { linksIn } from '../digest/sample-edition.js';
import { readFileSync } from 'node:fs';
import { runIngest } from '../../src/ingest/run-ingest.js';

const MAX_SCORE = 1.0;

function spamassassinPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v spamassassin'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('spamassassin is not installed: the deliverability check cannot run (Debian: apt-get install spamassassin)');
  }
}

/** `spamassassin -L -t`: local rules only (no network), report appended. Returns the score and rules hit. */
function spamScore(bin: string, raw: Buffer): Promise<{ score: number; tests: string; report: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['-L', '-t'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', reject);
    p.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      const status = /^X-Spam-Status: (?:Yes|No), score=(-?\d+(?:\.\d+)?)[^\n]*(?:\n[ \t][^\n]*)*/m.exec(text);
      if (!status) return reject(new Error(`spamassassin (exit ${code}) printed no X-Spam-Status: ${Buffer.concat(err).toString('utf8').slice(0, 500)}`));
      const tests = /tests=([\s\S]*?)\s+autolearn=/.exec(status[0])?.[1]?.replace(/\s+/g, '') ?? '';
      const report = text.slice(text.lastIndexOf('Content analysis details'));
      resolve({ score: Number(status[1]), tests, report });
    });
    p.stdin.end(raw);
  });
}

/** The sample week with every title and summary replaced by real TeX-heavy ones (tests/fixtures/tex/real-strings.json). */
async function texHeavyDigest(smtp: SmtpSink): Promise<{ app: TestApp; raw: Buffer }> {
  const real = (JSON.parse(readFileSync(new URL('../fixtures/tex/real-strings.json', import.meta.url), 'utf8')) as { strings: { field: string; tex: string }[] }).strings;
  const titles = real.filter((r) => r.field === 'title').map((r) => r.tex);
  const summaries = real.filter((r) => r.field !== 'title').map((r) => r.tex);
  const app = createTestApp({ NODE_ENV: 'production', SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '1', DIGEST_SIZE: '20' }, { clock: fixedClock(SAMPLE_NOW) });
  const [ingested] = await runIngest({ ...app, sources: app.sources() }, { days: 7 });
  expect(ingested?.ok).toBe(true);
  const ids = app.db.prepare('SELECT id FROM papers ORDER BY id').pluck().all() as string[];
  const update = app.db.prepare('UPDATE papers SET title = ?, ai_summary = ? WHERE id = ?');
  ids.forEach((id, i) => update.run(titles[i % titles.length], summaries[i % summaries.length], id));
  app.subscriptions.repo.create({ email: 'tex@example.org', status: 'active', now: SAMPLE_NOW });
  const before = smtp.messages.length;
  const out = await runDailyJob(app, { date: SAMPLE_DATE, skipIngest: true });
  expect(out.send?.sent).toBe(1);
  return { app, raw: smtp.messages[before]!.raw };
}

describe('deliverability (SpamAssassin, size, links) with the production configuration', () => {
  let bin: string;
  let smtp: SmtpSink;
  let app: TestApp;
  let texApp: TestApp;
  let digest: Buffer;
  let confirmation: Buffer;
  let texDigest: Buffer;
  // The messages are scored at once (~3 s each on an idle machine): started in beforeAll, checked below.
  type Score = Awaited<ReturnType<typeof spamScore>>;
  let scores: Promise<[Score, Score, Score]>;

  beforeAll(async () => {
    bin = spamassassinPath();
    smtp = await startSmtpSink();
    app = createTestApp(
      { NODE_ENV: 'production', SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '1', DIGEST_SIZE: '20', UNSUBSCRIBE_MAILTO: 'unsubscribe@papers.example.org' },
      { clock: fixedClock(SAMPLE_NOW) },
    );
    app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now: SAMPLE_NOW, topics: ['agents', 'diffusion'] });
    app.subscriptions.repo.create({ email: 'grace@example.org', status: 'active', now: SAMPLE_NOW });
    const out = await runDailyJob(app, { date: SAMPLE_DATE });
    expect(out.send?.sent).toBe(2);
    digest = smtp.messages.find((m) => m.to[0] === 'grace@example.org')!.raw;
    const c = await renderConfirmation(
      { publicBaseUrl: app.config.publicBaseUrl, ttlHours: app.config.subscriptions.confirmTtlHours },
      `${app.config.publicBaseUrl}/confirm?token=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5`,
    );
    await app.mailer.send({ to: 'new@example.org', ...c });
    confirmation = smtp.messages.at(-1)!.raw;
    ({ app: texApp, raw: texDigest } = await texHeavyDigest(smtp));
    scores = Promise.all([spamScore(bin, digest), spamScore(bin, confirmation), spamScore(bin, texDigest)]);
    scores.catch(() => {}); // reported by the tests that await it
  }, 120_000);
  afterAll(async () => {
    await app?.cleanup();
    await texApp?.cleanup();
    await smtp?.close();
  });

  it(`scores the digest at ${MAX_SCORE} or less`, async () => {
    const [r] = await scores;
    expect(r.score, `rules hit: ${r.tests}\n${r.report}`).toBeLessThanOrEqual(MAX_SCORE);
  }, 120_000);

  it(`scores the confirmation email at ${MAX_SCORE} or less`, async () => {
    const [, r] = await scores;
    expect(r.score, `rules hit: ${r.tests}\n${r.report}`).toBeLessThanOrEqual(MAX_SCORE);
  }, 120_000);

  it(`scores a digest of TeX-heavy real titles and abstracts at ${MAX_SCORE} or less, readable and under 100 KB`, async () => {
    const [, , r] = await scores;
    expect(r.score, `rules hit: ${r.tests}\n${r.report}`).toBeLessThanOrEqual(MAX_SCORE);
    const mail = await simpleParser(texDigest);
    const html = mail.html as string;
    expect((html.match(/class="card"/g) ?? []).length).toBe(20);
    expect(html).toContain('Approximation Error Upper and Lower Bounds for Hölder Class with Transformers');
    expect(html).not.toMatch(/\\(textbf|emph|times|beta|ell|mathsf|unicode)\b|\$\^/);
    expect(mail.subject).not.toMatch(/[\\$^]/);
    expect(mail.text).not.toMatch(/\\(textbf|emph|times|beta|ell|mathsf)\b/);
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
  }, 120_000);

  it('keeps the 20-paper digest under 100 KB of HTML, every link absolute https', async () => {
    const mail = await simpleParser(digest);
    const html = mail.html as string;
    expect((html.match(/class="card"/g) ?? []).length).toBe(20);
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
    // The reader with topics gets more than 20 papers; that digest must fit too.
    const withTopics = await simpleParser(smtp.messages.find((m) => m.to[0] === 'ada@example.org')!.raw);
    expect(Buffer.byteLength(withTopics.html as string)).toBeLessThan(100 * 1024);
    for (const m of [mail, withTopics, await simpleParser(confirmation)]) {
      const links = linksIn(m.html as string);
      expect(links.length).toBeGreaterThan(0);
      for (const l of links) expect(l, l).toMatch(/^https:\/\/\S+$/);
    }
  });
});
