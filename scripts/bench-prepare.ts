// `npm run bench:prepare [-- N]` (default 1,000,000): N subscribers with 3 topics each in a temp SQLite file, over a
// 30-day candidate window of papers, and one edition prepared the way the server's daily job prepares it (in steps
// that yield to the event loop: src/digest/prepare.ts). Prints its wall and CPU time, µs per subscriber, the longest
// the event loop was held meanwhile (perf_hooks.monitorEventLoopDelay), the process's peak RSS, and the database size
// before and after; beside it, measured in the same run on the same file, the BASELINE: one plain
// `INSERT INTO deliveries … SELECT` of N rows in one transaction (the floor of writing N delivery rows), with the
// same selection JSON on every row. No network.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { fixedClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { prepareEditionInSteps } from '../src/digest/prepare.js';
import { disablePretenuring, limitHeapGrowth } from '../src/lib/heap-growth.js';
import { addBenchSubscribers, addDays, at7, fmt, ingestBenchPapers, seeded } from './bench-data.js';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
// The heap as the server process (src/server.ts) and the CLI's jobs run it: the peak RSS printed is theirs.
limitHeapGrowth();
// And with no pretenuring, as the server runs (disablePretenuring; the CLI keeps V8's default).
disablePretenuring();

const DATE = '2026-09-30';
const MB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'bench-prepare-'));
const dbPath = join(dir, 'bench.db');
const clock = fixedClock(at7(addDays(DATE, -29)));
const app = createApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_PATH: dbPath, OUTBOX_DIR: join(dir, 'outbox') }), { clock, logger: silentLogger() });
/** The file's size with the WAL folded in (a checkpoint first), so before and after compare like for like. */
const dbBytes = () => {
  app.db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(dbPath).size;
};
try {
  const random = seeded(20260930);
  let t = performance.now();
  const papers = ingestBenchPapers(app, DATE, { random });
  const ingestS = (performance.now() - t) / 1000;
  t = performance.now();
  addBenchSubscribers(app, N, { now: at7(addDays(DATE, -29)).toISOString(), random });
  const subscribeS = (performance.now() - t) / 1000;
  const before = dbBytes();

  // OURS: the edition for DATE, prepared as the daily job does, with the event loop and RSS watched throughout.
  clock.set(at7(DATE));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage.rss();
  // What the peak is made of: this thread's JS heap, and the rest (helper threads' heaps, SQLite's page caches).
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) [peakRss, atPeak] = [m.rss, m];
  }, 50);
  let steps = 0;
  // Gaps between the ends of consecutive steps longer than 250 ms: a step that ran long (or this process not
  // getting a CPU on a loaded machine), told apart from the rest of the run.
  let lastStep = 0;
  let longGaps = 0;
  let longestGap = 0;
  // What held the loop: its stalls (a 10 ms timer late by more than 150 ms), lined up against the steps (time inside
  // the transaction, and BEGIN + COMMIT around it), this thread's GCs and the helper thread's WAL checkpoints.
  const stalls: { from: number; to: number }[] = [];
  let tick = performance.now();
  const stallTimer = setInterval(() => {
    const now = performance.now();
    if (now - tick > 160) stalls.push({ from: tick, to: now });
    tick = now;
  }, 10);
  // cpuMs: this process's CPU time since the end of the previous step (both threads; the helper is mostly idle):
  // a step much longer than its CPU time waited (for a CPU on a loaded machine, or for the disk).
  const stepTimes: { from: number; to: number; bodyMs: number; cpuMs: number }[] = [];
  let stepCpu = process.cpuUsage();
  const gcs: PerformanceEntry[] = [];
  const gcObserver = new PerformanceObserver((list) => void gcs.push(...list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  const checkpointTimes: { from: number; to: number }[] = [];
  // The WAL file's size after each checkpoint: what the preparation leaves on disk beside the database meanwhile.
  let walPeak = 0;
  const walBytes = () => (existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0);
  const onCheckpoint = (c: { startedAt: number; ms: number; held: boolean }) => {
    checkpointTimes.push({ from: c.startedAt, to: c.startedAt + c.ms });
    walPeak = Math.max(walPeak, walBytes());
  };
  const onStep = (p: { startedAt: number; bodyMs: number }) => {
    const now = performance.now();
    const cpu = process.cpuUsage(stepCpu);
    stepCpu = process.cpuUsage();
    stepTimes.push({ from: p.startedAt, to: now, bodyMs: p.bodyMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    if (steps++ && now - lastStep > 250) longGaps++;
    if (steps > 1) longestGap = Math.max(longestGap, now - lastStep);
    lastStep = now;
  };
  loop.enable();
  const cpu0 = process.cpuUsage();
  t = performance.now();
  const started = t;
  const result = await prepareEditionInSteps(app, DATE, app.prepareSettings, { onStep, onCheckpoint });
  const oursMs = performance.now() - t;
  clearInterval(stallTimer);
  gcObserver.disconnect();
  const oursCpu = process.cpuUsage(cpu0);
  loop.disable();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const walAtEnd = walBytes();
  walPeak = Math.max(walPeak, walAtEnd);
  const after = dbBytes();
  if (result.edition.status !== 'ready') throw new Error(`the edition is ${result.edition.status}: ${result.edition.reason}`);

  // BASELINE: N delivery rows written by one INSERT … SELECT in one transaction, into an edition of its own.
  const sample = (app.db.prepare("SELECT selection_json FROM deliveries WHERE edition_id = ? AND status = 'pending' LIMIT 1").get(result.edition.id) as { selection_json: string }).selection_json;
  const baselineEdition = Number(
    app.db.prepare("INSERT INTO editions (date, prepared_at, status, reason) VALUES ('2000-01-01', ?, 'empty', 'bench baseline')").run(clock.now().toISOString()).lastInsertRowid,
  );
  const insertSelect = app.db.prepare(`INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, kind)
    SELECT ?, id, 'pending', ?, ?, 'baseline.' || id || '@bench.example', ?, 'daily' FROM subscribers WHERE status = 'active'`);
  const now = clock.now().toISOString();
  const cpu1 = process.cpuUsage();
  t = performance.now();
  const baselineRows = app.db.transaction(() => insertSelect.run(baselineEdition, sample, now, now).changes).immediate();
  const baselineMs = performance.now() - t;
  const baselineCpu = process.cpuUsage(cpu1);

  // What a /metrics scrape and the admin's dashboard count on the server thread, now that the file holds both editions'
  // deliveries: the store's reads (from the counts triggers keep: migration 0017) beside the GROUP BY scans they made
  // before, median of 5 each. Both ways must agree, or the fast one is wrong.
  const median5 = async (f: () => unknown) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await f();
      ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[2]!;
  };
  const scanStatuses = app.db.prepare('SELECT (SELECT json_group_object(status, n) FROM (SELECT status, count(*) AS n FROM deliveries GROUP BY status)) AS d, (SELECT json_group_object(status, n) FROM (SELECT status, count(*) AS n FROM subscribers GROUP BY status)) AS s');
  const scanSends = app.db.prepare(`SELECT e.date, e.status, e.reason,
       coalesce(sum(d.status = 'sent'), 0) AS sent, coalesce(sum(d.status = 'failed'), 0) AS failed,
       coalesce(sum(d.status = 'bounced'), 0) AS bounced, coalesce(sum(d.status IN ('pending', 'sending')), 0) AS queued,
       coalesce(sum(d.status = 'skipped'), 0) AS skipped
     FROM editions e LEFT JOIN deliveries d ON d.edition_id = e.id
     WHERE e.id IN (SELECT id FROM editions ORDER BY date DESC LIMIT ?) GROUP BY e.id ORDER BY e.date`);
  const scrapeOurs = await median5(() => app.store.metricsCounts());
  const scrapeScan = await median5(() => scanStatuses.get());
  const sendsOurs = await median5(() => app.store.editionSends(30));
  const sendsScan = await median5(() => scanSends.all(30));
  const sorted = (o: Record<string, number>) => JSON.stringify(Object.entries(o).filter(([, n]) => n > 0).sort());
  const counted = await app.store.metricsCounts();
  const scanned = scanStatuses.get() as { d: string; s: string };
  if (sorted(counted.deliveriesByStatus) !== sorted(JSON.parse(scanned.d)) || sorted(counted.subscribersByStatus) !== sorted(JSON.parse(scanned.s)))
    throw new Error(`the kept counts differ from a count of the rows: ${JSON.stringify(counted)} vs ${JSON.stringify(scanned)}`);
  if (JSON.stringify(await app.store.editionSends(30)) !== JSON.stringify(scanSends.all(30))) throw new Error("the dashboard's kept counts differ from a count of the rows");
  const deliveryRows = Object.values(counted.deliveriesByStatus).reduce((a, b) => a + b, 0);

  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  const maxDelayMs = loop.max / 1e6;
  console.log(`bench:prepare — ${fmt(N, 0)} subscribers × 3 topics (10 % weekly), ${fmt(papers, 0)} papers over 30 days; setup: ingest ${fmt(ingestS)} s, subscribers ${fmt(subscribeS)} s`);
  console.log(
    `  OURS      prepareEditionInSteps: ${fmt(result.deliveries, 0)} deliveries + ${fmt(result.skipped, 0)} skipped in ${fmt(steps, 0)} steps: ` +
      `${fmt(oursMs / 1000, 2)} s wall, ${fmt(cpuMs(oursCpu) / 1000, 2)} s CPU = ${fmt((oursMs * 1000) / N, 2)} µs wall per subscriber`,
  );
  console.log(
    `            event loop: max delay ${fmt(maxDelayMs)} ms, p99 ${fmt(loop.percentile(99) / 1e6)} ms, mean ${fmt(loop.mean / 1e6)} ms; ` +
      `peak RSS during it ${fmt(peakRss / MB)} MB (this thread's JS heap ${fmt(atPeak.heapTotal / MB)} MB, buffers ${fmt(atPeak.external / MB)} MB; process lifetime peak ${fmt(process.resourceUsage().maxRSS / 1024)} MB)`,
  );
  console.log(
    `            steps: longest from the end of one to the end of the next ${fmt(longestGap)} ms; ${fmt(longGaps, 0)} of ${fmt(steps, 0)} over 250 ms; ` +
      `CPU time ${fmt(cpuMs(oursCpu) / 1000, 2)} s of ${fmt(oursMs / 1000, 2)} s wall (${fmt((100 * cpuMs(oursCpu)) / oursMs, 0)} %: less than 100 % on a loaded machine)`,
  );
  console.log(
    `            database: ${fmt(before / MB)} MB before, ${fmt(after / MB)} MB after (+${fmt((after - before) / MB)} MB, ${fmt((after - before) / N, 0)} bytes per subscriber); ` +
      `its WAL file at most ${fmt(walPeak / MB)} MB during it, ${fmt(walAtEnd / MB)} MB at its end`,
  );
  console.log(
    `  BASELINE  one INSERT INTO deliveries … SELECT of ${fmt(baselineRows, 0)} rows in one transaction (same selection JSON on each): ` +
      `${fmt(baselineMs / 1000, 2)} s wall, ${fmt(cpuMs(baselineCpu) / 1000, 2)} s CPU = ${fmt((baselineMs * 1000) / N, 2)} µs per row`,
  );
  console.log(
    `  RATIO     ours / floor: ${fmt(oursMs / baselineMs, 2)}× wall (target ≤ 4×), max event-loop delay ${fmt(maxDelayMs)} ms (target ≤ 250 ms): ` +
      `${oursMs <= 4 * baselineMs && maxDelayMs <= 250 ? 'both met' : 'NOT met'}`,
  );
  console.log(
    `  COUNTS    over ${fmt(deliveryRows, 0)} deliveries and ${fmt(N, 0)} subscribers, on the server thread (median of 5): a /metrics scrape ${fmt(scrapeOurs, 3)} ms, ` +
      `the admin's last 30 editions ${fmt(sendsOurs, 3)} ms; BASELINE the GROUP BY scans they made before migration 0017: ${fmt(scrapeScan)} ms, ${fmt(sendsScan)} ms`,
  );
  // The longest stalls and what overlapped them (GC kinds: 1 scavenge, 2 mark-compact, 4 incremental, 8 weak callbacks).
  const overlaps = <T extends { from: number; to: number }>(list: T[], w: { from: number; to: number }) => list.filter((x) => x.to > w.from && x.from < w.to);
  const rel = (ms: number) => `${fmt((ms - started) / 1000, 2)} s`;
  const slowest = [...stepTimes].sort((a, b) => b.to - b.from - (a.to - a.from)).slice(0, 3);
  console.log(
    `  STEPS     slowest: ${slowest.map((x) => `${fmt(x.to - x.from)} ms at ${rel(x.from)} (inside the transaction ${fmt(x.bodyMs)} ms, BEGIN + COMMIT ${fmt(x.to - x.from - x.bodyMs)} ms, CPU ${fmt(x.cpuMs)} ms)`).join('; ')}`,
  );
  console.log(`            longest BEGIN + COMMIT of a step: ${fmt(Math.max(0, ...stepTimes.map((x) => x.to - x.from - x.bodyMs)))} ms`);
  const gcWindows = gcs.map((g) => ({ from: g.startTime, to: g.startTime + g.duration, kind: (g as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 }));
  console.log(
    `            GC on this thread: ${gcWindows.length} (longest ${fmt(Math.max(0, ...gcWindows.map((g) => g.to - g.from)))} ms, ${fmt(gcWindows.reduce((a, g) => a + g.to - g.from, 0))} ms in all); ` +
      `WAL checkpoints on the helper: ${checkpointTimes.length} (longest ${fmt(Math.max(0, ...checkpointTimes.map((c) => c.to - c.from)))} ms)`,
  );
  for (const w of [...stalls].sort((a, b) => b.to - b.from - (a.to - a.from)).slice(0, 5)) {
    const st = overlaps(stepTimes, w).map((x) => `a step of ${fmt(x.to - x.from)} ms (inside ${fmt(x.bodyMs)}, BEGIN + COMMIT ${fmt(x.to - x.from - x.bodyMs)}, CPU ${fmt(x.cpuMs)})`);
    const gc = overlaps(gcWindows, w).map((g) => `GC kind ${g.kind} ${fmt(g.to - g.from)} ms`);
    const cp = overlaps(checkpointTimes, w).map((c) => `checkpoint ${fmt(c.to - c.from)} ms`);
    console.log(`  STALL     ${fmt(w.to - w.from)} ms at ${rel(w.from)}: ${[...st, ...gc, ...cp].join(', ') || 'no step, GC or checkpoint (outside the steps: the start or the end)'}`);
  }
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
