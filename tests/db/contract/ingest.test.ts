// The ingest store's contract, one file for both engines: papers merged from several sources (fields replaced,
// kept, unioned; the earliest publication and the first daily date kept), observations appended per sighting,
// idempotent re-ingest of the same day, update-only entries, one refused entry undone alone while its batch lands,
// the HTTP cache (validators, body, touch, 30-day retention) and the ingest-run records — with the same values on
// SQLite and PostgreSQL. Observations and category rows have no read method (the ranking reads them): they are
// checked with plain SQL. Last, the real fixture week through runIngest (HF source over HTTP, ETags kept in the
// store's HTTP cache) leaves the same papers on both engines.
import { describe, expect, it } from 'vitest';
import type { PaperEntry, SkippedEntry, SourceFailure } from '../../../src/ingest/types.js';
import type { CachedResponse } from '../../../src/ingest/http-cache.js';
import { freshStores, sql, testEngines } from '../../helpers/engines.js';
import { startFixtureServer } from '../../helpers/fixture-server.js';
import { serveHfDaily } from '../../ingest/harness.js';
import { createHttpClient } from '../../../src/ingest/http-client.js';
import { createHfSource } from '../../../src/ingest/sources/hf.js';
import { runIngest } from '../../../src/ingest/run-ingest.js';
import { fixedClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/logger.js';

const NOW = '2026-08-21T07:00:00.000Z';
const LATER = '2026-08-22T07:00:00.000Z';


const entry = (id: string, over: Partial<PaperEntry> = {}): PaperEntry => ({
  id,
  title: `Paper ${id}`,
  authors: ['A. Author'],
  aiKeywords: [],
  categories: [],
  ...over,
});

describe.each(testEngines())('ingest store on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh } = stores;
  const observations = (id: string) =>
    stores.run('SELECT source, observed_at, upvotes, comments, github_stars FROM observations WHERE paper_id = ? ORDER BY id', [id]);
  const categoryRows = async (id: string) =>
    (await stores.run('SELECT category FROM paper_categories WHERE paper_id = ? ORDER BY category', [id])).map((r) => r.category);

  it('inserts a new paper with every field, read back with the same values (times ISO with ms, lists parsed)', async () => {
    const store = await fresh();
    const hf = entry('2608.00001', {
      title: 'Attention Again',
      abstract: 'We attend.',
      authors: ['A. One', 'B. Two'],
      publishedAt: '2026-08-19T17:59:00.000Z',
      dailyDate: '2026-08-20',
      aiSummary: 'It attends.',
      aiKeywords: ['attention', 'transformers'],
      categories: ['cs.CL', 'cs.LG'],
      thumbnailUrl: 'https://cdn.example/t.png',
      hfUrl: 'https://huggingface.co/papers/2608.00001',
      arxivUrl: 'https://arxiv.org/abs/2608.00001',
      pdfUrl: 'https://arxiv.org/pdf/2608.00001',
      githubUrl: 'https://github.com/x/y',
      projectUrl: 'https://x.example',
      organization: 'Example Lab',
      counters: { upvotes: 12, comments: 3, githubStars: 40 },
    });
    expect(await store.upsertPapers('hf', [hf], NOW)).toEqual({ inserted: 1, updated: 0, unchanged: 0, ignored: 0, refused: [] });
    expect(await store.getPaper('2608.00001')).toEqual({
      id: '2608.00001',
      title: 'Attention Again',
      abstract: 'We attend.',
      authors: ['A. One', 'B. Two'],
      publishedAt: '2026-08-19T17:59:00.000Z',
      dailyDate: '2026-08-20',
      firstSeenAt: NOW,
      aiSummary: 'It attends.',
      aiKeywords: ['attention', 'transformers'],
      categories: ['cs.CL', 'cs.LG'],
      thumbnailUrl: 'https://cdn.example/t.png',
      hfUrl: 'https://huggingface.co/papers/2608.00001',
      arxivUrl: 'https://arxiv.org/abs/2608.00001',
      pdfUrl: 'https://arxiv.org/pdf/2608.00001',
      githubUrl: 'https://github.com/x/y',
      projectUrl: 'https://x.example',
      organization: 'Example Lab',
      sources: ['hf'],
    });
    expect(await store.getPaper('2608.99999')).toBeUndefined();
    expect(await store.countPapers()).toBe(1);
    expect(await categoryRows('2608.00001')).toEqual(['cs.CL', 'cs.LG']);
    expect(await observations('2608.00001')).toEqual([{ source: 'hf', observed_at: NOW, upvotes: 12, comments: 3, github_stars: 40 }]);
  });

  it('merges a second source: fields it has replace, fields it lacks stay, lists grow, the earliest dates stay', async () => {
    const store = await fresh();
    await store.upsertPapers('hf', [entry('2608.00002', {
      title: 'Old title',
      abstract: 'HF abstract',
      authors: ['A. One'],
      publishedAt: '2026-08-19T17:59:00.000Z',
      dailyDate: '2026-08-20',
      aiSummary: 'summary',
      aiKeywords: ['k1'],
      categories: ['cs.CL'],
      githubUrl: 'https://github.com/x/y',
    })], NOW);
    const out = await store.upsertPapers('arxiv', [entry('2608.00002', {
      title: 'New title',
      authors: [],
      publishedAt: '2026-08-20T00:00:00.000Z', // later: the stored earlier time stays
      dailyDate: '2026-08-21', // the first daily date stays
      categories: ['cs.LG', 'cs.CL'],
      pdfUrl: 'https://arxiv.org/pdf/2608.00002',
    })], LATER);
    expect(out).toEqual({ inserted: 0, updated: 1, unchanged: 0, ignored: 0, refused: [] });
    expect(await store.getPaper('2608.00002')).toMatchObject({
      title: 'New title',
      abstract: 'HF abstract',
      authors: ['A. One'],
      publishedAt: '2026-08-19T17:59:00.000Z',
      dailyDate: '2026-08-20',
      firstSeenAt: NOW,
      aiSummary: 'summary',
      aiKeywords: ['k1'],
      categories: ['cs.CL', 'cs.LG'],
      githubUrl: 'https://github.com/x/y',
      pdfUrl: 'https://arxiv.org/pdf/2608.00002',
      sources: ['hf', 'arxiv'],
    });
    expect(await categoryRows('2608.00002')).toEqual(['cs.CL', 'cs.LG']);
    // An earlier publication replaces the stored one.
    await store.upsertPapers('arxiv', [entry('2608.00002', { title: 'New title', authors: [], publishedAt: '2026-08-18T12:00:00.000Z' })], LATER);
    expect((await store.getPaper('2608.00002'))!.publishedAt).toBe('2026-08-18T12:00:00.000Z');
  });

  it('re-ingesting the same day is idempotent for papers and appends one observation per sighting', async () => {
    const store = await fresh();
    const day = [
      entry('2608.00003', { categories: ['cs.AI'], counters: { upvotes: 5 } }),
      entry('2608.00004', { publishedAt: '2026-08-19T00:00:00.000Z', counters: { upvotes: 1, comments: 0 } }),
      entry('2608.00005'), // no counters (arXiv): no observation
    ];
    expect(await store.upsertPapers('hf', day, NOW)).toMatchObject({ inserted: 3, updated: 0, unchanged: 0 });
    const before = await store.getPaper('2608.00003');
    expect(await store.upsertPapers('hf', day, LATER)).toEqual({ inserted: 0, updated: 0, unchanged: 3, ignored: 0, refused: [] });
    expect(await store.getPaper('2608.00003')).toEqual(before);
    expect(await store.countPapers()).toBe(3);
    expect(await categoryRows('2608.00003')).toEqual(['cs.AI']);
    expect(await observations('2608.00003')).toEqual([
      { source: 'hf', observed_at: NOW, upvotes: 5, comments: null, github_stars: null },
      { source: 'hf', observed_at: LATER, upvotes: 5, comments: null, github_stars: null },
    ]);
    expect(await observations('2608.00004')).toHaveLength(2);
    expect(await observations('2608.00005')).toEqual([]);
  });

  it('an update-only entry refreshes a stored paper and never adds one', async () => {
    const store = await fresh();
    await store.upsertPapers('hf', [entry('2608.00006')], NOW);
    const out = await store.upsertPapers('arxiv', [
      entry('2608.00006', { abstract: 'v2 abstract', updateOnly: true }),
      entry('2001.00001', { updateOnly: true, counters: { upvotes: 1 } }),
    ], LATER);
    expect(out).toEqual({ inserted: 0, updated: 1, unchanged: 0, ignored: 1, refused: [] });
    expect((await store.getPaper('2608.00006'))!.abstract).toBe('v2 abstract');
    expect(await store.getPaper('2001.00001')).toBeUndefined();
    expect(await observations('2001.00001')).toEqual([]);
  });

  it('a paper twice in one batch is inserted, then merged', async () => {
    const store = await fresh();
    const out = await store.upsertPapers('hf', [entry('2608.00007', { categories: ['cs.CV'] }), entry('2608.00007', { abstract: 'later', categories: ['cs.AI'] })], NOW);
    expect(out).toEqual({ inserted: 1, updated: 1, unchanged: 0, ignored: 0, refused: [] });
    expect(await store.getPaper('2608.00007')).toMatchObject({ abstract: 'later', categories: ['cs.CV', 'cs.AI'] });
  });

  it('one entry the database refuses is undone alone and reported; the rest of the batch lands', async () => {
    const store = await fresh();
    const bad = { ...entry('2608.00009', { categories: ['cs.AI'], counters: { upvotes: 3 } }), title: null } as unknown as PaperEntry;
    const out = await store.upsertPapers('hf', [entry('2608.00008', { counters: { upvotes: 1 } }), bad, entry('2608.00010')], NOW);
    expect(out).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, ignored: 0 });
    expect(out.refused).toEqual([{ id: '2608.00009', error: expect.stringMatching(/title|null/i) }]);
    expect(await store.getPaper('2608.00009')).toBeUndefined();
    expect(await categoryRows('2608.00009')).toEqual([]);
    expect(await observations('2608.00009')).toEqual([]);
    expect(await store.countPapers()).toBe(2);
    expect(await observations('2608.00008')).toHaveLength(1);
  });

  it('two batches with the same new paper at once store it once', async () => {
    const store = await fresh();
    const a = [entry('2608.00011', { categories: ['cs.AI'], counters: { upvotes: 1 } })];
    const b = [entry('2608.00011', { categories: ['cs.LG'], counters: { upvotes: 2 } })];
    const [x, y] = await Promise.all([store.upsertPapers('hf', a, NOW), store.upsertPapers('file', b, NOW)]);
    expect(x.inserted + y.inserted).toBe(1);
    expect(x.updated + y.updated).toBe(1);
    expect((await store.getPaper('2608.00011'))!.sources.sort()).toEqual(['file', 'hf']);
    expect(await observations('2608.00011')).toHaveLength(2);
  });

  it('the HTTP cache keeps validators and body per URL, replaces them, records a 304 and forgets URLs idle for 30 days', async () => {
    const store = await fresh();
    const url = 'https://huggingface.co/api/daily_papers?date=2026-08-20';
    expect(await store.cachedResponse(url)).toBeUndefined();
    const first: CachedResponse = { url, etag: 'W/"abc"', lastModified: 'Thu, 20 Aug 2026 04:00:01 GMT', body: '[{"x":1}]', contentType: 'application/json', fetchedAt: NOW };
    await store.storeCachedResponse(first);
    expect(await store.cachedResponse(url)).toEqual(first);
    const second: CachedResponse = { url, etag: null, lastModified: 'Fri, 21 Aug 2026 04:00:01 GMT', body: '[]', contentType: null, fetchedAt: LATER };
    await store.storeCachedResponse(second);
    expect(await store.cachedResponse(url)).toEqual(second);
    await store.touchCachedResponse(url, '2026-08-23T07:00:00.000Z');
    expect(await store.cachedResponse(url)).toEqual({ ...second, fetchedAt: '2026-08-23T07:00:00.000Z' });
    await store.touchCachedResponse('https://nowhere.example/', NOW); // nothing stored: nothing happens
    expect(await store.cachedResponse('https://nowhere.example/')).toBeUndefined();
    // A write 31 days on drops the idle URL; one touched within 30 days stays.
    const other = (u: string, at: string): CachedResponse => ({ url: u, etag: '"e"', lastModified: null, body: '[]', contentType: 'application/json', fetchedAt: at });
    await store.storeCachedResponse(other('https://x.example/b', '2026-09-10T00:00:00.000Z'));
    await store.storeCachedResponse(other('https://x.example/c', '2026-09-23T08:00:00.000Z'));
    expect(await store.cachedResponse(url)).toBeUndefined();
    expect((await store.cachedResponse('https://x.example/b'))?.body).toBe('[]');
  });

  it('records ingest runs: running, then finished with counts, the first skip reasons and failed parts; newest first', async () => {
    const store = await fresh();
    const id = await store.startIngestRun('hf', NOW);
    expect(await store.recentIngestRuns(5)).toEqual([
      { id, source: 'hf', started_at: NOW, finished_at: null, status: 'running', fetched: 0, inserted: 0, updated: 0, skipped: 0, skip_reasons: [], failures: 0, failed_parts: [], error: null },
    ]);
    const skipped: SkippedEntry[] = Array.from({ length: 60 }, (_, i) => ({ where: `2026-08-20#${i}`, reason: 'paper.title: Required' }));
    const failures: SourceFailure[] = Array.from({ length: 120 }, (_, i) => ({ part: `part-${i}`, code: 'HTTP_STATUS', error: `part ${i} answered 500` }));
    await store.finishIngestRun(id, { finishedAt: LATER, status: 'ok', fetched: 100, inserted: 30, updated: 10, skipped, failures, error: 'some parts failed' });
    const [run] = await store.recentIngestRuns(1);
    expect(run).toMatchObject({ id, source: 'hf', started_at: NOW, finished_at: LATER, status: 'ok', fetched: 100, inserted: 30, updated: 10, skipped: 60, failures: 120, error: 'some parts failed' });
    expect(run!.skip_reasons).toEqual(skipped.slice(0, 50));
    expect(run!.failed_parts).toEqual(failures.slice(0, 100));

    const failedId = await store.startIngestRun('arxiv', LATER);
    const whole: SourceFailure = { part: 'arxiv', code: 'HTTP_TIMEOUT', error: 'timed out' };
    await store.finishIngestRun(failedId, { finishedAt: LATER, status: 'failed', fetched: 0, inserted: 0, updated: 0, skipped: [], failures: [whole], error: 'timed out' });
    const runningId = await store.startIngestRun('file', LATER);
    expect((await store.recentIngestRuns(2)).map((r) => [r.id, r.source, r.status])).toEqual([
      [runningId, 'file', 'running'],
      [failedId, 'arxiv', 'failed'],
    ]);
    expect((await store.recentIngestRuns(3))[1]!.failed_parts).toEqual([whole]);
    expect(await store.failedIngestPartsBySource()).toEqual([
      { source: 'arxiv', n: 1 },
      { source: 'file', n: 0 },
      { source: 'hf', n: 120 },
    ]);
  });
});

