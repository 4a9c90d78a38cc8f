// A helper thread for one kind of CPU-heavy request (MJML compiles, edition rankings), so that the server's event
// loop keeps answering meanwhile. Started on first use and reused; it does not keep the process alive while idle,
// and stops after `idleMs` without requests (it holds its modules' memory). Requests carry an id; the thread
// answers each with the same id. A thread that fails or exits fails what it was asked, and the next request starts
// a new one.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How long an idle thread stays: 10 s, or PAPERS_WORKER_IDLE_MS (the tests keep theirs instead of restarting them). */
const IDLE_MS = Number(process.env.PAPERS_WORKER_IDLE_MS) || 10_000;

export function workerThread<Req extends object, Res extends { id: number }>(
  /** The compiled worker (…/name.js), or its development entry that registers tsx first (…/name-dev.mjs). */
  url: URL,
  idleMs = IDLE_MS,
): (request: Req) => Promise<Res | { id: number; error: string }> {
  let current: { worker: Worker; waiting: Map<number, (r: Res | { id: number; error: string }) => void>; idle?: NodeJS.Timeout } | undefined;
  let next = 1;
  const start = () => {
    const worker = new Worker(url);
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
      t.idle = setTimeout(() => {
        if (t.waiting.size || current !== t) return;
        current = undefined;
        void worker.terminate();
      }, idleMs).unref();
    });
    worker.on('error', (err) => fail(`the ${url.pathname.split('/').pop()} thread failed: ${err.message}`));
    worker.on('exit', () => fail(`the ${url.pathname.split('/').pop()} thread exited`));
    return (current = t);
  };
  return (request) => {
    const t = current ?? start();
    clearTimeout(t.idle);
    t.worker.ref(); // a request in progress keeps the process alive until it is answered
    const id = next++;
    return new Promise((resolve) => {
      t.waiting.set(id, resolve);
      t.worker.postMessage({ ...request, id });
    });
  };
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
