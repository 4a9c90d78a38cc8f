// A small in-process work queue: jobs start after the current request has been answered, a few at a time.
// Invariant: at most `concurrency` jobs run and at most `maxQueued` wait; a job that does not fit is refused
// (push returns false) rather than growing memory without bound. drain() resolves when nothing is left.
export interface BackgroundQueue {
  push(job: () => Promise<void>): boolean;
  readonly size: number;
  drain(): Promise<void>;
}

export function createBackgroundQueue(o: { concurrency: number; maxQueued: number; onError: (err: unknown) => void }): BackgroundQueue {
  const waiting: (() => Promise<void>)[] = [];
  let running = 0;
  let idle: { promise: Promise<void>; resolve: () => void } | null = null;

  const settleIfIdle = () => {
    if (running === 0 && waiting.length === 0 && idle) {
      idle.resolve();
      idle = null;
    }
  };

  const pump = () => {
    while (running < o.concurrency && waiting.length) {
      const job = waiting.shift()!;
      running++;
      job()
        .catch(o.onError)
        .finally(() => {
          running--;
          pump();
          settleIfIdle();
        });
    }
  };

  return {
    push(job) {
      if (waiting.length >= o.maxQueued) return false;
      waiting.push(job);
      // setImmediate: the caller's response is written before any of the job's synchronous work runs.
      setImmediate(pump);
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
