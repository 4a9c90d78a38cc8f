// `papers run` and `papers ingest` as cron, systemd and monitoring see them (the binary's program in-process, a real
// fixture server): a source day that failed, or a day whose every item was rejected, exits 1 and names the day — while
// the good days still land and the edition still goes out; nothing to read from a feed folder exits 1 too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, HF_FIXTURES, tempDir } from '../helpers/app.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { openDatabase } from '../../src/db/open.js';
import { papers } from '../helpers/cli.js';

const ENVELOPE = readFileSync(join(FIXTURES, 'hf-malformed', '2025-01-10-envelope.json'));

let server: FixtureServer;
let dir: ReturnType<typeof tempDir>;
/** What the HF API answers per day: the fixture, 404 when there is none, or the real malformed envelope. */
const broken = new Map<string, 'envelope' | 'rejected'>();

beforeAll(async () => {
  dir = tempDir('cli-sources-');
  server = await startFixtureServer();
  server.route('/api/daily_papers', (_req, res, url) => {
    const date = url.searchParams.get('date') ?? '';
    const file = join(HF_FIXTURES, `${date}.json`);
    const fault = broken.get(date);
    if (fault === 'envelope') return void res.writeHead(200, { 'content-type': 'application/json' }).end(ENVELOPE);
    if (fault === 'rejected') return void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"paper":{"title":"no id"}},{"paper":{"id":"2608.1","title":" "}}]');
    if (!/^\d{4}-\d\d-\d\d$/.test(date) || !existsSync(file)) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(file));
  });
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

/** `papers <args>` in-process (the program the binary runs), with this test's environment. */
function cli(args: string[], env: Record<string, string>) {
  return papers(args, {
    PATH: process.env.PATH,
    LOG_LEVEL: 'silent',
    OUTBOX_DIR: join(dir.dir, 'outbox'),
    SOURCES: 'hf',
    HF_BASE_URL: server.url,
    HTTP_RETRIES: '0',
    ...env,
  });
}

describe('papers run', () => {
  it('an HF range with a malformed day and a 404 day: the edition is ready, the bad day is named, exit 1; all good again: exit 0', async () => {
    const db = join(dir.dir, 'run.db');
    broken.clear();
    broken.set('2026-08-19', 'envelope');
    // 2026-08-15 and 16 are a weekend: 404, no papers, not a failure.
    const r = await cli(['run', '--date', '2026-08-21'], { DATABASE_PATH: db });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ingest hf: fetched \d+, new \d+/m);
    expect(r.stdout).toMatch(/^ingest hf 2026-08-19: FAILED — SOURCE_BAD_PAYLOAD: hf: daily papers for 2026-08-19: expected a JSON array of papers but got an object$/m);
    expect(r.stdout).not.toMatch(/2026-08-1[56]: FAILED/);
    expect(r.stdout).toMatch(/^edition 2026-08-21: ready, 0 deliveries prepared$/m);
    const conn = openDatabase(db);
    const days = conn.prepare('SELECT DISTINCT daily_date FROM papers ORDER BY 1').pluck().all();
    conn.close();
    expect(days).toEqual(['2026-08-17', '2026-08-18', '2026-08-20', '2026-08-21']);

    broken.clear();
    const again = await cli(['run', '--date', '2026-08-21'], { DATABASE_PATH: db });
    expect(again.stdout).toMatch(/^edition 2026-08-21: ready, already prepared$/m);
    expect(again.code).toBe(0);
  });
});

describe('papers ingest', () => {
  it('exits 1 when every item of a day was rejected, naming the day in the summary', async () => {
    broken.clear();
    broken.set('2026-08-20', 'rejected');
    const dated = await cli(['ingest', '--date', '2026-08-20'], { DATABASE_PATH: join(dir.dir, 'ingest.db') });
    expect(dated.code).toBe(1);
    expect(dated.stdout).toMatch(/^hf: FAILED after [\d.]+ s — SOURCE_PART_REJECTED: every item of 2026-08-20 was rejected \(2\); the first, 2026-08-20#0: paper\.id/m);
    expect(dated.stdout).toMatch(/1 of 1 source FAILED$/m);
  });

  it('the file source reads a folder whole without --days; a range with no file in it says so and exits 1', async () => {
    const feed = tempDir('cli-feed-');
    try {
      for (const d of ['2024-05-27', '2025-10-29']) copyFileSync(join(HF_FIXTURES, `${d}.json`), join(feed.dir, `${d}.json`));
      const env = { DATABASE_PATH: join(dir.dir, 'file.db'), SOURCES: 'file', FILE_SOURCE_PATH: feed.dir };
      const whole = await cli(['ingest'], env);
      expect(whole.code).toBe(0);
      const count = (d: string) => (JSON.parse(readFileSync(join(HF_FIXTURES, `${d}.json`), 'utf8')) as unknown[]).length;
      expect(whole.stdout).toMatch(new RegExp(`^file: ok — fetched ${count('2024-05-27') + count('2025-10-29')}, new `, 'm'));
      const none = await cli(['ingest', '--days', '3'], env);
      expect(none.code).toBe(1);
      expect(none.stdout).toMatch(/^file: FAILED after [\d.]+ s — SOURCE_NOTHING_TO_READ: file: 0 feed files of the last 3 days \(.*\) in .* \(2 \.json\/\.jsonl files there\)$/m);
    } finally {
      feed.cleanup();
    }
  });
});
