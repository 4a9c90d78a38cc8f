// `npm run bench:http`: POST /api/subscriptions (a unique address per request) beside a BASELINE measured in the
// same run — a hello-world GET route registered on the same app only for this benchmark — at the SAME FIXED
// OFFERED RATE, so that the figure is about the app and not about the load generator.
//
// Three processes besides this driver: the app (real createApp + buildHttpApp, temp SQLite database, rate limits
// raised, listening on 127.0.0.1:0), the load generator (scripts/bench-http-load.ts: open loop, fixed rate, its
// own CPU measured), and an SMTP sink for the confirmation emails (scripts/bench-send-sink.ts). Steps:
//   1. each route's p99 at a low rate; the latency bar of the ramps is twice the higher of the two (one bar for both,
//      so the throughput ratio compares rates sustained within the same p99).
//   2. hello-world's capacity: the rate raised step by step until p99 passes the bar or errors appear, in two steps in a
//      row (each tried twice): one broken step on a shared machine may be a burst from elsewhere.
//   3. subscribe's max sustainable rate, the same way within the same bar; the throughput ratio subscribe / hello,
//      target ≥ 0.3.
//   4. alternating rounds (hello first, then subscribe first, …) at 50 % of hello-world's capacity (--share S for
//      another): p50/p99/max and errors for each side; target subscribe p99 ≤ 1.5 × hello p99 (medians of the rounds'
//      p99s), 0 errors. Measured after step 3 so that the output can say where that rate stands against subscribe's own
//      capacity: past it (a throughput ratio under 0.5 with the default share), subscribe's p99 is that of a queue
//      that grows, and the two targets cannot both hold.
// Every run also prints how busy the generator was (CPU, schedule lag), the app (process CPU, the HTTP thread's
// event-loop utilisation and CPU time) and, on Linux, the SMTP sink's CPU and the share of the machine other processes
// took meanwhile.
// Between runs the app's confirmation-email queue is drained, so no run pays for the one before; each run starts with
// WARMUP_SECONDS at its rate that are not measured. About 5 to 6 minutes; the ramps stop when the generator nears
// saturation (or at MAX_RATE), and a request with no answer after 10 s counts as an error, so it always ends.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perfConstants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/lib/logger.js';
import { disablePretenuring, SERVER_ENV, SERVER_NODE_FLAGS } from '../src/lib/heap-growth.js';
import { buildHttpApp } from '../src/http/build-app.js';
import type { LoadJob, LoadResult } from './bench-http-load.js';
import { between, snapshot } from './bench-http-cpu.js';

const HELLO = '/__bench/hello';
const SUBSCRIBE = '/api/subscriptions';
const LOW_RATE = 200; // req/s: the "unloaded" p99 each route is compared with
const LOW_SECONDS = 2;
const LOW_RUNS = 3;
const FIRST_STEP = 400;
const STEP_FACTOR = 1.5;
const STEP_SECONDS = 3;
// High enough that the generator's own CPU stops a ramp first (GENERATOR_SATURATED): at 30,000 hello-world's ramp used
// to end unbroken at 23,072 req/s with the generator at half its core, and the throughput ratio was then read against a
// capacity that was only a lower bound.
const MAX_RATE = 120_000;
// Each run first offers this many seconds at its rate, unmeasured (errors still count): see LoadJob.warmupSeconds.
const WARMUP_SECONDS = 1;
const ROUNDS = 6;
const ROUND_SECONDS = 4;
// Of hello-world's capacity, for the rounds: 50 % by default, `npm run bench:http -- --share 0.25` for another share
// (on 2 cores 50 % of hello-world's capacity can be above subscribe's own, measured in step 3: its rounds then measure a
// queue, and the output says so).
const shareArg = process.argv.indexOf('--share');
const LOAD_SHARE = shareArg >= 0 ? Number(process.argv[shareArg + 1]) : 0.5;
if (!(LOAD_SHARE > 0 && LOAD_SHARE <= 1)) throw new Error('--share: a fraction of hello-world\'s capacity, 0 < share ≤ 1');
// A generator using this share of its core (one JavaScript thread) may be the limit rather than the app: the ramp
// stops there and says that the capacity is at least the rate that held.
const GENERATOR_SATURATED = 0.8;

