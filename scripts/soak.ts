// `npm run soak [-- N]` (default 200,000): the daily job for N subscribers inside the server process, prepared and
// sent (to an SMTP sink in another process, loopback), while the server (listening on 127.0.0.1) answers a steady
// trickle of subscribe form posts and RFC 8058 one-click unsubscribes. It checks, and prints: every request answered
// within 1 s, the longest the event loop was held (perf_hooks.monitorEventLoopDelay), peak RSS, and that no one who
// unsubscribed before their delivery was claimed was sent it. Exits 1 when a check fails; stops by itself.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/lib/logger.js';
import type { Clock } from '../src/lib/clock.js';
import { buildHttpApp } from '../src/http/build-app.js';
import { runDailyJob } from '../src/jobs/daily.js';
import { addBenchSubscribers, fmt, ingestBenchPapers, seeded } from './bench-data.js';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200_000);
const DATE = '2026-09-30';
/** The trickle: one request every INTERVAL_MS, subscribes and one-click unsubscribes in turn. */
const INTERVAL_MS = 50;
const MB = 1024 * 1024;

// Real time, shifted to the edition's morning (after its 07:00 UTC publication, so every copy is due at once).
const offset = Date.parse(`${DATE}T08:00:00.000Z`) - Date.now();
const clock: Clock = { now: () => new Date(Date.now() + offset) };

const sinkProcess: ChildProcess = fork(fileURLToPath(new URL('./bench-send-sink.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
const sinkPort = await new Promise<number>((resolve, reject) => {
  sinkProcess.once('message', (m) => resolve((m as { port: number }).port));
  sinkProcess.once('exit', (code) => reject(new Error(`the SMTP sink exited with ${code}`)));
});
const sinkCount = () =>
  new Promise<number>((resolve) => {
    sinkProcess.once('message', (m) => resolve((m as { count: number }).count));
    sinkProcess.send('count');
  });

const dir = mkdtempSync(join(tmpdir(), 'soak-'));
const secret = 'soak-secret-soak-secret-soak-secret-0000';
const app = createApp(
  loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: join(dir, 'soak.db'),
    SOURCES: 'file',
    SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    SMTP_MAX_CONNECTIONS: '5',
    PUBLIC_BASE_URL: 'https://papers.example.org',
    MAIL_FROM: 'Trending Papers <digest@papers.example.org>',
    SECRET_KEY: secret,
    DIGEST_TZ: 'UTC',
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000000',
  }),
  { clock, logger: silentLogger() },
);
let failed = false;
try {
  const random = seeded(20260930);
  let t = performance.now();
  ingestBenchPapers(app, DATE, { random });
  addBenchSubscribers(app, N, { now: new Date(Date.parse(`${DATE}T00:00:00.000Z`)).toISOString(), random });
  console.log(`soak — ${fmt(N, 0)} subscribers; setup ${fmt((performance.now() - t) / 1000)} s`);

  const http = await buildHttpApp(app);
  await http.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;

  // The trickle, from another process (its timings are not held up by this process's event loop).
  const client: ChildProcess = fork(fileURLToPath(new URL('./soak-client.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  client.send({ base, secret, subscribers: N, intervalMs: INTERVAL_MS });
  const stopClient = () =>
    new Promise<{ latencies: number[]; errors: string[] }>((resolve) => {
      client.once('message', (m) => resolve(m as { latencies: number[]; errors: string[] }));
      client.send('stop');
    });
  // Let the trickle run a moment before the job starts.
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const loop = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const stages: Record<string, number> = {};
  loop.enable();
  t = performance.now();
  const outcome = await runDailyJob(app, {
    date: DATE,
    skipIngest: true,
    trigger: 'admin',
    onStage: (stage) => (stages[stage] = performance.now() - t),
  });
  const jobS = (performance.now() - t) / 1000;
  const { latencies, errors } = await stopClient();
  loop.disable();
  clearInterval(sampler);
  await http.close();

  // Nobody who unsubscribed before their delivery was claimed got it.
  const late = app.db
    .prepare(
      `SELECT count(*) AS n FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.edition_id = ? AND s.status = 'unsubscribed' AND d.status = 'sent' AND (d.claimed_at IS NULL OR d.claimed_at >= s.unsubscribed_at)`,
    )
    .get(outcome.edition.id) as { n: number };
  const unsubscribed = (app.db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = 'unsubscribed'").get() as { n: number }).n;
  const received = await sinkCount();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const maxLatency = latencies[latencies.length - 1] ?? 0;
  const maxDelay = loop.max / 1e6;
  const send = outcome.send;
  console.log(
    `  daily job: ${fmt(jobS)} s (prepared in ${fmt(((stages.send ?? 0) - (stages.prepare ?? 0)) / 1000)} s: ${fmt(outcome.edition.deliveries, 0)} deliveries; ` +
      `sent ${fmt(send?.sent ?? 0, 0)}, skipped ${fmt(send?.skipped ?? 0, 0)}, failed ${fmt(send?.failed ?? 0, 0)}; the sink received ${fmt(received, 0)})`,
  );
  console.log(
    `  requests: ${fmt(latencies.length, 0)} (subscribe and one-click unsubscribe in turn, one per ${INTERVAL_MS} ms): ` +
      `p50 ${fmt(pct(50))} ms, p99 ${fmt(pct(99))} ms, max ${fmt(maxLatency)} ms; errors ${errors.length}${errors.length ? ` (${errors.slice(0, 3).join('; ')})` : ''}`,
  );
  console.log(`  event loop: max delay ${fmt(maxDelay)} ms, p99 ${fmt(loop.percentile(99) / 1e6)} ms; peak RSS ${fmt(peakRss / MB)} MB`);
  console.log(`  unsubscribed: ${fmt(unsubscribed, 0)}; sent to one who had unsubscribed before the claim: ${late.n}`);
  const checks = { 'every request answered within 1 s': maxLatency < 1000 && errors.length === 0, 'no one unsubscribed before the claim was sent it': late.n === 0 };
  for (const [name, ok] of Object.entries(checks)) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
  failed = Object.values(checks).some((ok) => !ok);
} finally {
  await app.close();
  sinkProcess.kill();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
