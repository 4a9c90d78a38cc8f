// The arXiv API (Atom) source against the real fixture server: current and rel-less link formats, old-style ids,
// empty results, the HTTP 400 "Error" feed, paging, one query per category (a failing category fails alone),
// and arXiv's one-request-per-interval rule.
import { afterEach, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { arxivFixture, fold, send, startIngestHarness, type IngestHarness } from './harness.js';

let h: IngestHarness;
afterEach(async () => {
  await h?.close();
});

const API_ENV = { SOURCES: 'arxiv', ARXIV_MODE: 'api', ARXIV_CATEGORIES: 'cs.CL', ARXIV_API_PAGE_SIZE: '10', ARXIV_API_MAX_RESULTS: '10' };
const category = (path: string) => /cat:([\w.-]+)/.exec(new URL(path, 'http://x').searchParams.get('search_query') ?? '')?.[1];

interface FixtureEntry {
  id: string;
  title: string;
  summary: string;
  published: string;
  authors: string[];
  categories: string[];
}

/** The fixture read independently of the source, as the expectations. */
function fixtureEntries(file: string): FixtureEntry[] {
  const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (n) => ['entry', 'author', 'category'].includes(n) }).parse(arxivFixture(file));
  return (doc.feed.entry as Record<string, any>[]).map((e) => ({
    id: (e.id as string).replace(/^https?:\/\/arxiv\.org\/abs\//, '').replace(/v\d+$/, ''),
    title: e.title,
    summary: e.summary,
    published: e.published,
    authors: (e.author as { name: string }[]).map((a) => a.name),
    categories: (e.category as Record<string, string>[]).map((c) => c['@_term']!),
  }));
}

const atom = 'application/atom+xml; charset=UTF-8';

