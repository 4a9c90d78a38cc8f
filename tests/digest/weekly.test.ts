// Weekly readers, replayed over two real weeks (2026-08-10 … 23) through the real HF source, the daily job and a
// real SMTP server, with WEEKLY_DIGEST_DAY=sunday: a weekly reader gets one email a week, on Sunday — the best
// of the past 7 days by growth over the week, none they already had — with its own subject and heading; daily
// readers get exactly what they would get without any weekly reader.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { recordedDay, serveRecordedHfDays } from '../helpers/hf-days.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { addDays } from '../../src/digest/schedule.js';
import { digestSubject, weekLabel } from '../../src/digest/subject.js';
import { loadConfig } from '../../src/config.js';
import type { Section } from '../../src/rank/select.js';

const FIRST = '2026-08-10'; // a Monday
const LAST = '2026-08-23'; // the second Sunday
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function replay(readers: { email: string; frequency: 'daily' | 'weekly' }[]) {
  const server = await startFixtureServer();
  const smtp: SmtpSink = await startSmtpSink();
  const clock = fixedClock(`${FIRST}T07:00:00.000Z`);
  serveRecordedHfDays(server, clock);
  const app = createTestApp({ SOURCES: 'hf', HF_BASE_URL: server.url, HTTP_RETRIES: '0', SMTP_URL: smtp.url, WEEKLY_DIGEST_DAY: 'sunday' }, { clock });
  cleanups.push(() => server.close(), () => smtp.close(), () => app.cleanup());
  const ids = new Map<string, number>();
  for (const r of readers) {
    const id = app.subscriptions.repo.create({ email: r.email, status: 'active', now: clock.now().toISOString() });
    app.subscriptions.repo.setPreferences(id, { timezone: null, hour: null, frequency: r.frequency, paused: false }, clock.now().toISOString());
    ids.set(r.email, id);
  }
  const mailsOn = new Map<string, string[]>();
  for (let date = FIRST; date <= LAST; date = addDays(date, 1)) {
    clock.set(`${date}T07:00:00.000Z`);
    const before = smtp.messages.length;
    await runDailyJob(app, { date });
    mailsOn.set(date, smtp.messages.slice(before).flatMap((m) => m.to));
  }
  return { app, smtp, ids, mailsOn };
}

function selection(app: TestApp, date: string, subscriberId: number): Section[] {
  const row = app.db
    .prepare('SELECT d.selection_json FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE e.date = ? AND d.subscriber_id = ?')
    .get(date, subscriberId) as { selection_json: string } | undefined;
  return row ? (JSON.parse(row.selection_json) as Section[]) : [];
}

/**
 * The week's best as the fixtures say it, independently of src/rank: growth over the 7 days up to the end of
 * `date` — a paper listed in the week gained everything it has; one listed before gained what it added since
 * (only the climbers did). Upvotes plus TREND_COMMENT_WEIGHT × comments; ties: newer first, then id.
 */
function weeksBest(date: string, exclude: ReadonlySet<string>): string[] {
  const w = loadConfig({}).trend.commentWeight;
  const start = addDays(date, -6);
  const first = new Map<string, { value: number; day: string }>();
  const latest = new Map<string, { value: number; day: string }>();
  for (let d = addDays(date, -30); d <= date; d = addDays(d, 1))
    for (const i of recordedDay(d)) {
      const v = { value: (i.paper.upvotes ?? 0) + w * (i.numComments ?? 0), day: d };
      if (!first.has(i.paper.id)) first.set(i.paper.id, v);
      latest.set(i.paper.id, v);
    }
  const growth = [...latest].map(([id, l]) => {
    const f = first.get(id)!;
    return { id, day: f.day, growth: f.day >= start ? l.value : l.value - f.value };
  });
  return growth
    .filter((g) => g.growth > 0 && !exclude.has(g.id))
    .sort((a, b) => b.growth - a.growth || (a.day < b.day ? 1 : a.day > b.day ? -1 : 0) || (a.id < b.id ? -1 : 1))
    .map((g) => g.id);
}

