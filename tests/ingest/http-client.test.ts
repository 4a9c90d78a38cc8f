// The polite HTTP client on its own, against a real local server: the per-host gate (one request at a time,
// spaced starts), Retry-After parsing, cancellation and the conditional-request cache.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, parseRetryAfter, type HttpClientSettings } from '../../src/ingest/http-client.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { openDatabase } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { sqliteStore } from '../../src/db/store.js';

const settings: HttpClientSettings = { timeoutMs: 1000, retries: 1, retryBaseMs: 5, maxRetryAfterMs: 5000, userAgent: 'test-agent/1' };

let server: FixtureServer;
let inFlight = 0;
let maxInFlight = 0;
beforeEach(async () => {
  server = await startFixtureServer();
  inFlight = maxInFlight = 0;
  server.route('/slow', async (_req, res) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, 50));
    inFlight--;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
afterEach(async () => {
  await server.close();
});

describe('per-host gate', () => {
  it('sends concurrent requests to one host one at a time, their starts at least minIntervalMs apart', async () => {
    const http = createHttpClient(settings, { fetch });
    const results = await Promise.all([1, 2, 3].map(() => http.get(`${server.url}/slow`, { minIntervalMs: 120 })));
    expect(results.map((r) => r.body)).toEqual(['ok', 'ok', 'ok']);
    expect(maxInFlight).toBe(1);
    const at = server.requests.map((r) => r.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(115);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(115);
    expect(server.requests[0]!.headers['user-agent']).toBe('test-agent/1');
  });

  it('does not hold back requests to another host', async () => {
    const http = createHttpClient(settings, { fetch });
    const a = server.url;
    const b = server.url.replace('127.0.0.1', 'localhost'); // same server, another host for the gate
    await http.get(`${a}/slow`, { minIntervalMs: 1500 });
    const t0 = Date.now();
    const answered: string[] = [];
    const [toA] = await Promise.all([
      http.get(`${a}/slow`, { minIntervalMs: 1500 }).then(() => (answered.push('a'), Date.now() - t0)),
      http.get(`${b}/slow`, { minIntervalMs: 1500 }).then(() => void answered.push('b')),
    ]);
    // The first host's gate held its request (a lower bound: waits are never shorter), the other one's went ahead.
    expect(toA).toBeGreaterThanOrEqual(1400);
    expect(answered).toEqual(['b', 'a']);
    expect(server.requests.map((r) => r.headers.host)).toEqual([new URL(a).host, new URL(b).host, new URL(a).host]);
  });

  it('stops at once when the caller cancels', async () => {
    const http = createHttpClient({ ...settings, timeoutMs: 5000 }, { fetch });
    const controller = new AbortController();
    server.route('/never', () => controller.abort()); // the server has the request and never answers
    await expect(http.get(`${server.url}/never`, { signal: controller.signal })).rejects.toMatchObject({ code: 'HTTP_ABORTED' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-08-21T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 21 Aug 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 21 Aug 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('conditional requests', () => {
  it('stores validators and body from a 200, sends them back, and answers a 304 from the cache', async () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const cache = sqliteStore(db);
    const http = createHttpClient(settings, { fetch, cache });
    server.route('/feed', (req, res) => {
      if (req.headers['if-modified-since'] === 'Thu, 20 Aug 2026 04:00:01 GMT') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'last-modified': 'Thu, 20 Aug 2026 04:00:01 GMT' }).end('<rss/>');
    });
    const url = `${server.url}/feed`;
    const first = await http.get(url, { conditional: true });
    expect(first).toMatchObject({ status: 200, body: '<rss/>', fromCache: false });
    const second = await http.get(url, { conditional: true });
    expect(second).toMatchObject({ status: 200, body: '<rss/>', contentType: 'application/rss+xml', fromCache: true });
    // Without `conditional` nothing is sent back or stored.
    const third = await http.get(url);
    expect(third.fromCache).toBe(false);
    expect(server.requests.map((r) => r.headers['if-modified-since'] ?? null)).toEqual([null, 'Thu, 20 Aug 2026 04:00:01 GMT', null]);
    expect(await cache.cachedResponse(url)).toMatchObject({ lastModified: 'Thu, 20 Aug 2026 04:00:01 GMT', etag: null, body: '<rss/>' });
    db.close();
  });

  it('forgets URLs not fetched for 30 days, so one URL per day does not grow the table forever', async () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const cache = sqliteStore(db);
    const row = (url: string, fetchedAt: string) => ({ url, etag: '"e"', lastModified: null, body: '[]', contentType: 'application/json', fetchedAt });
    await cache.storeCachedResponse(row('http://x/a', '2026-07-01T00:00:00.000Z'));
    await cache.storeCachedResponse(row('http://x/b', '2026-07-25T00:00:00.000Z'));
    await cache.storeCachedResponse(row('http://x/c', '2026-08-21T00:00:00.000Z'));
    expect(await cache.cachedResponse('http://x/a')).toBeUndefined();
    expect((await cache.cachedResponse('http://x/b'))?.body).toBe('[]');
    expect((await cache.cachedResponse('http://x/c'))?.body).toBe('[]');
    db.close();
  });

  it('does not cache error responses', async () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const cache = sqliteStore(db);
    const http = createHttpClient(settings, { fetch, cache });
    server.route('/gone', (_req, res) => void res.writeHead(404, { etag: '"x"' }).end('nope'));
    const res = await http.get(`${server.url}/gone`, { conditional: true });
    expect(res.status).toBe(404);
    expect(await cache.cachedResponse(`${server.url}/gone`)).toBeUndefined();
    db.close();
  });
});
