// Replays two real working weeks of Hugging Face Daily Papers (2026-08-10 … 21, weekends without a list) through
// the real HF source and the edition pipeline, as the daily job would, and checks that an edition is right on
// real time: prepared two days late it is the same edition; after downtime, papers first read after their day
// show the source's counts (never 0), marked "~"; and the real climbers rank where their climb puts them.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, HF_FIXTURES, type TestApp } from '../helpers/app.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import { createCandidatesRepo } from '../../src/db/candidates-repo.js';
import { rankEdition } from '../../src/rank/edition.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import type { HfRawItem } from '../ingest/harness.js';
import { serveRecordedHfDays } from '../helpers/hf-days.js';

const DAYS = ['2026-08-10', '2026-08-11', '2026-08-12', '2026-08-13', '2026-08-14', '2026-08-15', '2026-08-16', '2026-08-17', '2026-08-18', '2026-08-19', '2026-08-20', '2026-08-21'];
const at7 = (date: string) => `${date}T07:00:00.000Z`;
const READERS = [
  { email: 'ada@example.org', topics: [] as string[] },
  { email: 'grace@example.org', topics: ['agents', 'reasoning'] },
  { email: 'lin@example.org', topics: ['video generation'] },
];

const fixture = (date: string) => JSON.parse(readFileSync(join(HF_FIXTURES, `${date}.json`), 'utf8')) as HfRawItem[];
/** What the source said last about each paper by `date`: its upvotes on the latest list it appears on. */
function sourceUpvotes(until: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of DAYS.filter((x) => x <= until && existsSync(join(HF_FIXTURES, `${x}.json`))))
    for (const i of fixture(d)) out.set(i.paper.id, i.paper.upvotes ?? 0);
  return out;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The real app on the HF source, served the recorded days as the API would (tests/helpers/hf-days.ts). */
async function replayApp(): Promise<{ app: TestApp; clock: ReturnType<typeof fixedClock>; server: FixtureServer }> {
  const server = await startFixtureServer();
  const clock = fixedClock(at7(DAYS[0]!));
  serveRecordedHfDays(server, clock);
  const app = createTestApp({ SOURCES: 'hf', HF_BASE_URL: server.url, HTTP_RETRIES: '0' }, { clock });
  cleanups.push(() => server.close(), () => app.cleanup());
  for (const r of READERS) app.subscriptions.repo.create({ email: r.email, status: 'active', now: clock.now().toISOString(), topics: r.topics });
  return { app, clock, server };
}

async function ingestAt(app: TestApp, clock: ReturnType<typeof fixedClock>, date: string) {
  clock.set(at7(date));
  const [hf] = await runIngest({ ...app, sources: app.sources() });
  expect(hf!.ok).toBe(true);
  expect(hf!.failures).toEqual([]);
}

/** An edition as a reader and the archive see it: status, reason, the ranked papers with reasons and counts, each selection. */
function editionOf(app: TestApp, date: string) {
  const e = app.db.prepare('SELECT id, status, reason FROM editions WHERE date = ?').get(date) as { id: number; status: string; reason: string | null };
  const papers = (
    app.db.prepare('SELECT paper_id, rank, score, reason, snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY rank').all(e.id) as {
      paper_id: string;
      rank: number;
      score: number;
      reason: string;
      snapshot_json: string;
    }[]
  ).map((p) => ({ id: p.paper_id, rank: p.rank, score: p.score, reason: p.reason, upvotes: (JSON.parse(p.snapshot_json) as { upvotes: number }).upvotes }));
  const selections = app.db
    .prepare('SELECT s.email, d.selection_json FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.edition_id = ? ORDER BY s.email')
    .all(e.id) as { email: string; selection_json: string }[];
  return { status: e.status, reason: e.reason, papers, selections: selections.map((s) => ({ email: s.email, sections: JSON.parse(s.selection_json) as unknown })) };
}

