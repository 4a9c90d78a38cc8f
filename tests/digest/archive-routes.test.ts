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
