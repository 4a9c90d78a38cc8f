// `npm run soak [-- N] [--node-flags="…"]` (default 200,000): the daily job for N subscribers in the real server
// process (src/server.ts, bundled with esbuild like the tests' child processes: the web app and the job in one
// process), sending to an SMTP sink in another process (loopback, accepting everything), while a third process
// sends a steady trickle of subscribe form posts and RFC 8058 one-click unsubscribes of existing readers (20 a
// second each) for the whole preparation and send. The job is started through the admin API, as an operator would.
// Checks, and prints: every request answered within 1 s with no error; nobody who unsubscribed before their
// delivery was claimed received anything (the sink's recipients against subscribers.unsubscribed_at and
// deliveries.claimed_at); everyone else with a delivery received exactly one digest, and only those. Prints the
// prepare and send times (from the server's own log), the server's longest event-loop delay (its /metrics,
// scraped every few seconds), its peak RSS (VmHWM; and, sampled every 250 ms, its RSS before the job and when it
// peaked) and CPU time, and the database size. Exits 1 when a check fails.
// --node-flags passes flags to the server's node (say --cpu-prof --cpu-prof-dir=/tmp/p, or --trace-gc: its log).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/lib/logger.js';
import { fixedClock } from '../src/lib/clock.js';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../src/lib/heap-growth.js';
import { addBenchSubscribers, addDays, fmt, ingestBenchPapers, seeded } from './bench-data.js';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200_000);
const nodeFlags = (process.argv.find((a) => a.startsWith('--node-flags='))?.slice('--node-flags='.length) ?? '').split(/\s+/).filter(Boolean);
/** The trickle: one request every INTERVAL_MS, subscribes and one-click unsubscribes in turn (20 a second each). */
const INTERVAL_MS = 25;
const LATENCY_LIMIT_MS = 1000;
const MB = 1024 * 1024;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
// Yesterday's edition, with the real clock: its publication (07:00 UTC) is past, so every copy is due at once.
const DATE = addDays(new Date().toISOString().slice(0, 10), -1);
const ADMIN_TOKEN = 'soak-admin-token-soak-admin-token';
const SECRET = 'soak-secret-soak-secret-soak-secret-0000';
const BASE_URL = 'https://papers.example.org';
const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'soak-'));
const dbPath = join(dir, 'soak.db');
// Bundled three levels below the package root, like src/digest/, so the code finds migrations/ and templates/.
const bundleDir = join(ROOT, 'node_modules', '.cache', `soak-entries-${process.pid}`);
const children: ChildProcess[] = [];
let failed = true;
try {
  console.log(`soak — ${fmt(N, 0)} subscribers, edition ${DATE}; load average at the start ${load()}`);
  let t = performance.now();
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      server: 'src/server.ts',
      'intake-worker': 'src/subscribers/intake-worker.ts',
      'mjml-worker': 'src/digest/mjml-worker.ts',
      'prepare-worker': 'src/digest/prepare-worker.ts',
    },
    outdir: bundleDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });

  // The data, written straight through the repositories (the benches' bulk path), then the file is closed.
  const setup = createApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_PATH: dbPath, OUTBOX_DIR: join(dir, 'outbox') }), {
    clock: fixedClock(new Date(`${addDays(DATE, -1)}T00:00:00.000Z`)),
    logger: silentLogger(),
  });
  const random = seeded(20260930);
  ingestBenchPapers(setup, DATE, { random });
  addBenchSubscribers(setup, N, { now: `${addDays(DATE, -1)}T00:00:00.000Z`, random });
  await setup.close();
  // The daily job ingests first: an empty feed file, so that it ingests nothing and prepares the papers above.
  const feed = join(dir, 'feed');
  mkdirSync(feed);
  writeFileSync(join(feed, 'none.json'), '[]');
  console.log(`  setup ${fmt((performance.now() - t) / 1000)} s (bundle, papers, subscribers)`);

  const sink = fork(fileURLToPath(new URL('./bench-send-sink.ts', import.meta.url)), ['--record'], { execArgv: ['--import', 'tsx'] });
  children.push(sink);
  const ask = <T>(child: ChildProcess, m: string) =>
    new Promise<T>((resolve) => {
      child.once('message', (a) => resolve(a as T));
      child.send(m);
    });
  const sinkPort = await new Promise<number>((resolve, reject) => {
    sink.once('message', (m) => resolve((m as { port: number }).port));
    sink.once('exit', (code) => reject(new Error(`the SMTP sink exited with ${code}`)));
  });

  // The server, as `npm start` runs it (bundled, with its node flags and environment), its log to a file read afterwards.
  const logPath = join(dir, 'server.log');
  const logFd = openSync(logPath, 'w');
  const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...nodeFlags, join(bundleDir, 'server.js')], {
    cwd: dir,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...SERVER_ENV,
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_PATH: dbPath,
      HOST: '127.0.0.1',
      PORT: '0',
      PUBLIC_BASE_URL: BASE_URL,
      SECRET_KEY: SECRET,
      ADMIN_TOKEN,
      SCHEDULER_ENABLED: 'false',
      SOURCES: 'file',
      FILE_SOURCE_PATH: feed,
      SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      SMTP_MAX_CONNECTIONS: '5',
      MAIL_FROM: 'Trending Papers <digest@papers.example.org>',
      DIGEST_TZ: 'UTC',
      SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000000',
      SHUTDOWN_TIMEOUT_SECONDS: '30',
      PAPERS_WORKER_BUNDLE_DIR: '',
    },
  });
  children.push(server);
  closeSync(logFd);
  const serverExit = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  const logLines = () =>
    readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event?: string; time: number; port?: number; [k: string]: unknown });
  let port: number | undefined;
  for (let i = 0; i < 600 && port === undefined; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    port = logLines().find((l) => l.event === 'server.started')?.port;
    if (port === undefined) await sleep(100);
  }
  if (port === undefined) throw new Error('the server did not start within 60 s');
  const base = `http://127.0.0.1:${port}`;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

  // The server's event-loop delay and RSS, from its Prometheus metrics: prom-client resets the loop's histogram at each
  // scrape, so one scrape just before the job and one after it give the longest the loop was held meanwhile. Not
  // scraped during the job: a scrape counts the deliveries table by status on the server thread, a stall of its own.
  let maxLagS = 0;
  let peakRssBytes = 0;
  const scrape = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const metric = (name: string) => Number(text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm'))?.[1] ?? 0);
    maxLagS = Math.max(maxLagS, metric('nodejs_eventloop_lag_max_seconds'));
    peakRssBytes = Math.max(peakRssBytes, metric('process_resident_memory_bytes'));
  };
  await scrape();
  maxLagS = 0; // the start-up's own

  const client = fork(fileURLToPath(new URL('./soak-client.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  children.push(client);
  client.send({ base, baseUrl: BASE_URL, secret: SECRET, subscribers: N, intervalMs: INTERVAL_MS });
  await sleep(2000); // the trickle runs a moment before the job starts

  const cpuOf = () => {
    const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
  };
  const cpu0 = cpuOf();
  // Where in the job the RSS peaks (VmHWM says how high, not when): sampled from /proc, outside the server.
  const rssPeak = { bytes: 0, at: 0 };
  const sampleRss = (): number => {
    try {
      const bytes = Number(readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0) * 1024;
      if (bytes > rssPeak.bytes) Object.assign(rssPeak, { bytes, at: Date.now() });
      return bytes;
    } catch {
      return 0; // the server has exited: nothing more to sample
    }
  };
  const rssBeforeJob = sampleRss(); // the server with its web app and the trickle, before the job is asked for
  const rssSampler = setInterval(sampleRss, 250);
  const started = await fetch(`${base}/api/admin/jobs/daily`, { method: 'POST', headers: admin, body: JSON.stringify({ date: DATE }) });
  if (started.status !== 202) throw new Error(`the admin API did not start the job: ${started.status} ${await started.text()}`);
  console.log(`  job started; load average ${load()}`);
  let run: { status: string; outcome?: unknown } | undefined;
  let lastProgress = performance.now();
  for (;;) {
    await sleep(5000);
    const runs = (await (await fetch(`${base}/api/admin/jobs/runs?limit=1`, { headers: admin })).json()) as { runs: { scheduled_for: string; status: string; outcome?: unknown }[] };
    run = runs.runs.find((r) => r.scheduled_for === DATE);
    if (run && run.status !== 'running') {
      await scrape();
      break;
    }
    if (performance.now() - lastProgress > 60_000) {
      lastProgress = performance.now();
      const { count } = await ask<{ count: number }>(sink, 'count');
      console.log(`  … ${fmt(count, 0)} messages at the sink; load average ${load()}`);
    }
  }
  const { latencies, errors, requests } = await ask<{ latencies: number[]; errors: string[]; requests: { kind: string; at: number; ms: number }[] }>(client, 'stop');
  const cpuS = cpuOf() - cpu0;
  const loadEnd = load();
  const vmHwm = Number(readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0) * 1024;
  clearInterval(rssSampler);
  server.kill('SIGTERM');
  const exitCode = await serverExit;
  const { recipients } = await ask<{ recipients: [string, number][] }>(sink, 'recipients');
  const dbBytes = statSync(dbPath).size + (existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0);

  // The server's own account of the job's stages.
  const lines = logLines();
  const at = (event: string) => lines.find((l) => l.event === event)?.time;
  const jobStart = at('job.daily_started');
  const prepared = at('edition.prepared');
  const jobDone = at('job.daily_done');
  const failedRun = lines.find((l) => l.event === 'job.daily_failed');

  // Who got what, against the ledger.
  const db = new Database(dbPath, { readonly: true });
  const rows = db
    .prepare(
      `SELECT s.email, s.status AS sub_status, s.unsubscribed_at, d.status, d.claimed_at, d.selection_json = '[]' AS empty
       FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id JOIN editions e ON e.id = d.edition_id WHERE e.date = ?`,
    )
    .all(DATE) as { email: string; sub_status: string; unsubscribed_at: string | null; status: string; claimed_at: string | null; empty: number }[];
  const unsubscribedCount = (db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = 'unsubscribed'").get() as { n: number }).n;
  db.close();
  const got = new Map(recipients);
  const withDelivery = new Set<string>();
  let sentAfterUnsubscribe = 0;
  let wrongCount = 0;
  let activeNotSent = 0;
  let unsubscribedBeforeClaim = 0;
  let sent = 0;
  for (const r of rows) {
    const email = r.email.toLowerCase();
    withDelivery.add(email);
    const n = got.get(email) ?? 0;
    if (r.status === 'sent') sent++;
    if (n !== (r.status === 'sent' ? 1 : 0)) wrongCount++;
    if (r.unsubscribed_at && (!r.claimed_at || r.unsubscribed_at < r.claimed_at)) {
      unsubscribedBeforeClaim++;
      if (n > 0) sentAfterUnsubscribe++;
    }
    if (r.sub_status === 'active' && !r.empty && r.status !== 'sent') activeNotSent++;
  }
  const strays = recipients.filter(([email]) => email.endsWith('@bench.example') && !withDelivery.has(email)).length;
  const confirmations = recipients.filter(([email]) => email.endsWith('@example.org')).reduce((a, [, n]) => a + n, 0);

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const maxLatency = latencies.at(-1) ?? 0;
  const min = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${fmt(ms / 60_000, 2)} min`);
  console.log(
    `  daily job: ${min(jobDone && jobStart ? jobDone - jobStart : undefined)} (prepare ${min(prepared && jobStart ? prepared - jobStart : undefined)}, ` +
      `send ${min(jobDone && prepared ? jobDone - prepared : undefined)}${jobDone && prepared ? `: ${fmt(sent / ((jobDone - prepared) / 1000), 0)} messages/s` : ''}); ` +
      `run ${run?.status}${failedRun ? ` (${JSON.stringify(failedRun.err ?? failedRun.msg)})` : ''}`,
  );
  console.log(
    `  deliveries ${fmt(rows.length, 0)}: sent ${fmt(sent, 0)}; unsubscribed before their claim ${fmt(unsubscribedBeforeClaim, 0)} ` +
      `(${fmt(unsubscribedCount, 0)} unsubscribed in all); the sink received ${fmt(recipients.reduce((a, [, n]) => a + n, 0), 0)} messages (${fmt(confirmations, 0)} confirmations)`,
  );
  console.log(
    `  requests: ${fmt(latencies.length, 0)} (subscribe and one-click unsubscribe in turn, one per ${INTERVAL_MS} ms): ` +
      `p50 ${fmt(pct(50))} ms, p99 ${fmt(pct(99))} ms, max ${fmt(maxLatency)} ms; errors ${errors.length}${errors.length ? ` (${errors.slice(0, 3).join('; ')})` : ''}`,
  );
  for (const kind of ['subscribe', 'unsubscribe']) {
    const ms = requests.filter((r) => r.kind === kind).map((r) => r.ms).sort((a, b) => a - b);
    console.log(`    ${kind}: ${fmt(ms.length, 0)}, p50 ${fmt(ms[Math.floor(ms.length / 2)] ?? 0)} ms, p99 ${fmt(ms[Math.floor(0.99 * ms.length)] ?? 0)} ms, max ${fmt(ms.at(-1) ?? 0)} ms`);
  }
  const phase = (at: number) => (jobStart && at < jobStart ? 'before the job' : prepared && at < prepared ? 'preparing' : jobDone && at < jobDone ? 'sending' : 'after');
  // When the slowest ones were sent, against the job's stages: a stall of the server shows up as a few of these together.
  const since = (at: number) => (jobStart ? `${fmt((at - jobStart) / 1000)} s` : new Date(at).toISOString().slice(11, 23));
  console.log(
    `    slowest: ${[...requests].sort((a, b) => b.ms - a.ms).slice(0, 3).map((r) => `${fmt(r.ms)} ms (${r.kind}, sent ${since(r.at)} after the job started, ${phase(r.at)})`).join('; ')}`,
  );
  const slow = requests.filter((r) => r.ms > LATENCY_LIMIT_MS);
  if (slow.length)
    console.log(
      `    over ${LATENCY_LIMIT_MS} ms: ${slow.length} (${['before the job', 'preparing', 'sending', 'after'].map((p) => `${slow.filter((r) => phase(r.at) === p).length} ${p}`).join(', ')}); ` +
        `the slowest sent at ${[...slow].sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => `${new Date(r.at).toISOString().slice(11, 23)} (${r.kind}, ${fmt(r.ms)} ms)`).join(', ')}`,
    );
  console.log(
    `  server: event loop max delay ${fmt(maxLagS * 1000)} ms; peak RSS ${fmt(vmHwm / MB)} MB (at the end ${fmt(peakRssBytes / MB)} MB); ` +
      `CPU ${fmt(cpuS)} s during the job; exit ${exitCode}; database ${fmt(dbBytes / MB)} MB; load average at the end ${loadEnd}`,
  );
  if (rssPeak.at)
    console.log(
      `    RSS sampled every 250 ms: ${fmt(rssBeforeJob / MB)} MB just before the job; peaked at ${fmt(rssPeak.bytes / MB)} MB, ` +
        `${fmt(jobStart ? (rssPeak.at - jobStart) / 1000 : NaN)} s after the job started (${phase(rssPeak.at)})`,
    );
  const checks: Record<string, boolean> = {
    'the daily job finished ok': run?.status === 'ok',
    [`every request answered within ${LATENCY_LIMIT_MS} ms, none failed`]: latencies.length > 0 && maxLatency <= LATENCY_LIMIT_MS && errors.length === 0,
    'no one who unsubscribed before their delivery was claimed received it': sentAfterUnsubscribe === 0,
    'every sent delivery arrived exactly once, nothing else did': wrongCount === 0 && strays === 0,
    'every reader still subscribed got their digest': activeNotSent === 0,
    'the server stopped cleanly': exitCode === 0,
  };
  for (const [name, ok] of Object.entries(checks)) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
  if (wrongCount || strays || activeNotSent) console.log(`  (wrong counts ${wrongCount}, strays ${strays}, still subscribed and not sent ${activeNotSent})`);
  failed = Object.values(checks).some((ok) => !ok);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill();
  rmSync(bundleDir, { recursive: true, force: true });
  if (process.env.SOAK_KEEP) console.log(`  kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
