// A small in-process work queue for low-priority jobs (confirmation emails): jobs start after the current
// request has been answered, a few at a time, and yield to a busy HTTP server.
// Invariants: at most `concurrency` jobs run and at most `maxQueued` wait (a job that does not fit is refused:
// push returns false, memory never grows without bound); while `yieldWhile()` is true at most one job runs and
// one starts per `yieldIntervalMs`, so a burst of requests is served first and the jobs still progress.
export interface BackgroundQueue {
  push(job: () => Promise<void>): boolean;
  readonly size: number;
  drain(): Promise<void>;
}

export interface BackgroundQueueOptions {
  concurrency: number;
  maxQueued: number;
  onError: (err: unknown) => void;
  yieldWhile?: () => boolean;
  yieldIntervalMs?: number;
}

export function createBackgroundQueue(o: BackgroundQueueOptions): BackgroundQueue {
  const waiting: (() => Promise<void>)[] = [];
  const yieldMs = o.yieldIntervalMs ?? 100;
  let running = 0;
  let lastStart = 0;
  let scheduled: 'immediate' | 'timer' | null = null;
  let idle: { promise: Promise<void>; resolve: () => void } | null = null;

  const settleIfIdle = () => {
    if (running === 0 && waiting.length === 0 && idle) {
      idle.resolve();
      idle = null;
    }
  };

  const schedule = (delayMs: number) => {
    if (scheduled) return;
    scheduled = delayMs > 0 ? 'timer' : 'immediate';
    const run = () => {
      scheduled = null;
      pump();
    };
    // setImmediate: the caller's response is written before any of the job's synchronous work runs.
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  };

  const start = (job: () => Promise<void>) => {
    running++;
    lastStart = performance.now();
    job()
      .catch(o.onError)
      .finally(() => {
        running--;
        pump();
        settleIfIdle();
      });
  };

  function pump() {
    while (waiting.length && running < o.concurrency) {
      if (o.yieldWhile?.()) {
        const wait = yieldMs - (performance.now() - lastStart);
        if (running > 0 || wait > 0) return schedule(Math.max(wait, 1));
      }
      start(waiting.shift()!);
    }
  }

  return {
    push(job) {
      if (waiting.length >= o.maxQueued) return false;
      waiting.push(job);
      schedule(0);
      return true;
    },
    get size() {
      return running + waiting.length;
    },
    drain() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      if (!idle) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        idle = { promise, resolve };
      }
      return idle.promise;
    },
  };
}

/** Counts foreground requests; busy() is true while more than `threshold` arrived in the last `windowMs`. */
export function createTrafficMeter(o: { windowMs: number; threshold: number }) {
  let windowStart = performance.now();
  let count = 0;
  let previous = 0;
  const roll = () => {
    const now = performance.now();
    const elapsed = now - windowStart;
    if (elapsed < o.windowMs) return;
    previous = elapsed < 2 * o.windowMs ? count : 0;
    count = 0;
    windowStart = now;
  };
  return {
    note() {
      roll();
      count++;
    },
    busy() {
      roll();
      return Math.max(count, previous) > o.threshold;
    },
  };
}
