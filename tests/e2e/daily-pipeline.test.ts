// The whole daily job end to end: sample week → database → rank → MJML → real SMTP server → unsubscribe link.
// One file for both engines: the real app on a SQLite file, and on a fresh PostgreSQL database opened from
// DATABASE_URL (openApp), when a server answers (the `postgres` project requires one: tests/helpers/engines.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAppOn, type TestAppOn } from '../helpers/app.js';
import { sql, testEngines } from '../helpers/engines.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HF_FIXTURES, testConfig } from '../helpers/app.js';
import { createSources } from '../../src/ingest/sources/index.js';

describe.each(testEngines())('daily pipeline against a real SMTP server, on $name', ({ name: engine }) => {
  let smtp: SmtpSink;
  let app: TestAppOn;
  const clock = fixedClock('2026-08-21T07:00:00.000Z');

  beforeEach(async () => {
    smtp = await startSmtpSink();
    app = await createTestAppOn(engine, { SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '2' }, { clock });
    // Only the sample week: the other fixtures are older and would just widen the candidate set.
    const now = clock.now().toISOString();
    await app.store.createSubscriber({ email: 'ada@example.org', status: 'active', now });
    await app.store.createSubscriber({ email: 'grace@example.org', status: 'active', now });
    await app.store.createSubscriber({ email: 'pending@example.org', status: 'pending', now });
  });
  afterEach(async () => {
    await app.cleanup();
    await smtp.close();
  });

  it('mails every active subscriber a multipart digest in rank order, and the unsubscribe link works', async () => {
    expect(app.store.engine).toBe(engine);
    const first = await runDailyJob(app, { date: '2026-08-21' });
    expect(first.edition.status).toBe('ready');
    expect(first.send?.sent).toBe(2);
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(['ada@example.org', 'grace@example.org']);

    const mail = await smtp.parsed(smtp.messages.findIndex((m) => m.to[0] === 'ada@example.org'));
    expect(mail.html).toBeTruthy();
    expect(mail.text).toBeTruthy();

    // The sample's 2026-08-21 papers are the freshest; the digest's first paper is the one ranked first.
    const edition = (await app.store.readyEdition('2026-08-21'))!;
    expect(edition.id).toBe(first.edition.id);
    const top = [...edition.papers].sort((a, b) => a.rank - b.rank).slice(0, 3);
    expect(top).toHaveLength(3);
    const ranked = await Promise.all(top.map(async (p) => ({ title: (await app.store.getPaper(p.paperId))!.title })));
    const html = mail.html as string;
    const positions = ranked.map((r) => html.indexOf(r.title.replace(/&/g, '&amp;')));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The most upvoted paper of the last day of the sample is in the email.
    const lastDay = JSON.parse(readFileSync(join(HF_FIXTURES, '2026-08-21.json'), 'utf8')) as { paper: { title: string; upvotes: number } }[];
    const best = lastDay.sort((a, b) => b.paper.upvotes - a.paper.upvotes)[0]!.paper.title;
    expect(mail.text).toContain(best.replace(/\s+/g, ' '));

    // Follow the unsubscribe link from the header through the real app.
    const line = mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r?\n\s+/g, ' ');
    const url = new URL(/<(https:[^>]+)>/.exec(line)![1]!);
    expect(url.origin).toBe('https://papers.example.org');
    expect(html).toContain(url.pathname + url.search.replace(/&/g, '&amp;'));
    const http = await buildHttpApp(app);
    const res = await http.inject({
      method: 'POST',
      url: url.pathname + url.search,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
    await http.close();
    expect((await app.store.getSubscriberByEmail('ada@example.org'))!.status).toBe('unsubscribed');

    // Re-running the same day sends nothing twice.
    const again = await runDailyJob(app, { date: '2026-08-21' });
    expect(again.edition.created).toBe(false);
    expect(smtp.messages).toHaveLength(2);

    // A new day with new papers: only the remaining subscriber gets mail.
    // Behind the app's back, as another ingest would: five of the last day's papers move to the next day.
    await sql(app.location, "UPDATE papers SET daily_date = '2026-08-22' WHERE id IN (SELECT id FROM papers WHERE daily_date = '2026-08-21' LIMIT 5)");
    clock.set('2026-08-22T07:00:00.000Z');
    const next = await runDailyJob(app, { date: '2026-08-22', skipIngest: true });
    expect(next.edition.status).toBe('ready');
    expect(smtp.messages.slice(2).map((m) => m.to[0])).toEqual(['grace@example.org']);
  });
});

describe.each(testEngines())('a day whose ingest failed, on $name', ({ name: engine }) => {
  it('records an empty edition, and running the day again once the source works sends it', async () => {
    const smtp = await startSmtpSink();
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    const app = await createTestAppOn(engine, { SMTP_URL: smtp.url, FILE_SOURCE_PATH: join(HF_FIXTURES, 'missing-folder') }, { clock });
    try {
      await app.store.createSubscriber({ email: 'ada@example.org', status: 'active', now: clock.now().toISOString() });
      const failed = await runDailyJob(app, { date: '2026-08-21' });
      expect(failed.ingest.every((i) => !i.ok)).toBe(true);
      expect(failed.edition).toMatchObject({ status: 'empty', reason: 'every source failed to ingest' });
      expect(smtp.messages).toHaveLength(0);

      // The operator fixes the feed and runs the day again: the empty edition is replaced, the digest goes out.
      const fixed = await runDailyJob({ ...app, sources: () => createSources(testConfig(app.dir), { fetch }) }, { date: '2026-08-21' });
      expect(fixed.edition).toMatchObject({ status: 'ready', created: true });
      expect(smtp.messages.map((m) => m.to[0])).toEqual(['ada@example.org']);

      // A ready edition stays frozen: a third run sends nothing more.
      const third = await runDailyJob(app, { date: '2026-08-21', skipIngest: true });
      expect(third.edition.created).toBe(false);
      expect(smtp.messages).toHaveLength(1);
    } finally {
      await app.cleanup();
      await smtp.close();
    }
  });
});
