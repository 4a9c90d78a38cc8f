// Ranking on the bundled real week, ingested through the file source with a fixed clock, checked against what
// the fixture JSON says (week-oracle.ts), plus the never-twice ledger and "nothing new sends nothing".
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, HF_FIXTURES, tempDir, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import { createCandidatesRepo } from '../../src/db/candidates-repo.js';
import { rankEdition } from '../../src/rank/edition.js';
import { parseTopic } from '../../src/rank/topics.js';
import type { Section } from '../../src/rank/select.js';
import { expectedRanking, expectedReason, loadWeek, mentions, WEEK, type WeekPaper } from './week-oracle.js';

const MORNING = Date.parse('2026-08-21T07:00:00.000Z');
/** The edition's cut-off: the end of its date (DIGEST_TZ=UTC). Scores are computed there, whenever the job runs. */
const CUTOFF = Date.parse('2026-08-21T23:59:59.999Z');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The week in a folder of its own (a test may change a day), ingested through the file source at `at`. */
async function weekApp(at: string, env: Record<string, string> = {}) {
  const feed = tempDir('rank-week-');
  cleanups.push(feed.cleanup);
  for (const day of WEEK) cpSync(join(HF_FIXTURES, `${day}.json`), join(feed.dir, `${day}.json`));
  const clock = fixedClock(at);
  const app = createTestApp({ FILE_SOURCE_PATH: feed.dir, ...env }, { clock });
  cleanups.push(() => app.cleanup());
  const ingest = async () => {
    const [r] = await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
    expect(r?.ok).toBe(true);
  };
  await ingest();
  return { app, clock, ingest, feed: feed.dir };
}

function subscribe(app: TestApp, email: string, topics?: string[]): number {
  return app.subscriptions.repo.create({ email, status: 'active', now: app.clock.now().toISOString(), topics });
}

function selection(app: TestApp, date: string, subscriberId: number): Section[] {
  const row = app.db
    .prepare('SELECT d.selection_json FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE e.date = ? AND d.subscriber_id = ?')
    .get(date, subscriberId) as { selection_json: string } | undefined;
  return row ? (JSON.parse(row.selection_json) as Section[]) : [];
}

const ids = (s: Section | undefined) => s?.papers.map((p) => p.id) ?? [];