describe('arxiv api source', () => {
  for (const file of ['api-query-2026-04-12.xml', 'api-query-2025-11-11-nolinkrel.xml'])
    it(`stores every entry of ${file} with its fields`, async () => {
      h = await startIngestHarness(API_ENV);
      h.server.route('/api/query', (req, res) => send(req, res, arxivFixture(file), atom));
      const entries = fixtureEntries(file);
      const [out] = await h.ingest();
      expect(out).toMatchObject({ source: 'arxiv', ok: true, fetched: 10, inserted: 10, skipped: 0 });
      for (const e of entries) {
        const p = (await h.app.store.getPaper(e.id))!;
        expect(p, e.id).toBeDefined();
        expect(p.title).toBe(fold(e.title));
        expect(p.abstract).toBe(fold(e.summary));
        expect(p.authors).toEqual(e.authors);
        expect(new Set(p.categories)).toEqual(new Set(e.categories));
        expect(p.publishedAt).toBe(new Date(e.published).toISOString());
        expect(p).toMatchObject({ arxivUrl: `https://arxiv.org/abs/${e.id}`, pdfUrl: `https://arxiv.org/pdf/${e.id}`, sources: ['arxiv'] });
      }
    });

  it('finds ids, the primary category and the PDF link in the capture whose links have no rel', async () => {
    h = await startIngestHarness(API_ENV);
    h.server.route('/api/query', (req, res) => send(req, res, arxivFixture('api-query-2025-11-11-nolinkrel.xml'), atom));
    await h.ingest();
    // Old-style ids keep their archive; the version is gone.
    expect((await h.app.store.getPaper('nucl-ex/0408020'))).toMatchObject({ categories: ['nucl-ex', 'hep-ph'], pdfUrl: 'https://arxiv.org/pdf/nucl-ex/0408020' });
    expect((await h.app.store.getPaper('nucl-th/9910021'))).toBeDefined();
    expect((await h.app.store.getPaper('1309.4668'))!.authors).toEqual(['A. Pertica', 'S. J. Payne']);
  });

  it('puts the primary category first even when the API lists it later', async () => {
    h = await startIngestHarness(API_ENV);
    const feed = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
      <entry><id>http://arxiv.org/abs/2608.00009v2</id><title>T</title><published>2026-08-20T10:00:00Z</published>
      <category term="cs.LG"/><category term="cs.CL"/><arxiv:primary_category term="cs.CL"/><author><name>Jane Roe</name></author></entry></feed>`;
    h.server.route('/api/query', (req, res) => send(req, res, feed, atom));
    await h.ingest();
    expect((await h.app.store.getPaper('2608.00009'))).toMatchObject({ categories: ['cs.CL', 'cs.LG'], pdfUrl: null });
  });

  it('queries each configured category over the last ARXIV_DAYS days, newest first', async () => {
    h = await startIngestHarness({ ...API_ENV, ARXIV_CATEGORIES: 'cs.CL,cs.LG', ARXIV_DAYS: '3' });
    h.server.route('/api/query', (req, res) => send(req, res, arxivFixture('api-query-empty.xml'), atom));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 0, inserted: 0, failures: [] });
    const queries = h.server.requests.map((r) => new URL(r.path, 'http://x').searchParams);
    expect(queries.map((q) => q.get('search_query'))).toEqual([
      '(cat:cs.CL) AND submittedDate:[202608190000 TO 202608212359]',
      '(cat:cs.LG) AND submittedDate:[202608190000 TO 202608212359]',
    ]);
    expect(Object.fromEntries([...queries[0]!].filter(([k]) => k !== 'search_query'))).toEqual({ sortBy: 'submittedDate', sortOrder: 'descending', start: '0', max_results: '10' });
  });

  it('a category whose query fails fails alone: the other categories land and the failure names the category', async () => {
    h = await startIngestHarness({ ...API_ENV, ARXIV_CATEGORIES: 'cs.CL,cs.LG', HTTP_RETRIES: '1' });
    h.server.route('/api/query', (req, res, url) =>
      category(url.pathname + url.search) === 'cs.LG' ? void res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded') : send(req, res, arxivFixture('api-query-2026-04-12.xml'), atom),
    );
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 10, inserted: 10 });
    expect(out!.failures).toEqual([{ part: 'cs.LG', code: 'HTTP_STATUS', error: expect.stringMatching(/^HTTP_STATUS: arxiv: API query cs\.LG page 1 \(start=0\): GET .* answered HTTP 503 \(overloaded\) after 2 attempts$/) }]);
    expect(h.count('SELECT count(*) FROM papers')).toBe(10);
    expect((await h.app.store.recentIngestRuns(1))[0]).toMatchObject({ status: 'ok', failures: 1 });
    expect((await h.app.store.recentIngestRuns(1))[0]!.failed_parts).toEqual([expect.objectContaining({ part: 'cs.LG' })]);
  });

  it('reports the API error feed of an HTTP 400 with the API\'s own message', async () => {
    h = await startIngestHarness(API_ENV);
    h.server.route('/api/query', (_req, res) => void res.writeHead(400, { 'content-type': atom }).end(arxivFixture('api-error-400.xml')));
    const [out] = await h.ingest();
    expect(out!.ok).toBe(false);
    expect(out!.error).toBe('ARXIV_API_ERROR: arxiv: API query cs.CL page 1 (start=0): the arXiv API answered HTTP 400: incorrect id format for abc');
    expect(h.server.requests).toHaveLength(1); // a 400 is not retried
    expect(h.count('SELECT count(*) FROM papers')).toBe(0);
  });

  it('recognizes the error feed when it comes with HTTP 200 too', async () => {
    h = await startIngestHarness(API_ENV);
    h.server.route('/api/query', (req, res) => send(req, res, arxivFixture('api-error-400.xml'), atom));
    const [out] = await h.ingest();
    expect(out!.error).toMatch(/ARXIV_API_ERROR: .*HTTP 200: incorrect id format for abc/);
  });

  it('reports an HTTP error whose body is not XML as the HTTP error', async () => {
    h = await startIngestHarness(API_ENV);
    h.server.route('/api/query', (_req, res) => void res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Forbidden</h1>'));
    const [out] = await h.ingest();
    expect(out!.error).toMatch(/SOURCE_HTTP_STATUS: arxiv: API query cs\.CL page 1 \(start=0\): GET .* answered HTTP 403 \(<h1>Forbidden<\/h1>\)/);
  });

  it('pages through results one request at a time, spaced by ARXIV_MIN_INTERVAL_MS, and stops at a short page', async () => {
    h = await startIngestHarness({ ...API_ENV, ARXIV_API_MAX_RESULTS: '50', ARXIV_MIN_INTERVAL_MS: '200' });
    let inFlight = 0;
    let maxInFlight = 0;
    const pages: Record<string, string> = { '0': 'api-query-2026-04-12.xml', '10': 'api-query-2025-11-11-nolinkrel.xml', '20': 'api-query-empty.xml' };
    h.server.route('/api/query', async (req, res, url) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      send(req, res, arxivFixture(pages[url.searchParams.get('start')!]!), atom);
    });
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 20, inserted: 20 });
    expect(h.server.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('start'))).toEqual(['0', '10', '20']);
    const at = h.server.requests.map((r) => r.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(195);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(195);
    expect(maxInFlight).toBe(1);
  });
});
