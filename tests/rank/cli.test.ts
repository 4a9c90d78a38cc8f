// The `rank` command: the report itself (fixed clock), and `papers rank` as the command line runs it (in-process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { papers } from '../helpers/cli.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { rankReport } from '../../src/cli/rank.js';
import { expectedRanking, expectedReason, loadWeek } from './week-oracle.js';

const MORNING = '2026-08-21T07:00:00.000Z';
const CUTOFF = '2026-08-21T23:59:59.999Z';
const rows = (report: string) => report.split('\n').filter((l) => /^\s*\d+\s+\d{4}\.\d{5}\s/.test(l));

describe('rank command', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = createTestApp({}, { clock: fixedClock(MORNING) });
    await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
    app.subscriptions.repo.create({ email: 'fan@example.org', status: 'active', now: MORNING, topics: ['long context'] });
    // A reader with a profile: three papers about agents liked from a digest ("More like this").
    const reader = app.subscriptions.repo.create({ email: 'reader@example.org', status: 'active', now: MORNING });
    for (const p of agentPapers().slice(0, 3)) await app.profiles.setFeedback(reader, p.id, 'more');
  });
  const agentPapers = () =>
    app.db.prepare("SELECT id, title FROM papers WHERE title LIKE '%Agent%' ORDER BY id").all() as { id: string; title: string }[];
  afterAll(() => app.cleanup());

  it('prints the trending list with score, its parts and the reason', async () => {
    const report = await rankReport(app, { date: '2026-08-21', limit: 5 });
    const expected = expectedRanking(loadWeek(), Date.parse(MORNING), Date.parse(CUTOFF), app.config.trend).slice(0, 5);
    // The ranking of a date is as of its cut-off (the end of the date), whenever the command runs.
    expect(report).toContain(`Ranking for 2026-08-21, as of ${CUTOFF}`);
    expect(report).toMatch(/#\s+id\s+score\s+upvotes\s+Δup\s+Δcom\s+Δstars\s+age\s+reason\s+title/);
    const lines = rows(report);
    expect(lines).toHaveLength(5);
    lines.forEach((line, i) => {
      const p = expected[i]!;
      const cells = line.trim().split(/\s{2,}/);
      expect(cells.slice(0, 4)).toEqual([String(i + 1), p.id, p.score.toFixed(3), String(p.upvotes)]);
      expect(line).toContain(expectedReason(p, Date.parse(MORNING)));
    });
  });

  it("prints a subscriber's digest section by section", async () => {
    const report = await rankReport(app, { date: '2026-08-21', subscriber: 'fan@example.org', limit: 3 });
    expect(report).toContain('topics: long context; profile: none; 0 candidates already sent');
    expect(report).toContain('== Top trending ==');
    expect(report).toContain('== For you: long context ==');
    expect(report).toMatch(/id\s+blended\s+trend\s+relevance\s+trend #\s+reason\s+title/);
    expect(report).toContain('matches: long context · ');
    await expect(rankReport(app, { subscriber: 'nobody@example.org' })).rejects.toMatchObject({ code: 'RANK_UNKNOWN_SUBSCRIBER' });
  });

  it("shows a reader's Picked for you, with reasons naming their papers, in process and as `papers rank --subscriber`", async () => {
    const liked = agentPapers().slice(0, 3);
    expect(liked).toHaveLength(3);
    const { code, stdout, stderr } = await papers(['rank', '--date', '2026-08-21', '--subscriber', 'reader@example.org'], {
      LOG_LEVEL: 'silent',
      DATABASE_PATH: app.config.databasePath,
    });
    expect(code, stderr).toBe(0);
    for (const report of [await rankReport(app, { date: '2026-08-21', subscriber: 'reader@example.org' }), stdout]) {
      expect(report).toContain('topics: none; profile: 3 papers (0 less like this)');
      expect(report.indexOf('== Top trending ==')).toBeGreaterThan(-1);
      const picked = report.slice(report.indexOf('== Picked for you =='));
      expect(report.indexOf('== Picked for you ==')).toBeGreaterThan(report.indexOf('== Top trending =='));
      expect(picked).toMatch(/id\s+picked\s+trend\s+trend #\s+reason\s+title/);
      const rows = picked.split('\n').slice(2).filter((l) => /^\d{4}\.\d{5}\s/.test(l));
      expect(rows.length).toBe(app.prepareSettings.pickedSectionSize);
      for (const row of rows) expect(liked.some((p) => / like (a paper|\d papers) you saved: “/.test(row) && row.includes(p.title.slice(0, 15)))).toBe(true);
    }
    // A reader without a profile has no such section.
    expect(await rankReport(app, { date: '2026-08-21', subscriber: 'fan@example.org' })).not.toContain('Picked for you');
  });

  it('runs as `papers rank` from the command line', async () => {
    const { code, stdout, stderr } = await papers(['rank', '--date', '2026-08-21', '--limit', '3'], { LOG_LEVEL: 'silent', DATABASE_PATH: app.config.databasePath });
    expect(code, stderr).toBe(0);
    // The real clock is months past that day: the same ranking as the in-process run at 07:00 that morning.
    const expected = expectedRanking(loadWeek(), Date.parse(MORNING), Date.parse(CUTOFF), app.config.trend).slice(0, 3);
    expect(stdout).toContain(`as of ${CUTOFF}`);
    expect(rows(stdout).map((l) => l.trim().split(/\s+/)[1])).toEqual(expected.map((p) => p.id));
  });
});