describe('the digest for 2026-08-21 on the real week', () => {
  it('Top trending is the week ranked by the documented formula, each with its reason', async () => {
    const { app } = await weekApp('2026-08-21T07:00:00.000Z');
    const reader = subscribe(app, 'reader@example.org');
    const result = prepareEdition(app, '2026-08-21', app.prepareSettings);
    expect(result.edition.status).toBe('ready');

    const week = loadWeek();
    const expected = expectedRanking(week, MORNING, CUTOFF, app.config.trend).slice(0, app.config.digest.size);
    const sections = selection(app, '2026-08-21', reader);
    expect(sections.map((s) => s.title)).toEqual(['Top trending']);
    expect(ids(sections[0])).toEqual(expected.map((p) => p.id));
    expect(sections[0]!.papers.map((p) => p.reason)).toEqual(expected.map((p) => expectedReason(p, MORNING)));

    // The frozen edition ranks them the same, with the same scores.
    const frozen = app.db
      .prepare('SELECT paper_id, rank, score FROM edition_papers WHERE edition_id = ? ORDER BY rank')
      .all(result.edition.id) as { paper_id: string; rank: number; score: number }[];
    expect(frozen.map((r) => r.paper_id)).toEqual(expected.map((p) => p.id));
    frozen.forEach((r, i) => expect(r.score).toBeCloseTo(expected[i]!.score, 9));

    // What the data says in plain words: the last day's most upvoted paper leads, and growth beats freshness —
    // a paper from the day before with many votes ranks above a paper of the day with few.
    const lastDay = week.filter((p) => p.appeared === Date.parse('2026-08-21T00:00:00.000Z'));
    expect(expected[0]!.id).toBe([...lastDay].sort((a, b) => b.upvotes - a.upvotes)[0]!.id);
    const day = (p: WeekPaper) => new Date(p.appeared).toISOString().slice(0, 10);
    expect(expected.some((older, i) => day(older) === '2026-08-20' && expected.slice(i + 1).some((newer) => day(newer) === '2026-08-21'))).toBe(true);
  });

  it('a topic subscriber gets one "For you" section per topic: matching papers not in Top trending, best blended first', async () => {
    const { app } = await weekApp('2026-08-21T07:00:00.000Z');
    const topics = ['long context', 'world model'];
    const fan = subscribe(app, 'fan@example.org', topics);
    prepareEdition(app, '2026-08-21', app.prepareSettings);
    const sections = selection(app, '2026-08-21', fan);
    expect(sections.map((s) => s.title)).toEqual(['Top trending', 'For you: long context', 'For you: world model']);

    const week = loadWeek();
    const trend = app.config.trend;
    const ranked = expectedRanking(week, MORNING, CUTOFF, trend);
    const score = new Map(ranked.map((p) => [p.id, p.score]));
    const used = new Set(ids(sections[0]));
    const ranking = rankEdition(createCandidatesRepo(app.db), '2026-08-21', app.prepareSettings);
    topics.forEach((topic, i) => {
      const section = sections[i + 1]!;
      // FTS5 finds exactly the papers whose title, abstract or keywords carry the phrase.
      const hits = createCandidatesRepo(app.db).matchTopic(parseTopic(topic)!, ranking.from, ranking.asOf);
      expect(hits.map((h) => h.id).sort()).toEqual(week.filter((p) => mentions(p, topic)).map((p) => p.id).sort());
      // Blend: (trending + 1e-6) · (1 + bm25 / best bm25), among matches not shown above.
      const best = Math.max(...hits.map((h) => h.relevance));
      const expected = hits
        .filter((h) => !used.has(h.id))
        .map((h) => ({ id: h.id, blended: (score.get(h.id)! + 1e-6) * (1 + h.relevance / best) }))
        .sort((a, b) => b.blended - a.blended)
        .slice(0, app.config.digest.topicSectionSize);
      expect(ids(section)).toEqual(expected.map((e) => e.id));
      for (const p of section.papers) {
        const paper = week.find((w) => w.id === p.id)!;
        expect(p.reason).toBe(`matches: ${topic} · ${expectedReason(paper, MORNING)}`);
        used.add(p.id);
      }
    });
    const all = sections.flatMap(ids);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('observations over time', () => {
  it('the same day ingested three times with different upvotes: the paper gaining fastest wins over the bigger total', async () => {
    const { dir, cleanup } = tempDir('rank-growth-');
    cleanups.push(cleanup);
    {
      const day = JSON.parse(readFileSync(join(HF_FIXTURES, '2026-08-17.json'), 'utf8')) as { paper: { id: string; upvotes: number } }[];
      const [big, riser] = [day[0]!, day[1]!];
      const write = (bigVotes: number, riserVotes: number) => {
        big.paper.upvotes = bigVotes;
        riser.paper.upvotes = riserVotes;
        writeFileSync(join(dir, '2026-08-17.json'), JSON.stringify([big, riser]));
      };
      const clock = fixedClock('2026-08-18T07:00:00.000Z');
      const app = createTestApp({ FILE_SOURCE_PATH: dir }, { clock });
      cleanups.push(() => app.cleanup());
      const ingest = async () => void (await runIngest({ ...app, sources: app.sources('file') }, { days: 7 }));
      write(52, 10);
      await ingest();
      clock.set('2026-08-20T07:00:00.000Z');
      write(54, 35);
      await ingest();
      clock.set('2026-08-21T07:00:00.000Z');
      write(55, 40);
      await ingest();
      expect(app.db.prepare('SELECT count(*) AS n FROM observations').get()).toEqual({ n: 6 });

      const reader = subscribe(app, 'reader@example.org');
      prepareEdition(app, '2026-08-21', app.prepareSettings);
      const top = selection(app, '2026-08-21', reader)[0]!;
      // By total the big paper leads (55 vs 40); by growth over the last 72 h before the cut-off (the end of
      // 08-21) the riser does: +21 (from ~18.9 interpolated at 08-18 24:00) vs +2.
      expect(top.papers).toEqual([
        { id: riser.paper.id, reason: '+5 upvotes in 24 h' },
        { id: big.paper.id, reason: '+1 upvote in 24 h' },
      ]);
      const ranking = rankEdition(createCandidatesRepo(app.db), '2026-08-21', app.prepareSettings);
      expect(ranking.byId.get(riser.paper.id)!.parts.upvoteGrowth).toBeCloseTo(40 - (10 + (25 * 17) / 48), 3);
      expect(ranking.byId.get(big.paper.id)!.parts.upvoteGrowth).toBeCloseTo(55 - (52 + (2 * 17) / 48), 3);
    }
  });
});

describe('editions over days', () => {
  /** 08-20 then 08-21, as the daily job would; `between` may change the feed before the second ingest. */
  async function twoDays(env: Record<string, string> = {}, between: (feed: string) => void = () => {}) {
    const { app, clock, ingest, feed } = await weekApp('2026-08-20T07:00:00.000Z', env);
    const early = subscribe(app, 'early@example.org', ['world model']);
    expect(prepareEdition(app, '2026-08-20', app.prepareSettings).edition.status).toBe('ready');
    between(feed);
    clock.set('2026-08-21T07:00:00.000Z');
    await ingest();
    const late = subscribe(app, 'late@example.org', ['world model']);
    expect(prepareEdition(app, '2026-08-21', app.prepareSettings).edition.status).toBe('ready');
    const ranking = rankEdition(createCandidatesRepo(app.db), '2026-08-21', app.prepareSettings);
    return { app, clock, ingest, early, late, ranking };
  }

  it('never sends a subscriber the same paper twice (an unsent delivery holds its papers back); a newcomer gets the full top', async () => {
    const { app, early, late, ranking } = await twoDays();
    const day1 = selection(app, '2026-08-20', early).flatMap(ids);
    const day2 = selection(app, '2026-08-21', early);
    expect(day2.flatMap(ids).filter((id) => day1.includes(id))).toEqual([]);
    const size = app.config.digest.size;
    expect(ids(day2[0])).toEqual(ranking.trending.filter((p) => !day1.includes(p.id)).slice(0, size).map((p) => p.id));
    expect(ids(selection(app, '2026-08-21', late)[0])).toEqual(ranking.trending.slice(0, size).map((p) => p.id));
    // Nothing was sent yet: the ledger counts papers on acceptance (tests/send/ledger.test.ts); until then the
    // outstanding delivery of 08-20 is what kept its papers out of 08-21.
    expect(app.db.prepare('SELECT count(*) AS n FROM sent_papers').get()).toEqual({ n: 0 });
  });

  it('a day with nothing new sends nothing, and the edition says why', async () => {
    const { app, clock, ingest } = await twoDays();
    clock.set('2026-08-22T07:00:00.000Z');
    await ingest(); // the same week again: new observations, no new paper
    const r = prepareEdition(app, '2026-08-22', app.prepareSettings);
    expect(r.edition).toMatchObject({ status: 'empty', reason: 'nothing new since the 2026-08-21 edition' });
    expect(app.db.prepare('SELECT count(*) AS n FROM deliveries WHERE edition_id = ?').get(r.edition.id)).toEqual({ n: 0 });
    // Long after the week, nothing is left in the candidate window at all.
    const later = prepareEdition(app, '2026-10-01', app.prepareSettings);
    expect(later.edition).toMatchObject({ status: 'empty', reason: 'no papers in the candidate window' });
  });

  it('RESEND_STILL_TRENDING=true: a sent paper comes back in Top trending only while in the global top and still gaining', async () => {
    // Overnight the top paper of 08-20 gains 25 more votes; the others it was sent with gain nothing.
    let climber = '';
    const { app, early, ranking } = await twoDays({ RESEND_STILL_TRENDING: 'true' }, (feed) => {
      const file = join(feed, '2026-08-20.json');
      const items = JSON.parse(readFileSync(file, 'utf8')) as { paper: { id: string; upvotes: number } }[];
      const top = items.reduce((a, b) => (b.paper.upvotes > a.paper.upvotes ? b : a));
      top.paper.upvotes += 25;
      climber = top.paper.id;
      writeFileSync(file, JSON.stringify(items));
    });
    const day1 = new Set(selection(app, '2026-08-20', early).flatMap(ids));
    expect(day1.has(climber)).toBe(true);
    const day2 = selection(app, '2026-08-21', early);
    const globalTop = ranking.trending.slice(0, app.config.digest.size).map((p) => p.id);
    expect(globalTop).toContain(climber);
    const back = day2[0]!.papers.filter((p) => day1.has(p.id));
    expect(back).toEqual([{ id: climber, reason: 'still trending: +25 upvotes in 24 h' }]);
    // Everything else in Top trending is new to this subscriber; "For you" never repeats.
    expect(ids(day2[0])).toEqual(ranking.trending.filter((p) => p.id === climber || !day1.has(p.id)).slice(0, app.config.digest.size).map((p) => p.id));
    for (const s of day2.slice(1)) for (const id of ids(s)) expect(day1.has(id)).toBe(false);
  });
});
