// The Hugging Face Daily Papers source against a real local HTTP server serving the recorded payloads.
import { afterEach, describe, expect, it } from 'vitest';
import { fold, hfFixture, send, serveHfDaily, startIngestHarness, type HfRawItem, type IngestHarness } from './harness.js';

let h: IngestHarness;
afterEach(async () => {
  await h?.close();
});

const WEEK = ['2026-08-17', '2026-08-18', '2026-08-19', '2026-08-20', '2026-08-21'];

/** Every item of a fixture day is stored with the fields it carried (whichever schema year it comes from). */
async function expectDayStored(date: string) {
  const raw = hfFixture(date);
  for (const item of raw) {
    const p = item.paper as HfRawItem['paper'] & Record<string, any>;
    const row = (await h.app.store.getPaper(p.id));
    expect(row, `${date} ${p.id}`).toBeDefined();
    expect(row).toMatchObject({
      title: fold(p.title),
      abstract: p.summary ? fold(p.summary) : null,
      authors: (p.authors ?? []).filter((a) => !a.hidden).map((a) => fold(a.name ?? '')).filter(Boolean),
      dailyDate: p.submittedOnDailyAt ? p.submittedOnDailyAt.slice(0, 10) : date,
      publishedAt: new Date(p.publishedAt).toISOString(),
      aiSummary: p.ai_summary ? fold(p.ai_summary) : null,
      aiKeywords: p.ai_keywords ?? [],
      thumbnailUrl: (item.thumbnail as string | undefined) ?? (item.mediaUrl as string | undefined) ?? null,
      githubUrl: p.githubRepo ?? null,
      projectUrl: p.projectPage ?? null,
      organization: p.organization?.fullname ?? p.organization?.name ?? null,
      hfUrl: `https://huggingface.co/papers/${p.id}`,
      arxivUrl: `https://arxiv.org/abs/${p.id}`,
      pdfUrl: `https://arxiv.org/pdf/${p.id}`,
      categories: [],
      sources: ['hf'],
    });
    const obs = h.app.db
      .prepare('SELECT upvotes, comments, github_stars FROM observations WHERE paper_id = ? ORDER BY id DESC LIMIT 1')
      .get(p.id) as { upvotes: number | null; comments: number | null; github_stars: number | null };
    expect(obs).toEqual({ upvotes: p.upvotes ?? null, comments: item.numComments ?? null, github_stars: p.githubStars ?? null });
  }
  return raw.length;
}

