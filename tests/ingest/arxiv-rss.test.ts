// The arXiv RSS source against the real fixture server: the recorded cs.CL listing, a weekend feed, bad feeds,
// and how announce types decide between "new paper" and "update of a paper we have".
import { afterEach, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { arxivFixture, fold, send, serveHfDaily, startIngestHarness, type IngestHarness } from './harness.js';
import { createPapersRepo } from '../../src/db/papers-repo.js';

let h: IngestHarness;
afterEach(async () => {
  await h?.close();
});

interface FixtureItem {
  id: string;
  version: string;
  title: string;
  type: string;
  categories: string[];
  creators: string;
  description: string;
  pubDate: string;
}

/** The fixture read independently of the source (its own parser settings), as the expectations. */
function fixtureItems(): FixtureItem[] {
  const doc = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'item' || n === 'category' }).parse(arxivFixture('rss-cs.CL-2026-08-20.xml'));
  return (doc.rss.channel.item as Record<string, any>[]).map((i) => {
    const [, id, version] = /^oai:arXiv\.org:(.+)v(\d+)$/.exec(i.guid as string)!;
    return { id: id!, version: version!, title: i.title, type: i['arxiv:announce_type'], categories: i.category, creators: i['dc:creator'], description: i.description, pubDate: i.pubDate };
  });
}

const serveRss = (file = 'rss-cs.CL-2026-08-20.xml', type = 'application/rss+xml') => h.server.route((u) => u.pathname.startsWith('/rss/'), (req, res) => send(req, res, arxivFixture(file), type, true));

