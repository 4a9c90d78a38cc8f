// The `ingest` command as a user runs it (in-process, no terminal): plain lines, a summary, the exit code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/app.js';
import { papers } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { serveHfDaily } from './harness.js';
import { openDatabase } from '../../src/db/open.js';

const runCli = (args: string[], env: Record<string, string>) => papers(args, { LOG_LEVEL: 'silent', ...env });

describe('papers ingest (CLI)', () => {
  let server: FixtureServer;
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startFixtureServer();
    serveHfDaily(server);
    server.route('/rss/cs.CL', (_req, res) => void res.writeHead(503, { 'retry-after': '0' }).end('maintenance'));
    dir = tempDir();
    env = {
      DATABASE_PATH: join(dir.dir, 'cli.db'),
      SOURCES: 'hf,arxiv',
      HF_BASE_URL: server.url,
      ARXIV_RSS_BASE_URL: server.url,
      ARXIV_CATEGORIES: 'cs.CL',
      ARXIV_MIN_INTERVAL_MS: '0',
      HTTP_RETRIES: '1',
      HTTP_RETRY_BASE_MS: '5',
    };
  });
  afterAll(async () => {
    await server.close();
    dir.cleanup();
  });

  it('prints one line per source and a summary, and exits 1 when a source failed', async () => {
    const r = await runCli(['ingest', '--date', '2026-08-21'], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^hf: ok — fetched 17, new 17, updated 0, unchanged 0, skipped 0 \(\d+\.\d s\)$/);
    expect(lines[1]).toMatch(/^arxiv: FAILED after \d+\.\d s — HTTP_STATUS: arxiv: RSS feed cs\.CL: GET http:\/\/127\.0\.0\.1:\d+\/rss\/cs\.CL answered HTTP 503 \(maintenance\) after 2 attempts$/);
    expect(lines[2]).toBe('total: fetched 17, new 17, updated 0, skipped 0; 1 of 2 sources FAILED');
    // No progress bars without a terminal.
    expect(r.stderr).not.toMatch(/\[[█░]+\]/);
    const db = openDatabase(env.DATABASE_PATH!);
    expect(db.prepare('SELECT count(*) FROM papers').pluck().get()).toBe(17);
    db.close();
  });

  it('exits 0 when every chosen source succeeded (--source)', async () => {
    const ok = await runCli(['ingest', '--source', 'hf', '--date', '2026-08-20'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^hf: ok — fetched 15, new 15, updated 0, unchanged 0, skipped 0 .*\ntotal: fetched 15, new 15, updated 0, skipped 0; 1 source ok\n$/);
  });
});
