// A helper thread for one kind of CPU-heavy request (MJML compiles, edition rankings), so that the server's event
// loop keeps answering meanwhile. Started on first use and reused; it does not keep the process alive while idle,
// and stops after `idleMs` without requests (it holds its modules' memory). Requests carry an id; the thread
// answers each with the same id. A thread that fails or exits fails what it was asked, and the next request starts
// a new one.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The young generation of each helper thread (the intake, MJML and preparation threads). V8 gives every isolate the
 * main thread's default, up to 3 × 16 MB on 64-bit, which the helpers filled with short-lived garbage: four isolates at
 * once made most of a 390 MB peak RSS in a soak's send. Their work is one request at a time, so a small nursery
 * only means more, shorter scavenges; the old generation is left unbounded (a cap would kill the thread).
 */
export const HELPER_THREAD_LIMITS = { maxYoungGenerationSizeMb: 6 } as const;

/** How long an idle thread stays: 10 s, or PAPERS_WORKER_IDLE_MS (the tests keep theirs instead of restarting them). */
const IDLE_MS = Number(process.env.PAPERS_WORKER_IDLE_MS) || 10_000;

/** Whether the process asked to keep idle threads (the tests: one thread for the whole run). */
const KEEP_IDLE = !!Number(process.env.PAPERS_WORKER_IDLE_MS);

export interface WorkerThread<Req, Res> {
  (request: Req): Promise<Res | { id: number; error: string }>;
  /**
   * The caller's work for this thread is over for now (an edition is prepared): it stops as soon as nothing is
   * waiting, instead of after `idleMs`, and gives its memory back (unless the process keeps its threads). Its next
   * request starts a new one.
   */
  release(): void;
}

export function workerThread<Req extends object, Res extends { id: number }>(
  /** The compiled worker (…/name.js), or its development entry that registers tsx first (…/name-dev.mjs). */
  url: URL,
  idleMs = IDLE_MS,
  keepIdle = KEEP_IDLE,
): WorkerThread<Req, Res> {
  let current: { worker: Worker; waiting: Map<number, (r: Res | { id: number; error: string }) => void>; idle?: NodeJS.Timeout; released?: boolean } | undefined;
  let next = 1;
  const stopIfIdle = (t: NonNullable<typeof current>) => {
    if (t.waiting.size || current !== t) return;
    current = undefined;
    clearTimeout(t.idle);
    void t.worker.terminate();
  };
  const start = () => {
    const worker = new Worker(url, { resourceLimits: HELPER_THREAD_LIMITS });
    const t: NonNullable<typeof current> = { worker, waiting: new Map() };
    const fail = (error: string) => {
      if (current === t) current = undefined;
      for (const [id, resolve] of t.waiting) resolve({ id, error });
      t.waiting.clear();
    };
    worker.on('message', (m: Res) => {
      const resolve = t.waiting.get(m.id);
      t.waiting.delete(m.id);
      resolve?.(m);
      if (t.waiting.size) return;
      worker.unref();
      t.idle = setTimeout(() => stopIfIdle(t), t.released ? 0 : idleMs).unref();
    });
    worker.on('error', (err) => fail(`the ${url.pathname.split('/').pop()} thread failed: ${err.message}`));
    worker.on('exit', () => fail(`the ${url.pathname.split('/').pop()} thread exited`));
    return (current = t);
  };
  const ask = (request: Req): Promise<Res | { id: number; error: string }> => {
    const t = current ?? start();
    t.released = false;
    clearTimeout(t.idle);
    t.worker.ref(); // a request in progress keeps the process alive until it is answered
    const id = next++;
    return new Promise((resolve) => {
      t.waiting.set(id, resolve);
      t.worker.postMessage({ ...request, id });
    });
  };
  return Object.assign(ask, {
    release() {
      if (!current || keepIdle) return;
      // Still answering: it stops once the last answer is in (the message handler's timer, at 0).
      current.released = true;
      stopIfIdle(current);
    },
  });
}

/**
 * The worker's URL beside `base` (a module's import.meta.url): the .js when built, the tsx entry from sources. The
 * tests run the sources but set PAPERS_WORKER_BUNDLE_DIR to the workers bundled once per test run, so a thread does not
 * transpile its modules through tsx every time one starts.
 */
export function workerUrl(name: string, base: string): URL {
  const bundled = process.env.PAPERS_WORKER_BUNDLE_DIR;
  if (bundled && base.endsWith('.ts')) return pathToFileURL(join(bundled, `${name}.js`));
  return new URL(base.endsWith('.ts') ? `./${name}-dev.mjs` : `./${name}.js`, base);
}
