// Error paths through the real fixture server: 5xx, 429 + Retry-After, slow and stalled responses, garbage
// bodies. A failed source (here: its one day) names itself and the cause, writes nothing, and the other sources
// carry on; a bad day of a longer range fails alone.
import { afterEach, describe, expect, it } from 'vitest';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { arxivFixture, hfFixture, send, serveHfDaily, startIngestHarness, type IngestHarness } from './harness.js';

let h: IngestHarness;
afterEach(async () => {
  await h?.close();
});

const day = JSON.stringify(hfFixture('2026-08-21'));

/** Ingest hf alone and expect it to fail with a message matching `pattern`; returns the outcome. */
async function expectHfFails(pattern: RegExp) {
  const [out] = await h.ingest();
  expect(out).toMatchObject({ source: 'hf', ok: false, fetched: 0, inserted: 0 });
  expect(out!.error).toMatch(/hf: /);
  expect(out!.error).toMatch(pattern);
  expect(h.count('SELECT count(*) FROM papers')).toBe(0);
  expect(h.count('SELECT count(*) FROM observations')).toBe(0);
  expect((await h.app.store.recentIngestRuns(1))[0]).toMatchObject({ source: 'hf', status: 'failed', error: out!.error });
  return out!;
}

describe('transport failures are retried with backoff, then fail the source', () => {
  it('HTTP 500 on every attempt: retries HTTP_RETRIES times, then fails naming the status and the server\'s words', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1', HTTP_RETRIES: '2', HTTP_RETRY_BASE_MS: '40' });
    h.server.route('/api/daily_papers', (_req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded'));
    const out = await expectHfFails(/HTTP_STATUS: hf: daily papers for 2026-08-21: GET .* answered HTTP 500 \(upstream exploded\) after 3 attempts/);
    expect(out.error).toContain('2026-08-21');
    const at = h.server.requests.map((r) => r.at);
    expect(at).toHaveLength(3);
    // Exponential backoff: 40 ms, then 80 ms.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(35);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(75);
  });

  it('a 503 that clears up on the last retry is a success', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1' });
    let calls = 0;
    h.server.route('/api/daily_papers', (req, res) => void (++calls < 3 ? res.writeHead(503).end() : send(req, res, day, 'application/json')));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, inserted: 17 });
    expect(calls).toBe(3);
  });

  it('429 with Retry-After: waits as long as asked (not the short backoff), then succeeds', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1', HTTP_RETRY_BASE_MS: '5' });
    let calls = 0;
    h.server.route('/api/daily_papers', (req, res) =>
      void (++calls === 1 ? res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down') : send(req, res, day, 'application/json')),
    );
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, inserted: 17 });
    const [a, b] = h.server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(950);
  });

  it('429 whose Retry-After is longer than HTTP_MAX_RETRY_AFTER_MS fails at once instead of stalling the job', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1', HTTP_MAX_RETRY_AFTER_MS: '2000' });
    h.server.route('/api/daily_papers', (_req, res) => void res.writeHead(429, { 'retry-after': '3600' }).end());
    await expectHfFails(/HTTP_RATE_LIMITED: .*answered HTTP 429; it asks to wait 3600 s \(Retry-After\), longer than the 2 s we wait/);
    expect(h.server.requests).toHaveLength(1);
  });

  it('429 with a Retry-After HTTP date is honoured too', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1' });
    let calls = 0;
    h.server.route('/api/daily_papers', (req, res) =>
      void (++calls === 1 ? res.writeHead(429, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }).end() : send(req, res, day, 'application/json')),
    );
    const [out] = await h.ingest();
    expect(out!.ok).toBe(true);
    const [a, b] = h.server.requests.map((r) => r.at);
    // HTTP dates have one-second resolution: at least ~0.5 s of the 1.5 s survives the rounding.
    expect(b! - a!).toBeGreaterThanOrEqual(450);
  });

  it('a response slower than HTTP_TIMEOUT_MS times out on every attempt and fails the source', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1', HTTP_TIMEOUT_MS: '150', HTTP_RETRIES: '1' });
    // The server answers only once the source has failed: a client that waited for it would never finish.
    let failed!: () => void;
    const sourceFailed = new Promise<void>((resolve) => (failed = resolve));
    h.server.route('/api/daily_papers', async (req, res) => {
      await sourceFailed;
      if (!res.destroyed) send(req, res, day, 'application/json');
    });
    try {
      await expectHfFails(/HTTP_TIMEOUT: .*timed out after 150 ms \(2 attempts\)/);
    } finally {
      failed();
    }
    expect(h.server.requests).toHaveLength(2);
  });

  it('a server that stalls in the middle of the body times out too', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1', HTTP_TIMEOUT_MS: '150', HTTP_RETRIES: '0' });
    h.server.route('/api/daily_papers', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(day)) });
      res.write(day.slice(0, 1000)); // and never the rest
    });
    await expectHfFails(/timed out after 150 ms/);
  });

  it('a refused connection is a network error with the system cause', async () => {
    const closed = await startFixtureServer();
    await closed.close(); // a port that was just free: nothing listens there now
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1', HTTP_RETRIES: '1', HF_BASE_URL: closed.url });
    await expectHfFails(/HTTP_NETWORK: .*fetch failed.*ECONNREFUSED.*\(2 attempts\)/);
  });
});

