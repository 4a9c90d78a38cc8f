// The public web archive (index, edition page, Atom feed) and the development-only email preview,
// through the real Fastify app on a real SQLite edition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { buildHttpApp } from '../../src/http/build-app.js';
import { ARCHIVE_CSS_PATH, FEED_PATH } from '../../src/http/routes/archive.js';
import { PREVIEW_PREFIX } from '../../src/http/routes/email-preview.js';
import { createTestApp } from '../helpers/app.js';
import { sampleEdition, type SampleEdition } from './sample-edition.js';

const BASE = 'https://papers.example.org';

describe('web archive', () => {
  let s: SampleEdition;
  let http: FastifyInstance;
  beforeAll(async () => {
    s = await sampleEdition();
    http = await buildHttpApp(s.app);
  });
  afterAll(async () => {
    await http?.close();
    await s?.app.cleanup();
  });

  it('lists editions and advertises the feed', async () => {
    const res = await http.inject({ url: '/archive', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/archive/2026-08-21"');
    expect(res.body).toContain(`<link rel="alternate" type="application/atom+xml" title="Trending Papers: every digest" href="${BASE}${FEED_PATH}">`);
    const css = await http.inject({ url: ARCHIVE_CSS_PATH });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('shows an edition publicly: its top trending papers, reasons, no personal parts', async () => {
    const res = await http.inject({ url: '/archive/2026-08-21', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    const top = s.edition.papers.filter((p) => p.rank <= s.app.config.digest.size);
    expect(top.length).toBe(s.app.config.digest.size);
    let last = 0;
    for (const p of top) {
      const at = res.body.indexOf(p.snapshot.title.replace(/\s+/g, ' ').trim().replace(/&/g, '&amp;').replace(/'/g, '&#39;'), last);
      expect(at, p.snapshot.id).toBeGreaterThan(last);
      last = at;
      expect(res.body).toContain(p.reason.replace(/&/g, '&amp;'));
    }
    // Papers only some subscribers got in a "For you" section stay out, and so do tokens and addresses.
    const personalOnly = s.edition.papers.filter((x) => x.rank > s.app.config.digest.size);
    expect(personalOnly.length).toBeGreaterThan(0);
    for (const p of personalOnly) expect(res.body).not.toContain(`/papers/${p.snapshot.id}"`);
    expect(res.body).not.toMatch(/token=|For you|@example\.org/);
    expect(res.body).toContain('rel="alternate" type="application/atom+xml"');
    expect(res.body).toMatch(/<html lang="en">/);
  });

  it('answers 404 for a date without an edition, 400 for a malformed one or one out of range', async () => {
    expect((await http.inject({ url: '/archive/2025-01-01', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    expect((await http.inject({ url: '/archive/yesterday', headers: { accept: 'application/json' } })).statusCode).toBe(400);
    expect((await http.inject({ url: '/archive/2099-01-01', headers: { accept: 'application/json' } })).statusCode).toBe(400);
  });

  it('serves an Atom feed of editions with absolute links', async () => {
    const res = await http.inject({ url: FEED_PATH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'entry' || n === 'link' }).parse(res.body);
    const feed = doc.feed;
    expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toBe(`${BASE}/archive`);
    expect(feed.link.find((l: Record<string, string>) => l['@_rel'] === 'self')['@_href']).toBe(`${BASE}${FEED_PATH}`);
    expect(feed.entry).toHaveLength(1);
    const e = feed.entry[0];
    expect(e.id).toBe(`${BASE}/archive/2026-08-21`);
    expect(e.link[0]['@_href']).toBe(`${BASE}/archive/2026-08-21`);
    expect(e.updated).toBe(s.edition.preparedAt);
    expect(e.content['@_type']).toBe('html');
    // The content is escaped HTML: the parser gives it back as markup naming the top paper.
    expect(e.content['#text']).toContain(s.edition.papers[0]!.snapshot.title.split(' ')[0]);
    expect(e.content['#text']).toContain('<ol>');
  });

  it('previews the email in development: the digest, its text part and the confirmation', async () => {
    const html = await http.inject({ url: `${PREVIEW_PREFIX}/digest` });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('Top trending');
    expect(html.body).toContain("Today's trending papers");
    expect(html.headers['content-security-policy']).toContain("style-src 'unsafe-inline'");
    const text = await http.inject({ url: `${PREVIEW_PREFIX}/digest?date=2026-08-21&format=text` });
    expect(text.statusCode).toBe(200);
    expect(text.body).toContain('TOP TRENDING');
    expect((await http.inject({ url: `${PREVIEW_PREFIX}/digest?date=2025-01-01` })).statusCode).toBe(404);
    const confirm = await http.inject({ url: `${PREVIEW_PREFIX}/confirm` });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Confirm my subscription');
  });
});

describe('web archive of an edition frozen with raw TeX, broken authors and an arXiv-only paper', () => {
  let s: SampleEdition;
  let http: FastifyInstance;
  beforeAll(async () => {
    s = await sampleEdition();
    // What an older version froze: the source's TeX in title, summary and subject; authors split inside parentheses.
    const first = s.edition.papers.find((p) => p.rank === 1)!;
    const second = s.edition.papers.find((p) => p.rank === 2)!;
    const frozen = { ...first.snapshot, title: 'C$^2$KV: \\textbf{GPT-Red} is 7$\\times$ faster', summary: 'We propose \\textbf{GLoRA} in $\\sim$3 hours.', authors: ['Jacques Saraydaryan (CPE', ' CHROMA)', '{\\DJ}oković'] };
    const { counted: _c, publishedAt: _p, ...arxivOnly } = { ...second.snapshot, hfUrl: null, upvotes: 0, comments: 0, categories: ['cs.CL'] };
    const update = s.app.db.prepare('UPDATE edition_papers SET snapshot_json = ? WHERE edition_id = ? AND paper_id = ?');
    update.run(JSON.stringify(frozen), s.edition.id, first.snapshot.id);
    update.run(JSON.stringify(arxivOnly), s.edition.id, second.snapshot.id);
    s.app.db.prepare('UPDATE editions SET subject = ? WHERE id = ?').run('Trending papers for 2026-08-21: C$^2$KV: \\textbf{GPT-Red}', s.edition.id);
    http = await buildHttpApp(s.app);
  });
  afterAll(async () => {
    await http?.close();
    await s?.app.cleanup();
  });

  it('reads right on the index and the edition page', async () => {
    const index = await http.inject({ url: '/archive', headers: { accept: 'text/html' } });
    expect(index.body).toContain('Trending papers for 2026-08-21: C²KV: GPT-Red');
    const page = await http.inject({ url: '/archive/2026-08-21', headers: { accept: 'text/html' } });
    expect(page.body).toContain('C²KV: <strong>GPT-Red</strong> is 7× faster');
    expect(page.body).toContain('We propose <strong>GLoRA</strong> in ∼3 hours.');
    expect(page.body).toContain('Jacques Saraydaryan, Đoković');
    expect(page.body).toContain('<meta name="description" content="Trending papers for 2026-08-21: C²KV: GPT-Red">');
    expect(page.body).toMatch(/cs\.CL · on arXiv<\/p>/);
    expect(page.body).not.toMatch(/\\textbf|\$\^2\$|\\times|\D0 upvotes/);
  });

  it('reads right in the Atom feed', async () => {
    const res = await http.inject({ url: FEED_PATH });
    const e = new XMLParser({ isArray: (n) => n === 'entry' }).parse(res.body).feed.entry[0];
    expect(e.summary).toBe('Trending papers for 2026-08-21: C²KV: GPT-Red');
    expect(e.content).toContain('<strong>C²KV: <strong>GPT-Red</strong> is 7× faster</strong>');
    expect(e.content).toContain('cs.CL · on arXiv');
    expect(res.body).not.toMatch(/\\textbf|\\times|\D0 upvotes/);
  });
});

describe('email preview in production', () => {
  it('does not exist', async () => {
    const app = createTestApp({ NODE_ENV: 'production' });
    const http = await buildHttpApp(app);
    try {
      expect((await http.inject({ url: `${PREVIEW_PREFIX}/digest` })).statusCode).toBe(404);
      expect((await http.inject({ url: `${PREVIEW_PREFIX}/confirm` })).statusCode).toBe(404);
    } finally {
      await http.close();
      await app.cleanup();
    }
  });
});