interface Usage {
  cpuMs: number;
  eluActive: number;
  eluIdle: number;
  at: number;
  /** The HTTP thread's garbage collections so far: scavenges, full collections, and their pauses. */
  gc: GcCount;
}

interface GcCount {
  minor: number; // scavenges
  marking: number; // incremental marking steps of a full collection, on this thread
  major: number; // full collections (their final pause)
  ms: number;
}

// ---- the app's process: the real app plus the hello-world route ----
async function serve(smtpPort: number) {
  // As src/server.ts runs between jobs: its command-line flags (SERVER_NODE_FLAGS, on the fork below), and V8's own
  // heap growth (the server holds it to 1.5× only while a job runs: heapGrowthDuringJobs), and no pretenuring.
  disablePretenuring();
  // A full collection in a round shows in its p99 (see disablePretenuring): each round says how many it met.
  const gc: GcCount = { minor: 0, marking: 0, major: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      else if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
      else if (kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL) gc.marking++;
      gc.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0000',
    PUBLIC_BASE_URL: 'https://papers.example.org',
    DATABASE_PATH: join(dir, 'bench.db'),
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SCHEDULER_ENABLED: 'false',
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const app = createApp(config, { logger: silentLogger() });
  const http = await buildHttpApp(app);
  http.get(HELLO, { schema: { hide: true } }, async () => ({ hello: 'world' }));
  await http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = http.server.address() as { port: number };
  const usage = (): Usage => {
    const c = process.cpuUsage(); // the whole process: HTTP thread, intake thread, GC and libuv threads
    const e = performance.eventLoopUtilization(); // the HTTP thread alone
    return { cpuMs: (c.user + c.system) / 1000, eluActive: e.active, eluIdle: e.idle, at: performance.now(), gc: { ...gc } };
  };
  process.on('message', async (m: string) => {
    if (m === 'usage') process.send?.(usage());
    else if (m === 'settle') {
      const t0 = performance.now();
      await app.subscriptions.drain(); // queued subscribe requests written, their confirmation emails handed over
      process.send?.({ ms: performance.now() - t0 });
    } else if (m === 'stop') {
      await http.close(); // drains the confirmation-email queue
      const { pending: n } = await app.store.countSubscribersByStatus();
      // A burst beyond the confirmation queue's bound (confirmMaxQueued) is refused, not buffered: those addresses get
      // no email and may ask again at once. Counted, so that the sink's count can be reconciled with the subscribers'.
      const confirmationsDropped = app.subscriptions.intakeCounters.get('confirmationsDropped');
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      process.send?.({ subscribers: n, confirmationsDropped }, () => process.exit(0));
    }
  });
  process.send?.({ port });
}

// ---- the driver ----
/** A child process spoken to by request and reply, one at a time. */
function child(script: string, args: string[] = [], nodeFlags: readonly string[] = [], env: Record<string, string> = {}) {
  const proc: ChildProcess = fork(script, args, { execArgv: [...nodeFlags, '--import', 'tsx'], env: { ...env, ...process.env } });
  const waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  const inbox: unknown[] = []; // messages that came before anyone asked (a child's "ready")
  let exited: Error | null = null;
  proc.on('message', (m) => {
    const w = waiting.shift();
    if (w) w.resolve(m);
    else inbox.push(m);
  });
  proc.on('exit', (code) => {
    exited = new Error(`${script} exited with ${code}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      if (inbox.length) resolve(inbox.shift() as T);
      else if (exited) reject(exited);
      else waiting.push({ resolve: resolve as (m: unknown) => void, reject });
    });
  return {
    proc,
    next,
    ask: <T>(m: unknown) => {
      const reply = next<T>();
      proc.send(m as string);
      return reply;
    },
  };
}

interface Run {
  rate: number;
  lat: number[]; // sorted
  p50: number;
  p99: number;
  max: number;
  errors: number;
  errorSamples: string[];
  offered: number;
  genCpu: number; // share of one core
  genLagP99: number;
  appCpu: number; // share of one core, whole process
  appElu: number; // HTTP thread busy share (event-loop utilisation: running or waiting for a CPU)
  httpThreadCpu: number | null; // HTTP thread on a CPU, share of one (Linux)
  others: number | null; // other processes' CPU, share of the whole machine (Linux)
  sinkCpu: number | null; // the SMTP sink's CPU, share of one core (Linux)
  gc: GcCount; // the HTTP thread's collections during the run
}

/** Nearest-rank percentile of an ascending array. */
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : NaN);
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const share = (x: number) => `${Math.round(x * 100)} %`;
/** CPU time per request from a share of one core at a rate: steadier than latency when others load the machine. */
const perRequest = (coreShare: number, rate: number) => `${Math.round((coreShare * 1e6) / rate)} µs/req`;

async function main() {
  const started = performance.now();
  const load0 = loadavg();
  const sink = child(fileURLToPath(new URL('./bench-send-sink.ts', import.meta.url)));
  const gen = child(fileURLToPath(new URL('./bench-http-load.ts', import.meta.url)));
  let server: ReturnType<typeof child> | undefined;
  try {
    const { port: smtpPort } = await sink.next<{ port: number }>();
    // The app runs with the server's own node flags (npm start's), so the figures are the shipped server's.
    server = child(fileURLToPath(import.meta.url), ['--serve', String(smtpPort)], SERVER_NODE_FLAGS, SERVER_ENV);
    const { port } = await server.next<{ port: number }>();
    await gen.next<{ ready: true }>();
    const app = server;
    const origin = `http://127.0.0.1:${port}`;
    const runId = Date.now().toString(36);
    let jobs = 0;
    const othersSeen: number[] = []; // other processes' share of the machine, per run
    let genBusiest = 0; // the generator's highest CPU share in any run

    const measure = async (kind: LoadJob['kind'], rate: number, seconds: number): Promise<Run> => {
      await app.ask('settle');
      const pids = [process.pid, app.proc.pid!, gen.proc.pid!, sink.proc.pid!];
      const SINK = 3; // the sink's place in `pids`
      const c0 = snapshot(pids, app.proc.pid!);
      const u0 = await app.ask<Usage>('usage');
      const r = await gen.ask<LoadResult>({
        origin,
        kind,
        path: kind === 'hello' ? HELLO : SUBSCRIBE,
        rate,
        seconds,
        expectStatus: kind === 'hello' ? 200 : 202,
        tag: `${runId}-${jobs++}`,
        warmupSeconds: WARMUP_SECONDS,
      } satisfies LoadJob);
      const u1 = await app.ask<Usage>('usage');
      const cpu = between(c0, snapshot(pids, app.proc.pid!));
      if (cpu.others !== null) othersSeen.push(cpu.others);
      genBusiest = Math.max(genBusiest, r.cpuMs / r.wallMs);
      const lat = r.latencies;
      return {
        rate,
        lat,
        p50: pct(lat, 0.5),
        p99: pct(lat, 0.99),
        max: lat[lat.length - 1] ?? NaN,
        errors: r.errors,
        errorSamples: r.errorSamples,
        offered: r.offered,
        genCpu: r.cpuMs / r.wallMs,
        genLagP99: r.lagP99Ms,
        appCpu: (u1.cpuMs - u0.cpuMs) / (u1.at - u0.at),
        appElu: (u1.eluActive - u0.eluActive) / (u1.eluActive - u0.eluActive + u1.eluIdle - u0.eluIdle),
        gc: { minor: u1.gc.minor - u0.gc.minor, marking: u1.gc.marking - u0.gc.marking, major: u1.gc.major - u0.gc.major, ms: u1.gc.ms - u0.gc.ms },
        others: cpu.others,
        httpThreadCpu: cpu.httpThreadCpu,
        sinkCpu: cpu.oursCpu[SINK] ?? null,
      };
    };
    const line = (name: string, r: Run) =>
      `  ${name.padEnd(16)} ${String(r.rate).padStart(6)} req/s  p50 ${ms(r.p50).padStart(6)}  p99 ${ms(r.p99).padStart(6)}  max ${ms(r.max).padStart(6)} ms  errors ${r.errors}/${r.offered}` +
      `  · generator CPU ${share(r.genCpu)}, lag p99 ${ms(r.genLagP99)} ms · app CPU ${share(r.appCpu)} (${perRequest(r.appCpu, r.rate)}), HTTP thread busy ${share(r.appElu)}` +
      (r.httpThreadCpu === null ? '' : `, on a CPU ${share(r.httpThreadCpu)} (${perRequest(r.httpThreadCpu, r.rate)})`) +
      ` · HTTP thread GC ${r.gc.minor} scavenges, ${r.gc.major} full (${r.gc.marking} marking steps), ${ms(r.gc.ms)} ms` +
      (r.sinkCpu === null ? '' : ` · SMTP sink ${share(r.sinkCpu)}`) +
      (r.others === null ? '' : ` · others ${share(r.others)} of the machine`);

    /** The p99 of a route at LOW_RATE: the median of LOW_RUNS short runs (one burst from another process must not set it). */
    const unloaded = async (kind: LoadJob['kind']) => {
      const lows: Run[] = [];
      for (let k = 0; k < LOW_RUNS; k++) {
        lows.push(await measure(kind, LOW_RATE, LOW_SECONDS));
        console.log(line(`${kind} low`, lows[k]!));
      }
      return [...lows].sort((x, y) => x.p99 - y.p99)[Math.floor(LOW_RUNS / 2)]!;
    };

    /** The highest rate whose p99 stays within `limit` with no errors (a failing step is tried twice). */
    const ramp = async (kind: LoadJob['kind'], limit: number) => {
      const held = (r: Run) => r.errors === 0 && r.p99 <= limit;
      // Did the generator, rather than the app, run out of CPU? Then the step says nothing about the app.
      let generatorBound = false;
      const step = async (rate: number) => {
        let r = await measure(kind, rate, STEP_SECONDS);
        console.log(line(kind, r) + `  ${held(r) ? 'held' : 'broke'}`);
        if (!held(r)) {
          // Once more: on a shared machine one step can be hit by someone else's burst.
          r = await measure(kind, rate, STEP_SECONDS);
          console.log(line(kind, r) + `  ${held(r) ? 'held' : 'broke'} (retry)`);
        }
        if (r.genCpu >= GENERATOR_SATURATED) generatorBound = true;
        return held(r);
      };
      let ok = LOW_RATE;
      let broke: number | null = null;
      // One step that breaks (twice) may still be a burst from elsewhere: at low rates a p99 is a handful of requests
      // and one hiccup of the machine sets it (subscribe once "held" 1,238 req/s this way, and then ran its rounds at
      // 5,130 with hello-world's p99). So the ramp goes on one more step: if that one holds, the break was not the
      // route's limit; two breaks in a row end it, and the first of them is the rate that broke.
      let suspect: number | null = null;
      for (let rate = FIRST_STEP; rate <= MAX_RATE && !generatorBound; rate = Math.round(rate * STEP_FACTOR)) {
        if (await step(rate)) {
          ok = rate;
          suspect = null;
        } else if (suspect === null) suspect = rate;
        else break;
      }
      if (suspect !== null) broke = suspect;
      // Two bisection steps between the last rate that held and the first that broke.
      for (let k = 0; k < 2 && broke !== null && !generatorBound && broke - ok > 50; k++) {
        const mid = Math.round((ok + broke) / 2);
        if (await step(mid)) ok = mid;
        else broke = mid;
      }
      return { capacity: ok, broke, generatorBound };
    };
    const capacityLine = (kind: string, c: Awaited<ReturnType<typeof ramp>>, limit: number) =>
      `  → ${kind} holds ${c.capacity} req/s (p99 limit ${ms(limit)} ms${c.broke ? `; broke at ${c.broke} req/s` : `; not broken up to ${MAX_RATE}`})` +
      (c.generatorBound ? ' — the GENERATOR was near saturation: the capacity is at least this' : '');

    console.log(`bench:http — loopback, the app, the load generator and the SMTP sink each in its own process; open-loop fixed-rate load`);
    console.log(`machine: ${availableParallelism()} CPUs, load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start`);
    console.log(
      `each run: ${WARMUP_SECONDS} s of warm-up at its rate, not measured, then latency from the request handed to the connection pool to the end of the response, successful ones only; errors (warm-up included) = wrong status or failed/timed-out requests.\n` +
        `  generator CPU = its CPU time over the run, share of one core (one JavaScript thread: near 100 % it would be the limit); lag = how late it issued requests against its schedule.\n` +
        `  app CPU = the app's process (HTTP thread, intake thread, GC), share of one core, and per request; HTTP thread busy = its event-loop utilisation (running or waiting for a CPU), on a CPU = its own CPU time (and per request);\n` +
        `  HTTP thread GC = its garbage collections during the run: scavenges (young generation), full collections (and the incremental marking steps they take on this thread), and their pauses in all;\n` +
        `  SMTP sink = the sink's CPU time (it receives the confirmation emails, which the intake holds back while requests keep coming), share of one core;\n` +
        `  others = CPU time of every other process on the machine, share of all its CPUs (this machine may be shared).`,
    );
    // Warm-up (JIT, SQLite page cache, SMTP pool, connections), not reported.
    await measure('hello', 1000, 2);
    await measure('subscribe', 500, 2);

    // One latency bar for both routes, so that the throughput ratio compares the rates each sustains within the same
    // p99: twice the app's unloaded p99 (the higher of the two routes' p99 at LOW_RATE). Each route's own low-rate p99
    // is no steadier a bar: at 200 req/s a p99 is the 4th-slowest of 400 requests, and the idle machine's wake-up
    // latency (a quiet hello-world: 1.9–2.7 ms here) or a CPU kept awake by the confirmation emails (subscribe:
    // 0.6–0.7 ms) decides it more than the route does.
    console.log(`\n1. each route's p99 at ${LOW_RATE} req/s (median of ${LOW_RUNS} runs of ${LOW_SECONDS} s); the latency bar of both ramps is twice the higher`);
    const helloLow = await unloaded('hello');
    const subscribeLow = await unloaded('subscribe');
    const limit = 2 * Math.max(helloLow.p99, subscribeLow.p99);
    console.log(`  → unloaded p99: hello ${ms(helloLow.p99)} ms, subscribe ${ms(subscribeLow.p99)} ms → p99 limit ${ms(limit)} ms`);

    console.log(`\n2. hello-world's capacity: ×${STEP_FACTOR} steps of ${STEP_SECONDS} s from ${FIRST_STEP} req/s until p99 passes ${ms(limit)} ms or errors appear`);
    const hello = await ramp('hello', limit);
    console.log(capacityLine('hello-world', hello, limit));

    console.log(`\n3. subscribe's max sustainable rate, the same way and within the same p99 limit (${ms(limit)} ms)`);
    const sub = await ramp('subscribe', limit);
    console.log(capacityLine('subscribe', sub, limit));
    const tputRatio = sub.capacity / hello.capacity;
    console.log(`\nmax sustainable rate: hello-world ${hello.capacity} req/s, subscribe ${sub.capacity} req/s → throughput ratio ${tputRatio.toFixed(2)} (target ≥ 0.30)`);

    const rate = Math.max(LOW_RATE, Math.round((hello.capacity * LOAD_SHARE) / 10) * 10);
    console.log(
      `\n4. ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s per side at ${rate} req/s (${share(LOAD_SHARE)} of hello-world's capacity, ${share(rate / sub.capacity)} of subscribe's)`,
    );
    const rounds: { hello: Run; subscribe: Run }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        const h = await measure('hello', rate, ROUND_SECONDS);
        rounds.push({ hello: h, subscribe: await measure('subscribe', rate, ROUND_SECONDS) });
      } else {
        const s = await measure('subscribe', rate, ROUND_SECONDS);
        rounds.push({ subscribe: s, hello: await measure('hello', rate, ROUND_SECONDS) });
      }
    }
    const pooled = (pick: (r: (typeof rounds)[number]) => Run): Run & { roundP99s: number[] } => {
      const rs = rounds.map(pick);
      const lat = rs.flatMap((r) => r.lat).sort((a, b) => a - b);
      const mean = (f: (r: Run) => number) => rs.reduce((t, r) => t + f(r), 0) / rs.length;
      return {
        rate,
        lat,
        p50: pct(lat, 0.5),
        p99: pct(lat, 0.99),
        max: lat[lat.length - 1] ?? NaN,
        errors: rs.reduce((n, r) => n + r.errors, 0),
        errorSamples: rs.flatMap((r) => r.errorSamples).slice(0, 3),
        offered: rs.reduce((n, r) => n + r.offered, 0),
        genCpu: mean((r) => r.genCpu),
        genLagP99: Math.max(...rs.map((r) => r.genLagP99)),
        appCpu: mean((r) => r.appCpu),
        appElu: mean((r) => r.appElu),
        httpThreadCpu: rs.some((r) => r.httpThreadCpu === null) ? null : mean((r) => r.httpThreadCpu!),
        others: rs.some((r) => r.others === null) ? null : mean((r) => r.others!),
        sinkCpu: rs.some((r) => r.sinkCpu === null) ? null : mean((r) => r.sinkCpu!),
        gc: {
          minor: rs.reduce((n, r) => n + r.gc.minor, 0),
          marking: rs.reduce((n, r) => n + r.gc.marking, 0),
          major: rs.reduce((n, r) => n + r.gc.major, 0),
          ms: rs.reduce((n, r) => n + r.gc.ms, 0),
        },
        roundP99s: rs.map((r) => r.p99),
      };
    };
    const h = pooled((r) => r.hello);
    const s = pooled((r) => r.subscribe);
    console.log(line('BASELINE hello', h));
    console.log(line('OURS subscribe', s));
    console.log(`  p99 of each round, ms: hello ${h.roundP99s.map(ms).join(' ')} · subscribe ${s.roundP99s.map(ms).join(' ')}`);
    console.log(`  full collections of each round: hello ${rounds.map((r) => r.hello.gc.major).join(' ')} · subscribe ${rounds.map((r) => r.subscribe.gc.major).join(' ')}`);
    if (h.errors + s.errors) console.log(`  error samples: ${[...h.errorSamples, ...s.errorSamples].join('; ')}`);
    // The target compares the medians of the rounds' p99: a burst from another process on a shared machine that
    // lands in one round then decides nothing. The p99 of all requests pooled is printed in the rows above.
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const hP99 = median(h.roundP99s);
    const sP99 = median(s.roundP99s);
    const p99Ratio = sP99 / hP99;
    console.log(
      `  p99, median of the rounds: hello ${ms(hP99)} ms, subscribe ${ms(sP99)} ms → subscribe / hello ${p99Ratio.toFixed(2)} (target ≤ 1.50; pooled ${(s.p99 / h.p99).toFixed(2)}) · errors ${s.errors + h.errors} (target 0)`,
    );
    // Step 3 found the rate at which subscribe's p99 passes the bar (twice the unloaded p99); offered more than that,
    // its rounds measure a queue whatever the route costs — unless the ramp was ended by the machine's noise, which the
    // rounds' own p99 then shows (two broken steps in a row make that rarer, not impossible).
    if (rate > sub.capacity)
      console.log(
        `  note: ${rate} req/s is above the rate subscribe held in step 3 (${sub.capacity} req/s). Where that is its real limit, its rounds here measure a growing queue, ` +
          `and the p99 target can be read only at a share below ${(sub.capacity / hello.capacity).toFixed(2)} (--share).`,
      );

    const stop = app.ask<{ subscribers: number; confirmationsDropped: number }>('stop');
    const { subscribers, confirmationsDropped } = await stop;
    const { count: mails } = await sink.ask<{ count: number }>('count');
    console.log(
      `subscribers recorded: ${subscribers} · confirmation emails received by the SMTP sink: ${mails}` +
        ` · refused by the full confirmation queue (the address may ask again at once): ${confirmationsDropped}`,
    );
    const load1 = loadavg();
    console.log(`load average at the end ${load1.map((x) => x.toFixed(2)).join(' ')} · ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
    const meanOthers = othersSeen.length ? othersSeen.reduce((a, b) => a + b, 0) / othersSeen.length : null;
    console.log(
      `the generator used at most ${share(genBusiest)} of its core in any run` +
        (meanOthers === null ? '' : ` · other processes took ${share(meanOthers)} of the machine on average`) +
        (meanOthers !== null && meanOthers > 0.25 ? ' — a busy machine: the p99s measure its CPU queue as much as the app' : ''),
    );
    const ok = p99Ratio <= 1.5 && s.errors + h.errors === 0 && tputRatio >= 0.3;
    console.log(ok ? 'targets met' : 'TARGETS MISSED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    gen.proc.kill();
    server?.proc.kill();
    sink.proc.kill();
  }
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]));
else await main();