describe('garbage bodies fail the source with a clear cause and are not retried', () => {
  const cases: [string, string, string, RegExp][] = [
    ['an HTML error page served with 200', 'text/html; charset=utf-8', '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>', /SOURCE_BAD_PAYLOAD: .*expected JSON but got text\/html.*502 Bad Gateway/],
    ['truncated JSON', 'application/json', day.slice(0, 5000), /SOURCE_BAD_PAYLOAD: .*the response is not valid JSON/],
    ['a JSON object where the array belongs', 'application/json', '{"error":"Invalid date"}', /expected a JSON array of papers but got an object: "Invalid date"/],
    ['JSON null', 'application/json', 'null', /expected a JSON array of papers but got null/],
    ['the right body with the wrong content type', 'text/plain', day, /expected JSON but got text\/plain/],
    ['an empty body without content type', '', '', /expected JSON but got no content type/],
  ];
  for (const [name, type, body, pattern] of cases)
    it(name, async () => {
      h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1' });
      h.server.route('/api/daily_papers', (_req, res) => void res.writeHead(200, type ? { 'content-type': type } : {}).end(body));
      await expectHfFails(pattern);
      expect(h.server.requests).toHaveLength(1);
    });
});

describe('one source failing', () => {
  it('a bad day fails that day only: the good days of the range land, and the other sources carry on', async () => {
    h = await startIngestHarness({ SOURCES: 'hf,file,arxiv', HF_DAYS: '5', ARXIV_CATEGORIES: 'cs.CL' });
    serveHfDaily(h.server);
    // The fourth day of five is broken.
    h.server.route((u) => u.searchParams.get('date') === '2026-08-20', (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"paper":'));
    h.server.route('/rss/cs.CL', (req, res) => send(req, res, arxivFixture('rss-cs.CL-weekend-empty.xml'), 'application/rss+xml'));
    const outcomes = await h.ingest({ days: 5 });
    expect(outcomes.map((o) => [o.source, o.ok])).toEqual([
      ['hf', true],
      ['file', true],
      ['arxiv', true],
    ]);
    expect(outcomes[0]!.failures).toEqual([
      { part: '2026-08-20', code: 'SOURCE_BAD_PAYLOAD', error: expect.stringMatching(/hf: daily papers for 2026-08-20: the response is not valid JSON/) },
    ]);
    expect(h.server.requests.map((r) => r.path)).toContain('/api/daily_papers?date=2026-08-21');
    // hf's four good days are there, none of the bad one.
    const good = ['2026-08-17', '2026-08-18', '2026-08-19', '2026-08-21'].flatMap((d) => hfFixture(d).map((i) => i.paper.id));
    expect(h.count("SELECT count(*) FROM papers WHERE sources_json LIKE '%hf%'")).toBe(new Set(good).size);
    expect(h.count("SELECT count(*) FROM papers WHERE daily_date = '2026-08-20' AND sources_json LIKE '%hf%'")).toBe(0);
    expect(outcomes[1]!.inserted).toBeGreaterThan(0);
    expect((await h.app.store.recentIngestRuns(3)).map((r) => [r.source, r.status, r.failures])).toEqual([
      ['arxiv', 'ok', 0],
      ['file', 'ok', 0],
      ['hf', 'ok', 1],
    ]);
  });
});
