// Cross-cutting HTTP guarantees: security headers and CSP, cross-site form posts refused, error formats
// (JSON for the API, pages for browsers, never internals), body limits, OpenAPI at /docs, and logs that
// never carry tokens or addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/lib/logger.js';
import { createTestApp } from '../helpers/app.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { SITE_CSS_PATH } from '../../src/http/pages/site-css.js';
import { form, LEAK, multipart, preferencesToken, startHarness, unsubscribeToken, type HttpHarness } from './harness.js';

let h: HttpHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const pages = ['/', '/confirm?token=x', `/unsubscribe?token=${unsubscribeToken(1)}`, '/nowhere'];

describe('security headers', () => {
  it('every page gets helmet headers and a CSP that allows no script and no inline style', async () => {
    h.app.subscriptions.repo.create({ email: 'sec@example.org', status: 'active', now: new Date().toISOString() });
    for (const path of [...pages, `/preferences?token=${preferencesToken(1)}`]) {
      const res = await h.http.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, path).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      // Nothing the CSP would block: no inline style or script on our pages.
      expect(res.body).not.toMatch(/<style|\sstyle=|<script|\son[a-z]+=/i);
      expect(res.body).toContain(`<link rel="stylesheet" href="${SITE_CSS_PATH}">`);
    }
  });

  it('serves the stylesheet at its hashed URL, cacheable for a year', async () => {
    const res = await h.http.inject({ method: 'GET', url: SITE_CSS_PATH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.body).toContain(':focus-visible');
  });

  it('pages are accessible without JavaScript: lang, viewport, labelled inputs, a skip link', async () => {
    const res = await h.http.inject({ method: 'GET', url: '/' });
    expect(res.body).toMatch(/<html lang="en">/);
    expect(res.body).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    expect(res.body).toContain('<a class="skip" href="#main">');
    expect(res.body).toContain('<form class="card" method="post" action="/subscribe"');
    const ids = [...res.body.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['email', 'topics', 'website']);
    for (const fieldId of ids) expect(res.body).toContain(`<label for="${fieldId}">`);
    expect(res.body).toMatch(/class="hp" aria-hidden="true"/);
  });
});

describe('cross-site form posts', () => {
  const subscribeFrom = (headers: Record<string, string>, email: string) =>
    h.http.inject({ method: 'POST', url: '/subscribe', headers: { accept: 'text/html', ...form({ email }).headers, ...headers }, payload: form({ email }).payload });

  it('refuses a form post another site makes a browser send, and records nothing', async () => {
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'https://other.papers.example.org' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of foreign) {
      const res = await subscribeFrom(headers, 'victim@example.org');
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.body).toContain('another website');
    }
    const json = await h.http.inject({ method: 'POST', url: '/subscribe', headers: { ...form({ email: 'victim@example.org' }).headers, origin: 'https://evil.example' }, payload: form({ email: 'victim@example.org' }).payload });
    expect(json.json()).toEqual({ error: { code: 'CROSS_SITE_REQUEST', message: expect.any(String) } });
    const pref = await h.http.inject({
      method: 'POST',
      url: `/preferences?token=${preferencesToken(1)}`,
      headers: { ...multipart({ frequency: 'weekly', hour: '1', timezone: 'UTC' }).headers, 'sec-fetch-site': 'cross-site' },
      payload: multipart({ frequency: 'weekly', hour: '1', timezone: 'UTC' }).payload,
    });
    expect(pref.statusCode).toBe(403);
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.getByEmail('victim@example.org')).toBeUndefined();
  });

  it('accepts posts from our own pages and from clients that send no browser headers', async () => {
    expect((await subscribeFrom({ 'sec-fetch-site': 'same-origin', origin: 'https://papers.example.org' }, 'a1@example.org')).statusCode).toBe(202);
    expect((await subscribeFrom({ origin: 'https://papers.example.org' }, 'a2@example.org')).statusCode).toBe(202);
    expect((await subscribeFrom({ origin: 'http://localhost:80' }, 'a3@example.org')).statusCode).toBe(202); // the Host it was sent to
    expect((await subscribeFrom({ 'sec-fetch-site': 'none' }, 'a4@example.org')).statusCode).toBe(202);
    expect((await subscribeFrom({}, 'a5@example.org')).statusCode).toBe(202);
  });
});

