// How far V8 lets the JS heap grow past what the last full collection kept. Its default (up to 4× for a heap this
// size) suits short scripts; a long-running process preparing and sending a large edition lives on ~45 MB of JS data
// but promotes every page's short-lived objects (subscribers, selections, delivery rows) into the old generation,
// which by default grew to ~190 MB between full collections at 1,000,000 subscribers (peak RSS 330–360 MB). At 1.5×
// the full collections come sooner and cost little (they only mark the live ~45 MB): peak RSS ~265 MB, no slower
// (bench:prepare). Unlike --max-old-space-size this is no cap: a heap that truly needs more still gets it.
import { setFlagsFromString } from 'node:v8';

/**
 * The server process's node flags (`npm start`, the Dockerfile's CMD, the soak's server; bench:prepare runs with them
 * too). The young generation's semi-space is fixed when the heap is made, before any of our code runs, so it cannot be
 * set from here. V8's default for the server thread (16 MB) let each page's short-lived objects survive two
 * scavenges and be promoted; at 4 MB they are scavenged more often (about 2,700 times instead of 700 for a million
 * readers, 2.3 s instead of 1.4 s in all, the preparation no slower) and bench:prepare's peak RSS went from 263 to
 * 221 MB at 1,000,000 subscribers.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4'] as const;

/**
 * The server process's environment, for what node cannot set once it runs: glibc's malloc reads MALLOC_ARENA_MAX at
 * start. By default it gives each thread that allocates its own arena (up to 8 per core), and each arena keeps what
 * its thread freed; the server has four JavaScript threads while a job prepares (HTTP, subscribe intake, preparation,
 * MJML; V8's and libuv's helpers besides), and SQLite and nodemailer allocate outside the JS heap. Measured with the
 * soak at 200,000 readers (the peak is while preparing): 288–297 MB by default, 278–279 MB with 2 arenas, 258 MB with 1;
 * bench:prepare at 200,000, three runs of each in turn: 226–230 / 214–222 / 208–210 MB, CPU 14.0 / 14.1 / 15.7 s on
 * average (11.6–15.3 / 13.1–15.4 / 14.7–16.5 s) — one arena, which every thread shares, cost the most CPU; two cost
 * nothing measurable. An operator's own MALLOC_ARENA_MAX wins (the scripts use `${MALLOC_ARENA_MAX:-2}`); musl (Alpine)
 * ignores it.
 */
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** The heap may grow to (1 + this / 100) × what the last full collection kept. */
export const HEAP_GROWING_PERCENT = 50;

const setGrowingPercent = (percent: number) => setFlagsFromString(`--heap-growing-percent=${percent}`);

/** Call once at the start of a process that is a job from start to end (the CLI), before the heap holds much. */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  setGrowingPercent(percent);
}

/**
 * Turns off V8's allocation-site pretenuring for the whole process (every thread's isolate): call once at the server's
 * start. V8 watches, at each scavenge, how many of the objects made at one place in the code survived; a place whose
 * objects mostly did is switched to making them straight in the old generation. A burst of requests in flight during
 * a scavenge is enough for the places that validate a subscribe body (zod's parse, fastify's validation step) to be
 * switched, and from then on every request's short-lived objects went to the old generation: bench:http's app took
 * ~47 MB into it per 5 s round of 57,700 subscribe requests (~800 bytes each; hello-world and an unvalidated POST
 * ~2 MB), so full collections came every few rounds and each round with one had a subscribe p99 of 8–18 ms against
 * 2–3 ms without (hello-world 1.5–2.3 ms). With pretenuring off: ~3 MB per round (hello-world's ~2 MB), so a full
 * collection every four or five rounds instead of one or two in each, and the rounds without one at subscribe p99
 * 1.7–2.5 ms. The daily job's threads lose nothing measurable: bench:prepare at 200,000, two runs
 * each in turn, 6.42–7.27 s with it and 6.38–6.66 s without, peak RSS 206–218 / 212–219 MB. Set at run time rather than
 * on node's command line, so that a server started any way gets it (V8 reads it at each scavenge).
 */
export function disablePretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** Entered when a job starts, left when it ends (however it ends). */
export interface JobScope {
  enter(): void;
  leave(): void;
}

/**
 * The server's limit: on while at least one job runs in the process, V8's own growth otherwise. Between jobs the
 * server only answers requests, whose garbage dies young but whose in-flight requests and parsed bodies are
 * promoted by the thousand under load; at 1.5× the full collections then come every few seconds and each costs the
 * HTTP thread a share of both cores (bench:http's app, subscribe requests with the intake switched off, 10,000 a
 * second for 5 s: p99 11–36 ms with the limit on, 3.7–5.5 ms without; hello-world's 2.1–3.3 ms; measured with V8's
 * pretenuring still on, which sent most of that garbage to the old generation: see disablePretenuring). V8 reads the flag
 * each time it sets the next limit, so turning it off (0, its default: "not set") takes effect at the next
 * collection. `set` is a parameter for the tests.
 */
export function heapGrowthDuringJobs(percent = HEAP_GROWING_PERCENT, set: (percent: number) => void = setGrowingPercent): JobScope {
  let running = 0;
  return {
    enter() {
      if (running++ === 0) set(percent);
    },
    leave() {
      if (running > 0 && --running === 0) set(0);
    },
  };
}