describe('hf source: the recorded week', () => {
  it('fetches each of the last HF_DAYS days and stores every item with its fields and counters', async () => {
    h = await startIngestHarness({ SOURCES: 'hf' });
    serveHfDaily(h.server);
    const [out] = await h.ingest();
    expect(out).toMatchObject({ source: 'hf', ok: true, skipped: 0, updated: 0 });
    expect(h.server.requests.map((r) => r.path)).toEqual(WEEK.map((d) => `/api/daily_papers?date=${d}`));
    expect(h.server.requests[0]!.headers['user-agent']).toMatch(/^trending-papers-digest\//);
    let total = 0;
    for (const d of WEEK) total += await expectDayStored(d);
    expect(out!.fetched).toBe(total);
    expect(out!.inserted).toBe(total);
    expect(h.count('SELECT count(*) FROM papers')).toBe(total);

    // A spot check with the values read off the 2026-08-18 fixture by hand.
    const vibe = (await h.app.store.getPaper('2608.15265'))!;
    expect(vibe).toMatchObject({ title: 'VibeWorlding: Can Multimodal Agents Construct 3D Open Worlds End-to-End?', organization: 'Tencent', dailyDate: '2026-08-18' });
    expect(vibe.githubUrl).toBe('https://github.com/usail-hkust/VibeWorlding-Gym');
    expect(h.app.db.prepare("SELECT upvotes, github_stars FROM observations WHERE paper_id = '2608.15265'").get()).toEqual({ upvotes: 39, github_stars: 24 });

    const run = (await h.app.store.recentIngestRuns(1))[0]!;
    expect(run).toMatchObject({ source: 'hf', status: 'ok', fetched: total, inserted: total, skipped: 0, error: null });
  });

  it('reads the old 2024 schema and the 2025 schema (--date)', async () => {
    h = await startIngestHarness({ SOURCES: 'hf' });
    serveHfDaily(h.server);
    for (const date of ['2024-05-27', '2025-10-29']) {
      const [out] = await h.ingest({ date });
      expect(out).toMatchObject({ ok: true, skipped: 0 });
      expect(out!.inserted).toBe(await expectDayStored(date));
    }
    expect(h.server.requests.map((r) => r.path)).toEqual(['/api/daily_papers?date=2024-05-27', '/api/daily_papers?date=2025-10-29']);
    // The 2024 schema has no submittedOnDailyAt: the requested day stands in.
    expect((await h.app.store.getPaper('2405.15738'))!.dailyDate).toBe('2024-05-27');
  });

  it('re-ingesting is idempotent for papers and adds one observation per paper', async () => {
    h = await startIngestHarness({ SOURCES: 'hf' });
    serveHfDaily(h.server);
    const [first] = await h.ingest();
    const papers = h.count('SELECT count(*) FROM papers');
    const snapshot = h.app.db.prepare('SELECT * FROM papers ORDER BY id').all();
    h.clock.advance(3_600_000);
    const [second] = await h.ingest();
    expect(second).toMatchObject({ ok: true, fetched: first!.fetched, inserted: 0, updated: 0, unchanged: papers });
    expect(h.app.db.prepare('SELECT * FROM papers ORDER BY id').all()).toEqual(snapshot);
    expect(h.count('SELECT count(*) FROM observations')).toBe(2 * papers);
    expect(h.count('SELECT count(DISTINCT observed_at) FROM observations')).toBe(2);
    expect(h.count('SELECT count(*) FROM paper_categories')).toBe(0);
  });

  it('sends ETags back and still records observations when the server answers 304 Not Modified', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '2' });
    serveHfDaily(h.server, { etag: true });
    const [first] = await h.ingest();
    expect(first!.inserted).toBe(32);
    expect(h.server.requests.every((r) => r.headers['if-none-match'] === undefined)).toBe(true);
    expect(h.count('SELECT count(*) FROM http_cache WHERE etag IS NOT NULL AND body IS NOT NULL')).toBe(2);

    h.clock.advance(3_600_000);
    const [second] = await h.ingest();
    const again = h.server.requests.slice(2);
    expect(again).toHaveLength(2);
    expect(again.every((r) => typeof r.headers['if-none-match'] === 'string')).toBe(true);
    expect(second).toMatchObject({ ok: true, fetched: 32, inserted: 0, unchanged: 32 });
    expect(h.count('SELECT count(*) FROM observations')).toBe(64);
    expect(h.count('SELECT count(*) FROM http_cache WHERE fetched_at = ?', h.clock.now().toISOString())).toBe(2);
  });

  it('skips bad items with their reason and keeps the good ones', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1' });
    const good = hfFixture('2026-08-21').slice(0, 3);
    const bad: unknown[] = [
      null,
      42,
      { paper: { title: 'No id' } },
      { paper: { id: '2608.00001', title: '   ' } },
      { paper: { id: 'not-an-id', title: 'Bad id' } },
      { paper: { id: '2608.00002v3', title: 'Weird optional fields', upvotes: -5, githubRepo: 'ftp://x', ai_keywords: 'nope', authors: 'x' }, numComments: 'many' },
    ];
    h.server.route('/api/daily_papers', (req, res) => send(req, res, JSON.stringify([...good, ...bad]), 'application/json'));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 9, inserted: 4, skipped: 5 });
    // Malformed optional fields are dropped, not fatal; the version is stripped from the id.
    expect((await h.app.store.getPaper('2608.00002'))).toMatchObject({ title: 'Weird optional fields', githubUrl: null, authors: [], aiKeywords: [] });
    expect(h.count("SELECT count(*) FROM observations WHERE paper_id = '2608.00002'")).toBe(0);
    const reasons = (await h.app.store.recentIngestRuns(1))[0]!.skip_reasons;
    expect(reasons.map((r) => r.where)).toEqual(['2026-08-21#3', '2026-08-21#4', '2026-08-21#5', '2026-08-21#6', '2026-08-21#7']);
    expect(reasons[2]!.reason).toMatch(/^paper\.id/);
    expect(reasons[3]!.reason).toMatch(/^paper\.title/);
    expect(reasons[4]!.reason).toMatch(/not an arXiv id/);
    expect(out!.skippedExamples[0]!.where).toBe('2026-08-21#3');
  });

  it('treats a day without papers (weekend, holiday) as an empty day', async () => {
    h = await startIngestHarness({ SOURCES: 'hf' }, '2026-08-25T12:00:00.000Z');
    serveHfDaily(h.server); // 2026-08-21 is the only day of the window with a fixture
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 17, inserted: 17 });
  });
});