describe('errors', () => {
  it('API clients get JSON with a stable code, browsers a page; never internals', async () => {
    const api = await h.http.inject({ method: 'GET', url: '/api/nothing', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    const page = await h.http.inject({ method: 'GET', url: '/nothing', headers: { accept: 'text/html,*/*' } });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Page not found');
    const method = await h.http.inject({ method: 'DELETE', url: '/api/subscriptions' });
    expect(method.statusCode).toBe(404);
  });

  it('over-large, malformed and unexpected bodies are 4xx', async () => {
    const cases = [
      { url: '/subscribe', ...form({ email: 'a@example.org', topics: 'x'.repeat(20_000) }), status: 413 },
      { url: '/unsubscribe?token=1.x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a='.repeat(40_000), status: 413 },
      { url: '/subscribe', headers: { 'content-type': 'multipart/form-data; boundary=zz' }, payload: '--zz\r\nContent-Disposition: form-data; name="email"\r\n\r\nabc', status: 400 },
      { url: '/subscribe', headers: { 'content-type': 'multipart/form-data' }, payload: 'no boundary', status: 400 },
      {
        url: '/subscribe',
        headers: { 'content-type': 'multipart/form-data; boundary=zz' },
        payload: '--zz\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz--\r\n',
        status: 413,
      },
      { url: '/confirm', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from([0, 1, 2]), status: 415 },
    ];
    for (const { status, ...c } of cases) {
      const res = await h.http.inject({ method: 'POST', ...c });
      expect(res.statusCode, `${c.url} ${c.headers?.['content-type']}`).toBe(status);
      expect(res.body).not.toMatch(LEAK);
      expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
    }
  });
});

describe('OpenAPI', () => {
  it('serves the UI at /docs and a document generated from the zod schemas', async () => {
    const ui = await h.http.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger-ui');
    const doc = (await h.http.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = doc.paths['/api/subscriptions'].post;
    const schema = op.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['email']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(['email', 'hour', 'timezone', 'topics']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['202', '400', '429']));
    expect(doc.paths['/unsubscribe'].post.parameters[0]).toMatchObject({ in: 'query', name: 'token' });
    expect(doc.paths['/preferences/export']).toBeDefined();
  });
});

describe('logs', () => {
  it('carry subscriber ids and routes, never tokens or email addresses', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const app = createTestApp({ SMTP_URL: h.smtp.url }, { logger: createLogger({ level: 'info', destination: sink }) });
    const http = await buildHttpApp(app);
    try {
      await http.inject({ method: 'POST', url: '/api/subscriptions', payload: { email: 'secret.person@example.org' } });
      await app.subscriptions.drain();
      const id = app.subscriptions.repo.getByEmail('secret.person@example.org')!.id;
      const token = unsubscribeToken(id);
      await http.inject({ method: 'GET', url: `/unsubscribe?token=${token}` });
      await http.inject({ method: 'POST', url: `/unsubscribe?token=${token}`, ...form({ 'List-Unsubscribe': 'One-Click' }) });
      await http.inject({ method: 'GET', url: `/preferences?token=${preferencesToken(id)}` });
      const all = lines.join('');
      expect(all).toContain('"event":"subscriber.created"');
      expect(all).toContain('"event":"http.request"');
      expect(all).toContain('"route":"/unsubscribe"');
      expect(all).not.toContain('secret.person');
      expect(all).not.toContain(token.split('.')[1]);
      expect(all).not.toContain(preferencesToken(id).split('.')[1]);
    } finally {
      await http.close();
      await app.cleanup();
    }
  });
});