describe('two real weeks replayed', () => {
  it('each edition prepared two days late is the same edition as on time: same top 10, same reasons, same selections', async () => {
    const onTime = await replayApp();
    for (const d of DAYS) {
      await ingestAt(onTime.app, onTime.clock, d);
      prepareEdition(onTime.app, d, onTime.app.prepareSettings);
    }

    // Same ingests at 07:00 every day, but each edition is prepared two days after its date, when the
    // observations of the two following mornings are already stored.
    const late = await replayApp();
    const laterDays = [...DAYS, '2026-08-22', '2026-08-23'];
    for (const [i, d] of laterDays.entries()) {
      await ingestAt(late.app, late.clock, d);
      if (i >= 2) prepareEdition(late.app, laterDays[i - 2]!, late.app.prepareSettings);
    }

    let ready = 0;
    for (const d of DAYS) {
      const a = editionOf(onTime.app, d);
      const b = editionOf(late.app, d);
      expect(b, d).toEqual(a);
      if (a.status === 'ready') {
        ready++;
        // Never "0 upvotes" where the source had votes.
        const said = sourceUpvotes(d);
        for (const p of a.papers) expect(p.upvotes, `${d} ${p.id}`).toBe(said.get(p.id));
        expect(a.papers.slice(0, 10).every((p) => !/new today|no votes/.test(p.reason))).toBe(true);
      }
    }
    // Ten weekdays are editions; the weekend has nothing new.
    expect(ready).toBe(10);
    expect(editionOf(onTime.app, '2026-08-15')).toMatchObject({ status: 'empty', reason: 'nothing new since the 2026-08-14 edition' });

    // The real climbers: 2608.13558 (2 upvotes on 08-14, 54 on 08-20: +52 in 24 h) and 2608.12313 (2 on 08-13,
    // 27 on 08-19). Six days old, they rank among the day's best, above every paper of the day with ≤ 10 votes.
    for (const [date, id, gain] of [['2026-08-20', '2608.13558', 52], ['2026-08-19', '2608.12313', 25]] as const) {
      const ranking = rankEdition(createCandidatesRepo(onTime.app.db), date, onTime.app.prepareSettings);
      const rank = ranking.trending.findIndex((p) => p.id === id);
      expect(rank, `${id} on ${date}`).toBeLessThan(10);
      expect(ranking.trending[rank]!.reason).toBe(`+${gain} upvotes in 24 h`);
      const fewVotes = ranking.trending.filter((p) => p.appearedAt.startsWith(date) && p.parts.upvotes <= 10);
      expect(fewVotes.length).toBeGreaterThan(0);
      for (const p of fewVotes) expect(ranking.trending.indexOf(p)).toBeGreaterThan(rank);
    }
  });

  it('a catch-up after downtime: papers first read after their day show the source\'s counts, marked "~", in the on-time order', async () => {
    const onTime = await replayApp();
    for (const d of DAYS) {
      await ingestAt(onTime.app, onTime.clock, d);
      prepareEdition(onTime.app, d, onTime.app.prepareSettings);
    }

    // Down from 08-20 06:00 to 08-22 09:00; at start-up the scheduler catches up the latest missed date, 08-21.
    const down = await replayApp();
    for (const d of DAYS.filter((x) => x < '2026-08-20')) {
      await ingestAt(down.app, down.clock, d);
      prepareEdition(down.app, d, down.app.prepareSettings);
    }
    down.clock.set('2026-08-22T09:00:00.000Z');
    const caughtUp = await runDailyJob(down.app, { date: '2026-08-21', trigger: 'catchup' });
    expect(caughtUp.edition.status).toBe('ready');
    expect(caughtUp.ingest[0]!.failures).toEqual([]); // the range ends on 08-21 (08-15 … 08-21); the weekend is no papers

    const late = editionOf(down.app, '2026-08-21');
    const said = sourceUpvotes('2026-08-21');
    for (const p of late.papers) expect(p.upvotes, p.id).toBe(said.get(p.id));
    // 08-20's and 08-21's papers were first read on 08-22: estimates, marked.
    const firstReadLate = new Set([...fixture('2026-08-20'), ...fixture('2026-08-21')].map((i) => i.paper.id));
    for (const p of late.papers) {
      if (firstReadLate.has(p.id) && said.get(p.id)! > 0) expect(p.reason, p.id).toMatch(/^~\d+ upvotes? in /);
      else expect(p.reason, p.id).not.toMatch(/^~/);
    }
    // The day's own papers: the same counts and spans as on time, and the same order among themselves.
    const onTimeEdition = rankEdition(createCandidatesRepo(onTime.app.db), '2026-08-21', onTime.app.prepareSettings).trending;
    const lateRanking = rankEdition(createCandidatesRepo(down.app.db), '2026-08-21', down.app.prepareSettings).trending;
    const ofDay = (list: typeof onTimeEdition) => list.filter((p) => p.appearedAt.startsWith('2026-08-21'));
    expect(ofDay(lateRanking).map((p) => [p.id, p.reason.replace(/^~/, '+')])).toEqual(ofDay(onTimeEdition).map((p) => [p.id, p.reason]));
    expect(ofDay(lateRanking).map((p) => p.score)).toEqual(ofDay(onTimeEdition).map((p) => p.score));
  });
});