describe('weekly editions', () => {
  it('a weekly reader gets the week\'s best on their weekday, none already sent, with its own subject and heading; daily readers are unaffected', async () => {
    const { app, smtp, ids, mailsOn } = await replay([
      { email: 'daily@example.org', frequency: 'daily' },
      { email: 'weekly@example.org', frequency: 'weekly' },
    ]);
    const weekly = ids.get('weekly@example.org')!;
    const size = app.config.digest.size;

    // One email a week, on Sunday — the day HF has no list, so there is no daily edition to ride on.
    const weeklyDays = [...mailsOn].filter(([, to]) => to.includes('weekly@example.org')).map(([d]) => d);
    expect(weeklyDays).toEqual(['2026-08-16', '2026-08-23']);
    const dailyDays = [...mailsOn].filter(([, to]) => to.includes('daily@example.org')).map(([d]) => d);
    expect(dailyDays).toEqual(['2026-08-10', '2026-08-11', '2026-08-12', '2026-08-13', '2026-08-14', '2026-08-17', '2026-08-18', '2026-08-19', '2026-08-20', '2026-08-21']);

    // The week's best by growth over the week, none already sent: the second week excludes the first's papers.
    const week1 = selection(app, '2026-08-16', weekly);
    const week2 = selection(app, '2026-08-23', weekly);
    expect(week1[0]!.papers.map((p) => p.id)).toEqual(weeksBest('2026-08-16', new Set()).slice(0, size));
    const had = new Set(week1.flatMap((s) => s.papers.map((p) => p.id)));
    expect(week2[0]!.papers.map((p) => p.id)).toEqual(weeksBest('2026-08-23', had).slice(0, size));
    expect(week2[0]!.papers.some((p) => had.has(p.id))).toBe(false);
    // The real climber of the week (+52 on 2026-08-20) is there, its reason measured over the week.
    const climber = week2[0]!.papers.find((p) => p.id === '2608.13558');
    expect(climber?.reason).toBe('+52 upvotes in 7 days');

    // Its own subject (its first paper) and heading; the daily reader's mail on a weekday is the daily one.
    const last = smtp.messages.reduce((at, m, k) => (m.to.includes('weekly@example.org') ? k : at), -1);
    const mail = await smtp.parsed(last);
    const firstTitle = (app.db.prepare('SELECT title FROM papers WHERE id = ?').pluck().get(week2[0]!.papers[0]!.id) as string).replace(/\s+/g, ' ').trim();
    expect(weekLabel('2026-08-23')).toBe('Aug 17–23');
    expect(mail.subject).toBe(digestSubject('weekly', '2026-08-23', firstTitle));
    expect(mail.subject).toMatch(/^This week's trending papers, Aug 17–23: /);
    expect(mail.html).toMatch(/<h1[^>]*>This week's trending papers, Aug 17–23<\/h1>/);
    expect(mail.html).toContain('subscribed to the weekly Trending Papers digest');
    expect(mail.text).toMatch(/^THIS WEEK'S TRENDING PAPERS, AUG 17–23 · Sunday, August 23, 2026/);
    const daily = await smtp.parsed(smtp.messages.findIndex((m) => m.to.includes('daily@example.org')));
    expect(daily.subject).toMatch(/^Trending papers for 2026-08-10: /);
    expect(daily.html).toMatch(/<h1[^>]*>Today's trending papers<\/h1>/);

    // Daily readers get exactly what they would get if nobody read weekly.
    const alone = await replay([{ email: 'daily@example.org', frequency: 'daily' }]);
    const dailyId = ids.get('daily@example.org')!;
    for (const d of dailyDays) expect(selection(app, d, dailyId), d).toEqual(selection(alone.app, d, alone.ids.get('daily@example.org')!));
  });
});

describe('week labels', () => {
  it('names the 7 days a weekly edition covers, across a month boundary too', () => {
    expect(weekLabel('2026-08-23')).toBe('Aug 17–23');
    expect(weekLabel('2026-08-03')).toBe('Jul 28 – Aug 3');
    expect(weekLabel('2027-01-03')).toBe('Dec 28 – Jan 3');
  });
});
