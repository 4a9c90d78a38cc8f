// The in-process job slot: at most one job (a scheduler tick, an admin "run now") runs at a time in this
// process, and shutdown can abort it and wait for it. Cross-process exclusion is the SQLite lock's job.
import type { Logger } from '../lib/logger.js';
import type { JobScope } from '../lib/heap-growth.js';
import { AppError, describeError } from '../lib/errors.js';

export interface RunningJob {
  name: string;
  startedAt: Date;
}

export interface JobRunner {
  /** The job running now, if any. */
  current(): RunningJob | undefined;
  /**
   * Starts `fn` unless a job is running or the runner is stopping (then returns undefined). The returned
   * promise settles with the job; failures are logged here too, so a caller may ignore it.
   */
  run<T>(name: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> | undefined;
  /** Refuses new jobs, aborts the running one and waits for it at most `timeoutMs`; true when it finished. */
  stop(timeoutMs: number): Promise<boolean>;
  readonly stopping: boolean;
}

export interface JobRunnerOptions {
  /** Entered as each job starts and left when it settles (the server limits the heap's growth during jobs). */
  duringJobs?: JobScope | undefined;
}

export function createJobRunner(logger: Logger, options: JobRunnerOptions = {}): JobRunner {
  let active: { job: RunningJob; done: Promise<unknown>; controller: AbortController } | undefined;
  let stopping = false;
  return {
    current: () => active?.job,
    get stopping() {
      return stopping;
    },
    run(name, fn) {
      if (stopping || active) return undefined;
      const controller = new AbortController();
      const job = { name, startedAt: new Date() };
      options.duringJobs?.enter();
      const promise = (async () => fn(controller.signal))();
      const done = promise.then(
        () => undefined,
        (err) => {
          const interrupted = err instanceof AppError && err.code === 'JOB_INTERRUPTED';
          logger[interrupted ? 'info' : 'error']({ event: interrupted ? 'job.interrupted' : 'job.failed', job: name, error: describeError(err) }, 'job ended early');
        },
      );
      active = { job, done, controller };
      void done.finally(() => {
        options.duringJobs?.leave();
        if (active?.done === done) active = undefined;
      });
      return promise;
    },
    async stop(timeoutMs) {
      stopping = true;
      const a = active;
      if (!a) return true;
      a.controller.abort(new AppError('SHUTTING_DOWN', 'the process is shutting down'));
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        a.done.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return finished;
    },
  };
}