describe('the ingest pipeline on every engine', () => {
  it('the fixture week through the hf source and runIngest: same outcomes and same papers on each engine; a second run is answered 304 from the store cache', async () => {
    const server = await startFixtureServer();
    serveHfDaily(server, { etag: true });
    const clock = fixedClock('2026-08-21T12:00:00.000Z');
    const stored: Record<string, unknown>[][] = [];
    try {
      for (const engine of testEngines()) {
        const opened = await engine.open();
        try {
          const { store } = opened;
          const http = createHttpClient({ timeoutMs: 5000, retries: 0, retryBaseMs: 5, maxRetryAfterMs: 1000, userAgent: 'contract/1' }, { fetch, cache: store });
          const deps = { sources: [createHfSource({ baseUrl: server.url, days: 5 }, http)], store, clock, logger: silentLogger() };
          const before = server.requests.length;
          const [first] = await runIngest(deps);
          expect(first, engine.name).toMatchObject({ source: 'hf', ok: true, updated: 0, unchanged: 0, failures: [] });
          expect(first!.inserted, engine.name).toBeGreaterThan(20);
          const [again] = await runIngest(deps);
          expect(again, engine.name).toMatchObject({ ok: true, inserted: 0, updated: 0, unchanged: first!.inserted });
          // The second run sent the stored validators and every day came back 304.
          const second = server.requests.slice(before).slice(5);
          expect(second.map((r) => typeof r.headers['if-none-match']), engine.name).toEqual(Array(5).fill('string'));
          expect(await store.countPapers()).toBe(first!.inserted);
          const ids = (await sql(opened.location, 'SELECT id FROM papers ORDER BY id')).map((r) => r.id as string);
          stored.push(await Promise.all(ids.map(async (id) => ({ ...(await store.getPaper(id)), observations: await sql(opened.location, 'SELECT source, observed_at, upvotes, comments, github_stars FROM observations WHERE paper_id = ? ORDER BY id', [id]) }))));
          const runs = await store.recentIngestRuns(2);
          expect(runs.map((r) => [r.status, r.inserted, r.failures])).toEqual([['ok', 0, 0], ['ok', first!.inserted, 0]]);
        } finally {
          await opened.cleanup();
        }
      }
    } finally {
      await server.close();
    }
    expect(stored).toHaveLength(testEngines().length);
    for (const other of stored.slice(1)) expect(other).toEqual(stored[0]);
  });
});