describe('arxiv rss source', () => {
  it('asks for each category in its own request and stores every new and cross-listed paper with its fields', async () => {
    h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_MODE: 'rss', ARXIV_CATEGORIES: 'cs.CL,cs.LG' });
    serveRss();
    h.server.route('/rss/cs.LG', (req, res) => send(req, res, arxivFixture('rss-cs.CL-weekend-empty.xml'), 'application/rss+xml'));
    const items = fixtureItems();
    expect(items).toHaveLength(141);
    const fresh = items.filter((i) => i.type === 'new' || i.type === 'cross');
    const [out] = await h.ingest();
    expect(h.server.requests.map((r) => r.path)).toEqual(['/rss/cs.CL', '/rss/cs.LG']);
    expect(out).toMatchObject({ source: 'arxiv', ok: true, fetched: 141, inserted: fresh.length, ignored: 141 - fresh.length, skipped: 0 });
    expect(h.count('SELECT count(*) FROM papers')).toBe(fresh.length);
    expect(h.count('SELECT count(*) FROM observations')).toBe(0); // arXiv has no counters

    for (const i of fresh) {
      const p = (await h.app.store.getPaper(i.id))!;
      expect(p, i.id).toBeDefined();
      expect(p.title).toBe(fold(i.title));
      expect(p.categories).toEqual(i.categories); // primary first, as listed
      // Lists without TeX or parentheses are the plain comma split; the others are checked by hand below and in
      // tests/lib/author-names.test.ts.
      if (!/[\\{(]/.test(i.creators)) expect(p.authors).toEqual(i.creators.split(',').map(fold));
      else expect(p.authors.join(', ')).not.toMatch(/[\\{}()]/);
      expect(p.abstract).toBe(fold(i.description.split(/Abstract:/)[1]!));
      expect(p.publishedAt).toBe(new Date(i.pubDate).toISOString());
      expect(p).toMatchObject({ arxivUrl: `https://arxiv.org/abs/${i.id}`, pdfUrl: `https://arxiv.org/pdf/${i.id}`, hfUrl: null, sources: ['arxiv'] });
      expect(h.count('SELECT count(*) FROM paper_categories WHERE paper_id = ?', i.id)).toBe(i.categories.length);
    }
    // Spot checks read off the fixture by hand: TeX accents decoded, a cross-list keeps its own primary first.
    expect((await h.app.store.getPaper('2608.18083'))!.authors).toEqual(['Karolina Drożdż', 'Micha Heilbron']);
    // "Shayan Shahrabi-Farahani (Shahid Beheshti University, Tehran, Iran), Dara Rahmati (…)": two authors, not six.
    const withAffiliations = fresh.find((i) => i.creators.startsWith('Shayan Shahrabi-Farahani'))!;
    expect((await h.app.store.getPaper(withAffiliations.id))!.authors).toEqual(['Shayan Shahrabi-Farahani', 'Dara Rahmati']);
    expect((await h.app.store.getPaper('2608.18082'))!.abstract).toMatch(/^Although context windows have expanded significantly/);
    const cross = fresh.find((i) => i.type === 'cross')!;
    expect((await h.app.store.getPaper(cross.id))!.categories[0]).not.toBe('cs.CL');
    // Replacements of papers we never had are not added.
    for (const i of items.filter((x) => x.type.startsWith('replace'))) expect((await h.app.store.getPaper(i.id))).toBeUndefined();
  });

  it('replace and replace-cross update papers we already have; new items seen again are unchanged', async () => {
    h = await startIngestHarness({ SOURCES: 'hf,arxiv', ARXIV_CATEGORIES: 'cs.CL' });
    serveHfDaily(h.server);
    serveRss();
    const items = fixtureItems();
    const [hf, arxiv] = await h.ingest();
    expect(hf!.ok && arxiv!.ok).toBe(true);
    // Five papers of the listing are also in the HF week: 2 new, 1 cross, 2 replace.
    const stored = await Promise.all(items.map((i) => h.app.store.getPaper(i.id)));
    const overlap = items.filter((_i, k) => stored[k]?.sources.includes('hf'));
    expect(overlap.map((i) => [i.id, i.type])).toEqual([
      ['2608.18115', 'new'],
      ['2608.19197', 'new'],
      ['2608.18940', 'cross'],
      ['2608.16002', 'replace'],
      ['2608.17050', 'replace'],
    ]);
    expect(arxiv).toMatchObject({ updated: 5, ignored: items.filter((i) => i.type.startsWith('replace')).length - 2 });
    for (const i of overlap) {
      const p = (await h.app.store.getPaper(i.id))!;
      expect(p.sources).toEqual(['hf', 'arxiv']);
      expect(p.categories).toEqual(i.categories);
      expect(p.hfUrl).toBe(`https://huggingface.co/papers/${i.id}`);
    }
    const again = await h.ingest({ only: 'arxiv' });
    expect(again[0]).toMatchObject({ ok: true, inserted: 0, updated: 0 });
  });

  it('a category whose feed fails fails alone: the others land, and the run records which category and why', async () => {
    h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_CATEGORIES: 'cs.LG,cs.CL,cs.CV', HTTP_RETRIES: '1' });
    serveRss();
    h.server.route('/rss/cs.LG', (_req, res) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance'));
    h.server.route('/rss/cs.CV', (req, res) => send(req, res, arxivFixture('rss-cs.CL-weekend-empty.xml'), 'application/rss+xml'));
    const fresh = fixtureItems().filter((i) => i.type === 'new' || i.type === 'cross');
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 141, inserted: fresh.length });
    expect(out!.failures).toEqual([
      { part: 'cs.LG', code: 'HTTP_STATUS', error: expect.stringMatching(/^HTTP_STATUS: arxiv: RSS feed cs\.LG: GET .*\/rss\/cs\.LG answered HTTP 503 \(maintenance\) after 2 attempts$/) },
    ]);
    expect(h.count('SELECT count(*) FROM papers')).toBe(fresh.length);
    const run = (await h.app.store.recentIngestRuns(1))[0]!;
    expect(run).toMatchObject({ source: 'arxiv', status: 'ok', failures: 1, error: out!.failures[0]!.error });
  });

  it('treats a weekend feed without items as an empty, successful run', async () => {
    h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_CATEGORIES: 'cs.CL' });
    serveRss('rss-cs.CL-weekend-empty.xml');
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 0, inserted: 0, skipped: 0 });
  });

  it('uses conditional requests: an unchanged feed is answered 304 and read from the cache', async () => {
    h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_CATEGORIES: 'cs.CL' });
    serveRss();
    const [first] = await h.ingest();
    const [second] = await h.ingest();
    expect(h.server.requests[1]!.headers['if-none-match']).toMatch(/^"[0-9a-f]{40}"$/);
    expect(second).toMatchObject({ ok: true, fetched: 141, inserted: 0, unchanged: first!.inserted });
  });

  const bad: [string, string, string, RegExp][] = [
    ['an HTML page', 'text/html', '<html><body>Service unavailable</body></html>', /SOURCE_BAD_PAYLOAD: arxiv: RSS feed cs.CL: expected XML but got text\/html/],
    ['truncated XML', 'application/rss+xml', arxivFixture('rss-cs.CL-2026-08-20.xml').slice(0, 20_000), /not well-formed XML/],
    ['XML that is not RSS', 'application/xml', '<?xml version="1.0"?><feed><entry/></feed>', /not an RSS feed \(no <rss><channel>\)/],
  ];
  for (const [name, type, body, pattern] of bad)
    it(`fails the source on ${name}`, async () => {
      h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_CATEGORIES: 'cs.CL' });
      h.server.route('/rss/cs.CL', (_req, res) => void res.writeHead(200, { 'content-type': type }).end(body));
      const [out] = await h.ingest();
      expect(out).toMatchObject({ ok: false, inserted: 0 });
      expect(out!.error).toMatch(pattern);
      expect(h.count('SELECT count(*) FROM papers')).toBe(0);
    });

  it('skips items without a usable id or title and keeps the rest', async () => {
    h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_CATEGORIES: 'cs.CL' });
    const feed = `<?xml version="1.0"?><rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel><title>t</title>
      <item><title>Good</title><link>https://arxiv.org/abs/2608.00001</link><description>arXiv:2608.00001v1 Announce Type: new
Abstract: Fine.</description><category>cs.CL</category><dc:creator>A. B\\"ohm, C. D</dc:creator></item>
      <item><title>No link</title><description>nothing here</description></item>
      <item><title></title><link>https://arxiv.org/abs/2608.00002</link></item>
      <item><title>Missing type, version 2</title><link>https://arxiv.org/abs/2608.00003</link><guid>oai:arXiv.org:2608.00003v2</guid></item>
    </channel></rss>`;
    h.server.route('/rss/cs.CL', (req, res) => send(req, res, feed, 'text/xml'));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 4, inserted: 1, ignored: 1, skipped: 2 });
    expect((await h.app.store.getPaper('2608.00001'))).toMatchObject({ title: 'Good', abstract: 'Fine.', authors: ['A. Böhm', 'C. D'], categories: ['cs.CL'] });
    expect(out!.skippedExamples.map((s) => s.reason)).toEqual([expect.stringMatching(/no arXiv id/), expect.stringMatching(/title/)]);
  });
});

