// A source day is the unit of failure: over a real HF range, one day served the real malformed 2025-01-10
// envelope, one a 404 (no list), one a 500 and one a stalled response; the good days land and the run records
// each bad day by date and why. A day whose every item is rejected is a failed day. The file source reads a
// folder whole unless given a range, and says so when nothing is in range. The failures are counted in /metrics.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES, HF_FIXTURES, createTestApp, tempDir } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { createMetrics } from '../../src/http/routes/metrics.js';
import { hfFixture, send, serveHfDaily, startIngestHarness, type IngestHarness } from './harness.js';

const ENVELOPE = readFileSync(join(FIXTURES, 'hf-malformed', '2025-01-10-envelope.json'), 'utf8');
const cleanups: (() => unknown)[] = [];
let h: IngestHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  while (cleanups.length) await cleanups.pop()!();
});

const idsOf = (...days: string[]) => new Set(days.flatMap((d) => hfFixture(d).map((i) => i.paper.id)));

describe('hf: one bad day fails alone', () => {
  it('malformed envelope, 404, 500 and a timeout on four days: the fifth lands, each bad day is recorded by date and why', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '5', HTTP_RETRIES: '1', HTTP_TIMEOUT_MS: '300' });
    serveHfDaily(h.server);
    const route = (date: string, handler: Parameters<IngestHarness['server']['route']>[1]) => h!.server.route((u) => u.searchParams.get('date') === date, handler);
    // The real 2025-01-10 as the archive stored it: the array wrapped in {status, date, count, data}.
    route('2026-08-17', (req, res) => send(req, res, ENVELOPE, 'application/json'));
    route('2026-08-18', (_req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}'));
    route('2026-08-19', (_req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded'));
    route('2026-08-20', async (req, res) => {
      await sleep(2000);
      if (!res.destroyed) send(req, res, JSON.stringify(hfFixture('2026-08-20')), 'application/json');
    });

    const [out] = await h.ingest();
    expect(out).toMatchObject({ source: 'hf', ok: true, inserted: idsOf('2026-08-21').size });
    expect(out!.failures.map((f) => [f.part, f.code])).toEqual([
      ['2026-08-17', 'SOURCE_BAD_PAYLOAD'],
      ['2026-08-19', 'HTTP_STATUS'],
      ['2026-08-20', 'HTTP_TIMEOUT'],
    ]);
    expect(out!.failures[0]!.error).toMatch(/daily papers for 2026-08-17: expected a JSON array of papers but got an object/);
    expect(out!.failures[1]!.error).toMatch(/answered HTTP 500 \(upstream exploded\) after 2 attempts/);
    expect(out!.failures[2]!.error).toMatch(/timed out after 300 ms/);

    // Exactly the good day's papers are stored; the 404 day is no papers and no failure.
    const stored = new Set((h.app.db.prepare('SELECT id FROM papers').pluck().all() as string[]));
    expect(stored).toEqual(idsOf('2026-08-21'));

    // The ingest run says which days failed and why.
    const run = (await h.app.store.recentIngestRuns(1))[0]!;
    expect(run).toMatchObject({ source: 'hf', status: 'ok', failures: 3, error: out!.error });
    expect(run.failed_parts.map((f) => f.part)).toEqual(['2026-08-17', '2026-08-19', '2026-08-20']);
    expect(out!.error).toContain('2026-08-17');
  });

  it('a day whose every item is rejected is a failed day, not an empty one', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '2' });
    serveHfDaily(h.server);
    h.server.route((u) => u.searchParams.get('date') === '2026-08-20', (req, res) =>
      send(req, res, JSON.stringify([{ paper: { title: 'no id' } }, { paper: { id: 'not-an-id', title: 'x' } }]), 'application/json'),
    );
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: true, fetched: 2 + hfFixture('2026-08-21').length, skipped: 2 });
    expect(out!.failures).toEqual([
      { part: '2026-08-20', code: 'SOURCE_PART_REJECTED', error: expect.stringMatching(/^SOURCE_PART_REJECTED: every item of 2026-08-20 was rejected \(2\); the first, 2026-08-20#0: paper\.id/) },
    ]);
  });

  it('every day failing fails the source, and the failed days are counted by papers_source_days_failed_total', async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '3', HTTP_RETRIES: '0' });
    h.server.route('/api/daily_papers', (_req, res) => void res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway'));
    const [out] = await h.ingest();
    expect(out).toMatchObject({ ok: false, inserted: 0 });
    expect(out!.failures.map((f) => f.part)).toEqual(['2026-08-19', '2026-08-20', '2026-08-21']);
    expect((await h.app.store.recentIngestRuns(1))[0]).toMatchObject({ status: 'failed', failures: 3 });

    serveHfDaily(h.server);
    h.server.route((u) => u.searchParams.get('date') === '2026-08-19', (req, res) => send(req, res, ENVELOPE, 'application/json'));
    await h.ingest();
    const metrics = await createMetrics(h.app, { processMetrics: false }).registry.metrics();
    expect(metrics).toMatch(/^# TYPE papers_source_days_failed_total counter$/m);
    expect(metrics).toContain('papers_source_days_failed_total{source="hf"} 4');
  });
});

