// The same paper from several sources becomes one paper, each source adding what it knows; a paper seen
// twice in one batch yields one observation; the file source reads JSONL and single-paper payloads.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, tempDir } from '../helpers/app.js';
import { hfFixture, send, startIngestHarness, type IngestHarness } from './harness.js';

let h: IngestHarness;
let feedDir: ReturnType<typeof tempDir>;
beforeEach(() => {
  feedDir = tempDir('papers-feed-');
});
afterEach(async () => {
  await h?.close();
  feedDir.cleanup();
});

const barePaper = JSON.parse(readFileSync(join(FIXTURES, 'hf-papers/paper-2605.13301.json'), 'utf8')) as Record<string, any>;

const atomEntry = (id: string, o: { title: string; published: string; categories: string[]; authors: string[] }) => `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"><entry>
  <id>http://arxiv.org/abs/${id}v2</id><title>${o.title}</title><summary>The arXiv abstract.</summary><published>${o.published}</published>
  <link href="https://arxiv.org/abs/${id}v2"/><link href="https://arxiv.org/pdf/${id}v2"/>
  ${o.categories.map((c) => `<category term="${c}"/>`).join('')}<arxiv:primary_category term="${o.categories[0]}"/>
  ${o.authors.map((a) => `<author><name>${a}</name></author>`).join('')}
</entry></feed>`;

describe('merging sources into one paper', () => {
  it('file (a JSONL feed of HF single-paper payloads) + arXiv API: each source adds its fields, none erases another\'s', async () => {
    const feed = join(feedDir.dir, 'custom.jsonl');
    writeFileSync(feed, `${JSON.stringify(barePaper)}\n{not json\n\n${JSON.stringify({ paper: { id: '2605.00001', title: 'Other' } })}\n`);
    h = await startIngestHarness({ SOURCES: 'file,arxiv', FILE_SOURCE_PATH: feed, ARXIV_MODE: 'api', ARXIV_CATEGORIES: 'cs.CL', ARXIV_API_MAX_RESULTS: '10', ARXIV_API_PAGE_SIZE: '10' });
    h.server.route('/api/query', (req, res) =>
      send(req, res, atomEntry('2605.13301', { title: barePaper.title, published: '2026-05-12T17:59:00Z', categories: ['cs.CL', 'cs.AI'], authors: ['Yafu Li'] }), 'application/atom+xml'),
    );
    const [file, arxiv] = await h.ingest();
    expect(file).toMatchObject({ ok: true, fetched: 3, inserted: 2, skipped: 1 });
    expect(file!.skippedExamples[0]).toMatchObject({ where: 'custom.jsonl#1' });
    expect(arxiv).toMatchObject({ ok: true, fetched: 1, inserted: 0, updated: 1 });

    const p = (await h.app.store.getPaper('2605.13301'))!;
    expect(p.sources).toEqual(['file', 'arxiv']);
    // From the HF payload (kept: the arXiv entry does not know them).
    expect(p).toMatchObject({
      githubUrl: 'https://github.com/Simplified-Reasoning/SU-01',
      projectUrl: 'https://simplified-reasoning.github.io/SU-01',
      dailyDate: '2026-05-15',
      hfUrl: 'https://huggingface.co/papers/2605.13301',
    });
    expect(p.aiSummary).toMatch(/^A systematic approach transforms/);
    expect(p.aiKeywords).toContain('test-time scaling');
    // From arXiv: categories (primary first), its abstract and author list; the earliest publication time wins.
    expect(p).toMatchObject({ categories: ['cs.CL', 'cs.AI'], abstract: 'The arXiv abstract.', authors: ['Yafu Li'], publishedAt: '2026-05-12T17:59:00.000Z' });
    expect(h.count("SELECT count(*) FROM paper_categories WHERE paper_id = '2605.13301'")).toBe(2);
    // Counters come from HF only.
    expect(h.app.db.prepare("SELECT source, upvotes, comments, github_stars FROM observations WHERE paper_id = '2605.13301'").all()).toEqual([
      { source: 'file', upvotes: 140, comments: null, github_stars: 70 },
    ]);
  });

  it('a paper listed on two days of one HF run is one entry: one observation, its first daily date', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '2' });
    const item = hfFixture('2026-08-21')[0]!;
    const later = structuredClone(item);
    (later.paper as Record<string, unknown>).upvotes = (item.paper.upvotes ?? 0) + 10;
    (later.paper as Record<string, unknown>).submittedOnDailyAt = '2026-08-21T00:00:00.000Z';
    (item.paper as Record<string, unknown>).submittedOnDailyAt = '2026-08-20T00:00:00.000Z';
    h.server.route('/api/daily_papers', (req, res, url) => send(req, res, JSON.stringify([url.searchParams.get('date') === '2026-08-20' ? item : later]), 'application/json'));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 2, inserted: 1 });
    expect((await h.app.store.getPaper(item.paper.id))!.dailyDate).toBe('2026-08-20');
    expect(h.app.db.prepare('SELECT upvotes FROM observations').pluck().all()).toEqual([(item.paper.upvotes ?? 0) + 10]);
  });
});
