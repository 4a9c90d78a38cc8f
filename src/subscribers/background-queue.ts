// A small in-process work queue for low-priority jobs (confirmation emails): jobs start after the current turn,
// a few at a time, and yield while the HTTP server is busy.
// Invariants: at most `concurrency` jobs run and at most `maxQueued` wait (a job that does not fit is refused:
// push returns false, memory never grows without bound); while `yieldWhile()` is true at most one job runs and
// one starts per `yieldIntervalMs`, so a burst of requests is served first and the jobs still progress.
// Time is a parameter (`now`, `setTimer`), so tests drive it with a manual clock instead of sleeping.
export interface BackgroundQueue {
  push(job: () => Promise<void>): boolean;
  readonly size: number;
  drain(): Promise<void>;
}

/** Monotonic milliseconds and a one-shot timer: the queue's and the meter's only contact with time. */
export interface QueueTime {
  now(): number;
  setTimer(fn: () => void, ms: number): void;
}

export const realQueueTime: QueueTime = {
  now: () => performance.now(),
  setTimer: (fn, ms) => void setTimeout(fn, ms),
};

export interface BackgroundQueueOptions {
  concurrency: number;
  maxQueued: number;
  onError: (err: unknown) => void;
  yieldWhile?: () => boolean;
  yieldIntervalMs?: number;
  time?: QueueTime;
}

export function createBackgroundQueue(o: BackgroundQueueOptions): BackgroundQueue {
  const time = o.time ?? realQueueTime;
  const waiting: (() => Promise<void>)[] = [];
  const yieldMs = o.yieldIntervalMs ?? 100;
  let running = 0;
  let lastStart = Number.NEGATIVE_INFINITY;
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
    // setImmediate: the caller's turn (a request being answered) finishes before any job's synchronous work runs.
    if (delayMs > 0) time.setTimer(run, delayMs);
    else setImmediate(run);
  };

  const start = (job: () => Promise<void>) => {
    running++;
    lastStart = time.now();
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
        const wait = yieldMs - (time.now() - lastStart);
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

/**
 * busy() is true while more than `threshold` foreground requests arrived in the current or the previous window of
 * `windowMs`. Requests are counted by note(), or read from `total()` (a running count kept elsewhere — the HTTP
 * thread's shared counter, when the queue runs in the intake worker).
 */
export function createTrafficMeter(o: { windowMs: number; threshold: number; now?: () => number; total?: () => number }) {
  const now = o.now ?? (() => performance.now());
  let noted = 0;
  const total = o.total ?? (() => noted);
  let windowStart = now();
  let atWindowStart = total();
  let previous = 0;
  const roll = () => {
    const t = now();
    const elapsed = t - windowStart;
    if (elapsed < o.windowMs) return;
    const count = total() - atWindowStart;
    previous = elapsed < 2 * o.windowMs ? count : 0;
    windowStart = t;
    atWindowStart = total();
  };
  return {
    note() {
      roll();
      noted++;
    },
    busy() {
      roll();
      return Math.max(total() - atWindowStart, previous) > o.threshold;
    },
  };
}
