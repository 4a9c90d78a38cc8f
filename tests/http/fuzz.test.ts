// Property: whatever arrives — random methods, query strings, headers and bodies, to every route the app
// serves (read from its own OpenAPI document, so new routes are fuzzed too) — the answer is never a 5xx
// and never shows a stack trace or a source location.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { LEAK, preferencesToken, startHarness, unsubscribeToken, type HttpHarness } from './harness.js';
import { SITE_CSS_PATH } from '../../src/http/pages/site-css.js';

let h: HttpHarness;
let routes: { method: string; path: string }[];

beforeAll(async () => {
  h = await startHarness({ SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000000', ADMIN_TOKEN: 'fuzz-admin-token-0123456789' });
  const now = new Date().toISOString();
  for (const status of ['active', 'pending', 'unsubscribed'] as const) h.app.subscriptions.repo.create({ email: `${status}@example.org`, status, now });
  await h.http.ready();
  const doc = h.http.swagger() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
  routes.push({ method: 'GET', path: '/docs' }, { method: 'GET', path: SITE_CSS_PATH });
});
afterAll(async () => h.close());

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const anyText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), printable);
const validTokens = () => [unsubscribeToken(1), unsubscribeToken(2), unsubscribeToken(3), preferencesToken(1), preferencesToken(2), preferencesToken(3)];
const tokens = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...validTokens()) },
  { weight: 1, arbitrary: fc.constantFrom(`1.${'A'.repeat(32)}`, '0.x', '9'.repeat(30) + '.abc', unsubscribeToken(99)) },
  { weight: 2, arbitrary: anyText },
);
const queryValue = fc.oneof(tokens.map(encodeURIComponent), anyText.map(encodeURIComponent), fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '[]', 'a&b', '=='));
const queryString = fc.oneof(
  { weight: 3, arbitrary: tokens.map((t) => `?token=${encodeURIComponent(t)}`) },
  { weight: 1, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('token', 'email', 'date', '__proto__', 'constructor', 'x', 'token[]', 'token[a]'), queryValue), { maxLength: 4 })
      .map((pairs) => '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  },
);
const emailish = fc.oneof(fc.emailAddress(), anyText, fc.constantFrom('active@example.org', ' Pending@EXAMPLE.org ', 'a@b', 'x@bücher.example', 'a@example.org\r\nBcc: b@example.org'));
const fieldValue = fc.oneof(anyText, emailish, fc.constantFrom('One-Click', 'yes', 'on', 'daily', 'weekly', '7', '25', 'UTC', 'Europe/Berlin', 'agents, cs.CL'));
const fields = fc.dictionary(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('email', 'token', 'topics', 'website', 'frequency', 'hour', 'timezone', 'paused', 'confirm', 'List-Unsubscribe') },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty'), printable) },
  ),
  fieldValue,
  { maxKeys: 6 },
);
const subscribeJson = fc.record(
  {
    email: emailish,
    topics: fc.oneof(fc.array(anyText, { maxLength: 12 }), anyText),
    timezone: fc.oneof(fc.constantFrom('UTC', 'europe/berlin', 'Mars/Base'), anyText),
    hour: fc.oneof(fc.integer({ min: -2, max: 30 }), fc.double(), anyText),
    extra: anyText,
  },
  { requiredKeys: ['email'] },
);
const BOUNDARY = 'fuzzBoundary42';
const body = fc.oneof(
  fc.constant(undefined),
  fields.map((f) => ({ type: 'application/x-www-form-urlencoded', payload: new URLSearchParams(f).toString() })),
  fields.map((f) => ({
    type: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: Object.entries(f).map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${BOUNDARY}--\r\n`,
  })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' })),
  fields.map((f) => ({ type: 'application/json', payload: JSON.stringify(f) })),
  subscribeJson.map((f) => ({ type: 'application/json', payload: JSON.stringify(f) })),
  fc
    .record({ email: fc.emailAddress(), topics: fc.array(fc.string({ minLength: 2, maxLength: 20 }), { maxLength: 3 }) }, { requiredKeys: ['email'] })
    .map((f) => ({ type: 'application/json', payload: JSON.stringify(f) })),
  fc.record({
    type: fc.oneof(
      fc.constantFrom('application/json', 'multipart/form-data', `multipart/form-data; boundary=${BOUNDARY}`, 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-16'),
      printable,
    ),
    payload: fc.oneof(anyText, fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))),
  }),
);
const headers = fc.record(
  {
    accept: fc.oneof(fc.constantFrom('text/html', 'application/json', '*/*', 'text/html,application/xhtml+xml;q=0.9'), printable),
    origin: fc.oneof(fc.constantFrom('https://papers.example.org', 'https://evil.example', 'null'), printable),
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site', 'bogus'),
    cookie: printable,
    authorization: fc.oneof(fc.constant('Bearer fuzz-admin-token-0123456789'), printable.map((s) => `Bearer ${s}`)),
    'x-forwarded-for': printable,
  },
  { requiredKeys: [] },
);

describe('fuzzing every route', () => {
  it('never answers 5xx and never leaks a stack trace', async () => {
    expect(routes.length).toBeGreaterThan(8);
    expect(routes).toEqual(expect.arrayContaining([{ method: 'POST', path: '/api/subscriptions' }, { method: 'POST', path: '/unsubscribe' }]));
    const method = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), method, fc.string({ maxLength: 30 }), queryString, headers, body, async (route, m, param, query, hdrs, b) => {
        const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(param) || 'x');
        const opts: InjectOptions = {
          method: (m ?? route.method) as InjectOptions['method'],
          url: path + query,
          headers: { ...hdrs, ...(b ? { 'content-type': b.type } : {}) },
          ...(b ? { payload: b.payload } : {}),
        };
        // A request the HTTP layer itself cannot form (an invalid URL or header) is not the app's business.
        let res;
        try {
          res = await h.http.inject(opts);
        } catch (err) {
          if (/Invalid|URI|header/i.test(String((err as Error).message))) return;
          throw err;
        }
        expect(res.statusCode, `${opts.method} ${opts.url} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        expect(res.body, `${opts.method} ${opts.url}`).not.toMatch(LEAK);
      }),
      { numRuns: 600 },
    );
  }, 120_000);
});
