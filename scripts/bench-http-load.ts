// bench:http's load generator, run as its own process (fork, IPC) so that it never shares a thread with the app
// and its own CPU can be measured apart: offers requests at a FIXED RATE, open loop — request i is issued at
// t0 + i/rate whether or not earlier ones have been answered (wrk2's model), so a slow server shows up as latency
// instead of silently lowering the offered rate as a closed-loop tool (autocannon, wrk) does. autocannon's own
// rate option is not used because it sends each connection's per-second quota back to back at the top of each
// second (bursts, not a rate). Requests go through one undici Pool (keep-alive connections, opened as needed).
//
// As a child process: message in, a LoadJob; message out, a LoadResult; 'exit' ends the process.
// Latency is measured from the moment the request is handed to the pool (so it includes waiting for a free
// connection: a server that falls behind makes it grow), to the end of the response body. How late the generator
// itself issued requests against its schedule is reported apart (`lagP99Ms`), with its CPU time: a generator that
// keeps its schedule and has CPU to spare is not what is being measured.
import { Pool } from 'undici';
import { pathToFileURL } from 'node:url';

export interface LoadJob {
  origin: string;
  kind: 'hello' | 'subscribe';
  path: string;
  rate: number; // requests per second
  seconds: number;
  expectStatus: number;
  /** Makes each subscribe address unique across jobs. */
  tag: string;
  /**
   * Seconds offered first at the same rate and not measured (their errors still count): the start of a run after a
   * change of rate — connections opened, the app's heap grown back after the pause between runs — is not the rate's
   * steady state, and at a few thousand requests a second its first few hundred ms decided a run's p99.
   */
  warmupSeconds?: number;
}

export interface LoadResult {
  /** Requests issued, warm-up included. */
  offered: number;
  /** Of those, issued during the warm-up (not in `latencies` or `lagP99Ms`). */
  warmup: number;
  completed: number;
  /** Requests that failed or got another status, warm-up included. */
  errors: number;
  errorSamples: string[];
  /** Latencies of the successful measured requests (after the warm-up), ms, sorted ascending. */
  latencies: number[];
  /** p99 of (issue time − scheduled time), ms. */
  lagP99Ms: number;
  /** The generator's CPU time (user + system, all its threads) during the job, and the job's wall time, ms. */
  cpuMs: number;
  wallMs: number;
}

const CONNECTIONS = 128;
const TIMEOUT_MS = 10_000;

const pools = new Map<string, Pool>();
function poolFor(origin: string): Pool {
  let p = pools.get(origin);
  if (!p) {
    p = new Pool(origin, { connections: CONNECTIONS, pipelining: 1, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, keepAliveTimeout: 30_000 });
    pools.set(origin, p);
  }
  return p;
}

let serial = 0;

/** Offers `job` and resolves when every request has been answered (or has failed). */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const p = poolFor(job.origin);
  const warmup = Math.round(job.rate * (job.warmupSeconds ?? 0));
  const total = warmup + Math.max(1, Math.round(job.rate * job.seconds));
  const interval = 1000 / job.rate;
  const latencies: number[] = [];
  const lags = new Float64Array(total - warmup);
  const errorSamples: string[] = [];
  let errors = 0;
  let done = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now() + 2;

  const fire = (i: number, scheduled: number) => {
    const sent = performance.now();
    const measured = i >= warmup;
    if (measured) lags[i - warmup] = sent - scheduled;
    const opts =
      job.kind === 'subscribe'
        ? {
            path: job.path,
            method: 'POST' as const,
            headers: { 'content-type': 'application/json' },
            // A unique address per request: every one is a new subscriber, an insert and a queued confirmation.
            body: `{"email":"bench-${job.tag}-${serial++}@example.org","topics":["agents"]}`,
          }
        : { path: job.path, method: 'GET' as const };
    p.request(opts).then(
      async (res) => {
        await res.body.dump();
        if (res.statusCode !== job.expectStatus) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(`HTTP ${res.statusCode}`);
        } else if (measured) latencies.push(performance.now() - sent);
      },
      (err: Error) => {
        errors++;
        if (errorSamples.length < 3) errorSamples.push(err.message);
      },
    ).finally(() => {
      if (++done === total) finish();
    });
  };

  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));
  let i = 0;
  // A timer (not a busy loop, which would make the generator look saturated): each wake-up issues every request
  // whose time has come. Node's timers wake about once a millisecond, so a request is issued at most ~1 ms late
  // while the generator keeps up; `lagP99Ms` shows whether it did.
  const tick = () => {
    const now = performance.now();
    while (i < total && t0 + i * interval <= now) {
      fire(i, t0 + i * interval);
      i++;
    }
    if (i < total) setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
  };
  setTimeout(tick, 2);
  await finished;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const sortedLags = Array.from(lags).sort((a, b) => a - b);
  return {
    offered: total,
    warmup,
    completed: done,
    errors,
    errorSamples,
    latencies,
    lagP99Ms: sortedLags[Math.min(sortedLags.length - 1, Math.floor(sortedLags.length * 0.99))]!,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
  };
}

/** Closes the keep-alive connections (the pools are kept between jobs, as a client keeps its connections). */
export async function closeLoad(): Promise<void> {
  await Promise.all([...pools.values()].map((x) => x.close()));
  pools.clear();
}

// Run as a child process (bench-http.ts forks this file): one job per message, its result as the reply.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.on('message', (m: LoadJob | 'exit') => {
    if (m === 'exit') {
      void closeLoad().finally(() => process.exit(0));
      return;
    }
    void runLoad(m).then((r) => process.send?.(r));
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}