describe('author lists and TeX in the listing', () => {
  it('stores titles and abstracts as written, and repairs authors stored broken by an older version on the next ingest', async () => {
    h = await startIngestHarness({ SOURCES: 'arxiv', ARXIV_CATEGORIES: 'cs.AI' });
    // What the old parser stored for two papers of this listing: split on every comma, TeX accents left raw.
    const papers = createPapersRepo(h.app.db);
    const old = (id: string, title: string, authors: string[]) =>
      papers.upsertBatch('arxiv', [{ id, title, authors, aiKeywords: [], categories: ['cs.AI'] }], '2026-05-12T10:00:00.000Z');
    old('2605.10035', 'Old title', ['Haojie Rao (School of Computer Science', 'Wuhan University', 'Wuhan', 'China)', 'Kun Li (School of Computer Science']);
    old('2605.10169', 'Old title', ['Krishnendu Chatterjee', '{\\DJ}or{\\dj}e \\v{Z}ikeli\\\'c']);
    h.server.route('/rss/cs.AI', (req, res) => send(req, res, arxivFixture('rss-tex-authors-2026-05.xml'), 'application/rss+xml'));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 12, skipped: 0, updated: 2 });
    expect((await h.app.store.getPaper('2605.10035'))!.authors).toEqual([
      'Haojie Rao', 'Kun Li', 'Yida Xiong', 'Jiameng Chen', 'Wenbin Hu', 'Yizhen Zheng', 'Jiajun Yu', 'Duanhua Cao',
    ]);
    expect((await h.app.store.getPaper('2605.10169'))!.authors).toEqual([
      'Krishnendu Chatterjee', 'Ehsan Kafshdar Goharshady', 'Mehrdad Karrabi', 'Maximilian Seeliger', 'Đorđe Žikelić',
    ]);
    // Titles keep their TeX: the views make it readable, so a better converter later improves old papers too.
    expect((await h.app.store.getPaper('2605.06924'))!.title).toBe('A$^2$RD: Agentic Autoregressive Diffusion for Long Video Consistency');
    expect((await h.app.store.getPaper('2605.07841'))!.title).toBe('\\mathsf{VISTA}: Decentralized Machine Learning in Adversary Dominated Environments');
  });
});
