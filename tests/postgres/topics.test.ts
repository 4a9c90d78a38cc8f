// Topic matching on PostgreSQL against FTS5 on the real fixture week (HF Daily Papers 2026-08-17 … 21): the week is
// ingested into SQLite through the file source, and the same rows are copied into PostgreSQL (src/db/copy.ts). For a
// dozen real topics both engines match the same papers and rank them alike: two papers may come in a different
// order only where their scores tie closely, i.e. differ by at most CLOSE (5 %) of the topic's best score in at least
// one engine (bm25 and ts_rank_cd score differently, but the order of clearly different matches must agree).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, HF_FIXTURES, tempDir, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { createCandidatesRepo, type CandidatesRepo } from '../../src/db/candidates-repo.js';
import { openDatabase } from '../../src/db/open.js';
import { copySqliteToPostgres } from '../../src/db/copy.js';
import { createPgTopicsRepo, type PgTopicsRepo } from '../../src/db/postgres/topics-repo.js';
import { parseTopic, type TopicHit, type TopicQuery } from '../../src/rank/topics.js';
import { WEEK } from '../rank/week-oracle.js';

const TOPICS = ['long context', 'reinforcement learning', 'video generation', 'agents', 'diffusion', 'benchmark', 'vision-language-action', 'retrieval', 'reasoning', 'speech', 'robot', '3D'];
/** Two scores tie closely when they differ by at most this share of the topic's best score. */
const CLOSE = 0.05;
/** A "for you" section's default size (TOPIC_SECTION_SIZE): the top results a reader sees. */
const TOP = 3;
/** The 30-day candidate window of the 2026-08-21 edition, and a narrower one inside the week. */
const WINDOWS = [
  { from: '2026-07-22T23:59:59.999Z', to: '2026-08-21T23:59:59.999Z' },
  { from: '2026-08-18T00:00:00.000Z', to: '2026-08-20T00:00:00.000Z' },
];

let app: TestApp;
let feed: ReturnType<typeof tempDir>;
let pg: TestDatabase;
let lite: CandidatesRepo;
let post: PgTopicsRepo;

beforeAll(async () => {
  feed = tempDir('pg-topics-week-');
  for (const day of WEEK) cpSync(join(HF_FIXTURES, `${day}.json`), join(feed.dir, `${day}.json`));
  app = createTestApp({ FILE_SOURCE_PATH: feed.dir }, { clock: fixedClock('2026-08-21T07:00:00.000Z') });
  const [r] = await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
  expect(r?.ok).toBe(true);
  // HF entries carry no arXiv categories: give the video papers one, so category topics have something to match.
  app.db.prepare("INSERT INTO paper_categories (paper_id, category) SELECT id, 'cs.CV' FROM papers WHERE title LIKE '%Video%'").run();
  pg = await createTestDatabase();
  const source = openDatabase(app.config.databasePath);
  try {
    await copySqliteToPostgres(source, pg.pool);
  } finally {
    source.close();
  }
  lite = createCandidatesRepo(app.db);
  post = createPgTopicsRepo(pg.pool);
});
afterAll(async () => {
  await pg?.drop();
  await app?.cleanup();
  feed?.cleanup();
});

/** Hits scaled to the topic's best (as blendTopic scales them), best first. */
function scaled(hits: TopicHit[]): Map<string, number> {
  const best = Math.max(...hits.map((h) => h.relevance));
  return new Map([...hits].sort((a, b) => b.relevance - a.relevance || (a.id < b.id ? -1 : 1)).map((h) => [h.id, h.relevance / best]));
}

/** Pairs that one engine orders one way and the other the opposite way, though neither ties them closely. */
function farInversions(s: Map<string, number>, p: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [a, sa] of s)
    for (const [b, sb] of s) {
      const pa = p.get(a)!;
      const pb = p.get(b)!;
      if (sa > sb && pa < pb && !close(a, b, s, p))
        out.push(`${a} (sqlite ${sa.toFixed(3)}, pg ${pa.toFixed(3)}) above ${b} (sqlite ${sb.toFixed(3)}, pg ${pb.toFixed(3)}) only in SQLite`);
    }
  return out;
}

const close = (a: string, b: string, ...engines: Map<string, number>[]) => engines.some((e) => Math.abs(e.get(a)! - e.get(b)!) <= CLOSE);

/**
 * Members of one engine's top TOP that the other engine's top TOP lacks, unless a paper that took their place ties
 * closely with them (in either engine): the top results a reader sees differ only by a near tie.
 */