describe('file source', () => {
  function feedFolder(files: Record<string, string>) {
    const t = tempDir('file-source-');
    cleanups.push(t.cleanup);
    mkdirSync(t.dir, { recursive: true });
    for (const [name, body] of Object.entries(files)) writeFileSync(join(t.dir, name), body);
    return t.dir;
  }

  it('with no --days/--date reads the folder whole (an archive of old days), a bad file failing alone', async () => {
    const dir = feedFolder({ '2025-01-10.json': ENVELOPE });
    for (const d of ['2024-05-27', '2025-10-29', '2026-08-10']) copyFileSync(join(HF_FIXTURES, `${d}.json`), join(dir, `${d}.json`));
    // Months after the newest file: a range of "the last N days" would read nothing.
    const app = createTestApp({ FILE_SOURCE_PATH: dir }, { clock: fixedClock('2026-11-30T07:00:00.000Z') });
    cleanups.push(() => app.cleanup());
    const [out] = await runIngest({ ...app, sources: app.sources('file') });
    expect(out).toMatchObject({ source: 'file', ok: true, inserted: idsOf('2024-05-27', '2025-10-29', '2026-08-10').size });
    expect(out!.failures).toEqual([{ part: '2025-01-10.json', code: 'SOURCE_BAD_PAYLOAD', error: expect.stringContaining('2025-01-10.json must hold a JSON array of papers') }]);
  });

  it('a range with no file in it, or an empty folder, fails the source with a clear message (never a silent "ok")', async () => {
    const dir = feedFolder({});
    copyFileSync(join(HF_FIXTURES, '2026-08-21.json'), join(dir, '2026-08-21.json'));
    const app = createTestApp({ FILE_SOURCE_PATH: dir }, { clock: fixedClock('2026-11-30T07:00:00.000Z') });
    cleanups.push(() => app.cleanup());
    const [inRange] = await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
    expect(inRange).toMatchObject({ ok: false, fetched: 0 });
    expect(inRange!.error).toBe(`SOURCE_NOTHING_TO_READ: file: 0 feed files of the last 7 days (2026-11-24 … 2026-11-30) in ${dir} (1 .json/.jsonl files there)`);

    const empty = feedFolder({});
    const app2 = createTestApp({ FILE_SOURCE_PATH: empty });
    cleanups.push(() => app2.cleanup());
    const [none] = await runIngest({ ...app2, sources: app2.sources('file') });
    expect(none!.ok).toBe(false);
    expect(none!.error).toMatch(/0 feed files in .* \(0 \.json\/\.jsonl files there\)/);
  });
});
