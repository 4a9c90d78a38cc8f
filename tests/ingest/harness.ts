// Ingest test harness: a real app on a temp SQLite file, a real fixture HTTP server, and routes that make that
// server behave like the real sources (recorded payloads, real content types, optional ETags).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { ARXIV_FIXTURES, HF_FIXTURES, createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest, type IngestOptions, type SourceOutcome } from '../../src/ingest/run-ingest.js';

export interface HfRawItem {
  paper: Record<string, unknown> & { id: string; title: string; upvotes?: number; authors?: { name?: string; hidden?: boolean }[] };
  [k: string]: unknown;
}

export function hfFixture(date: string): HfRawItem[] {
  return JSON.parse(readFileSync(join(HF_FIXTURES, `${date}.json`), 'utf8')) as HfRawItem[];
}

export function arxivFixture(name: string): string {
  return readFileSync(join(ARXIV_FIXTURES, name), 'utf8');
}

/** Answers with the body, or 304 when the request carries the body's ETag. */
export function send(req: IncomingMessage, res: ServerResponse, body: string, contentType: string, withEtag = false): void {
  const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
  if (withEtag && req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  res.writeHead(200, { 'content-type': contentType, ...(withEtag ? { etag } : {}) }).end(body);
}

/** GET /api/daily_papers?date=D → tests/fixtures/hf-daily/D.json, or [] for a day without a fixture (as HF does). */
export function serveHfDaily(server: FixtureServer, o: { etag?: boolean } = {}): void {
  server.route('/api/daily_papers', (req, res, url) => {
    const date = url.searchParams.get('date') ?? '';
    const file = join(HF_FIXTURES, `${date}.json`);
    const body = /^\d{4}-\d{2}-\d{2}$/.test(date) && existsSync(file) ? readFileSync(file, 'utf8') : '[]';
    send(req, res, body, 'application/json; charset=utf-8', o.etag);
  });
}

export const fold = (s: string) => s.replace(/\s+/g, ' ').trim();

export interface IngestHarness {
  app: TestApp;
  server: FixtureServer;
  clock: ReturnType<typeof fixedClock>;
  ingest(o?: IngestOptions & { only?: string }): Promise<SourceOutcome[]>;
  count(sql: string, ...params: unknown[]): number;
  close(): Promise<void>;
}

/** Fast, test-sized network settings; every source points at the local fixture server. */
export async function startIngestHarness(env: Record<string, string> = {}, now = '2026-08-21T12:00:00.000Z'): Promise<IngestHarness> {
  const server = await startFixtureServer();
  const clock = fixedClock(now);
  const app = createTestApp(
    {
      HF_BASE_URL: server.url,
      ARXIV_RSS_BASE_URL: server.url,
      ARXIV_API_BASE_URL: server.url,
      HF_DAYS: '5',
      HTTP_TIMEOUT_MS: '3000',
      HTTP_RETRIES: '2',
      HTTP_RETRY_BASE_MS: '5',
      ARXIV_MIN_INTERVAL_MS: '0',
      ...env,
    },
    { clock },
  );
  return {
    app,
    server,
    clock,
    ingest: ({ only, ...o } = {}) => runIngest({ ...app, sources: app.sources(only) }, o),
    count: (sql, ...params) => (app.db.prepare(sql).pluck().get(...params) as number),
    async close() {
      await app.cleanup();
      await server.close();
    },
  };
}