function topMisses(mine: Map<string, number>, theirs: Map<string, number>): string[] {
  const myTop = [...mine.keys()].slice(0, TOP);
  const theirTop = [...theirs.keys()].slice(0, TOP);
  const inPlace = theirTop.filter((id) => !myTop.includes(id));
  return myTop.filter((id) => !theirTop.includes(id) && !inPlace.some((other) => close(id, other, mine, theirs)));
}

describe('topic matching: PostgreSQL full-text search against SQLite FTS5 on the real week', () => {
  it.each(TOPICS)('"%s": the same papers, the same top results, order differences only between close scores', async (topic) => {
    const q = parseTopic(topic)!;
    for (const w of WINDOWS) {
      const s = scaled(lite.matchTopic(q, w.from, w.to));
      const p = scaled(await post.matchTopic(q, w.from, w.to));
      expect([...p.keys()].sort(), `${topic} in (${w.from}, ${w.to}]`).toEqual([...s.keys()].sort());
      expect(farInversions(s, p)).toEqual([]);
      expect(topMisses(s, p)).toEqual([]);
      expect(topMisses(p, s)).toEqual([]);
    }
    // The full window matches something for every topic (the comparison is not of two empty lists) …
    expect(lite.matchTopic(q, WINDOWS[0]!.from, WINDOWS[0]!.to).length).toBeGreaterThan(0);
  });

  it('the comparison has teeth: many matches per topic overall, and the narrow window holds fewer', async () => {
    let full = 0;
    let narrow = 0;
    for (const topic of TOPICS) {
      const q = parseTopic(topic)!;
      full += (await post.matchTopic(q, WINDOWS[0]!.from, WINDOWS[0]!.to)).length;
      narrow += (await post.matchTopic(q, WINDOWS[1]!.from, WINDOWS[1]!.to)).length;
    }
    expect(full).toBeGreaterThan(150);
    expect(narrow).toBeGreaterThan(0);
    expect(narrow).toBeLessThan(full);
  });

  it('the title outweighs keywords, which outweigh the abstract (bm25 10 : 5 : 1 as ts_rank_cd weights A : B : C)', async () => {
    // "video generation": SemComp-Bench has it in its title, 4DAnyone only in a keyword, ForgeWM only in its abstract.
    const p = scaled(await post.matchTopic(parseTopic('video generation')!, WINDOWS[0]!.from, WINDOWS[0]!.to));
    expect(p.get('2608.17426')).toBe(1);
    expect(p.get('2608.20335')!).toBeGreaterThan(p.get('2608.14022')! * 2);
    expect(p.get('2608.17426')!).toBeGreaterThan(p.get('2608.20335')! * 1.5);
  });

  it('an arXiv category topic matches through paper_categories, in the window, like SQLite', async () => {
    const q = parseTopic('cs.cv')!;
    for (const w of WINDOWS) {
      const hits = await post.matchTopic(q, w.from, w.to);
      expect(hits.map((h) => h.id).sort()).toEqual(lite.matchTopic(q, w.from, w.to).map((h) => h.id).sort());
      expect(hits.every((h) => h.relevance === 1)).toBe(true);
    }
    expect((await post.matchTopic(q, WINDOWS[0]!.from, WINDOWS[0]!.to)).length).toBeGreaterThan(5);
  });

  it('no query syntax gets through: any text is a phrase of its words, and never an error', async () => {
    // tsquery operators and SQL in the phrase itself, bypassing parseTopic's clean-up: only the words count.
    const hostile: TopicQuery = { kind: 'phrase', key: 'x', phrase: "video' & !generation | (x <-> y):* ') OR 1=1 --" };
    expect(await post.matchTopic(hostile, WINDOWS[0]!.from, WINDOWS[0]!.to)).toEqual([]);
    const operators: TopicQuery = { kind: 'phrase', key: 'y', phrase: 'video & generation' };
    expect((await post.matchTopic(operators, WINDOWS[0]!.from, WINDOWS[0]!.to)).map((h) => h.id).sort()).toEqual(
      lite.matchTopic(parseTopic('video generation')!, WINDOWS[0]!.from, WINDOWS[0]!.to).map((h) => h.id).sort(),
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (text) => {
        const q = parseTopic(text);
        if (q?.kind === 'phrase') await post.matchTopic(q, WINDOWS[0]!.from, WINDOWS[0]!.to);
        await post.matchTopic({ kind: 'phrase', key: 'raw', phrase: text }, WINDOWS[0]!.from, WINDOWS[0]!.to);
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});
