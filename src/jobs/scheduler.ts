// The scheduler: decides from the calendar and job_runs whether the daily run is due (catch-up after downtime,
// DST days included), then sends deliveries that became due since. node-cron is only a prompt trigger at the
// configured time; a periodic tick (and one at start-up) makes the same decision, so a run node-cron skips in a
// DST gap, or misses while the process was down, still happens — and exactly once, by job_runs and the lock.
import nodeCron, { type ScheduledTask } from 'node-cron';
import type { AppDeps } from '../app.js';
import { dueRun, nextRunAfter, parseDailySchedule, type DailySchedule } from './cron-schedule.js';
import { DAILY_JOB, isDailyRunSettled, runDailyJobIfNotDone, type IfDueResult } from './daily.js';
import { sendPendingDeliveries } from './pending-sends.js';
import type { JobRunner } from './runner.js';
import { closeAbandonedRuns } from './abandoned-runs.js';
import { describeError } from '../lib/errors.js';

export interface TickResult {
  /** `busy`: another job runs in this process; `stopped`: the scheduler is shutting down. */
  daily: { date: string; catchup: boolean; result: IfDueResult } | 'not-due' | 'busy' | 'stopped' | 'failed';
  sent: number;
  /** Set when the tick failed (the job failure is recorded in job_runs and logged). */
  error?: string;
}

export interface Scheduler {
  readonly schedule: DailySchedule;
  /** Starts node-cron, the periodic tick and a first tick at once (the catch-up). */
  start(): void;
  /** One decision: run the daily job if due, then send what became due. Resolves when that work is done; never rejects. */
  tick(source?: 'cron' | 'interval' | 'startup' | 'test'): Promise<TickResult>;
  nextRun(): Date | null;
  /** Stops triggering; a running job is aborted by the runner's stop, not here. */
  stop(): void;
}

export interface SchedulerOptions {
  /** How often the periodic tick checks (default one minute). */
  tickMs?: number;
}

export function createScheduler(app: AppDeps, runner: JobRunner, options: SchedulerOptions = {}): Scheduler {
  const { config, logger, clock } = app;
  const schedule = parseDailySchedule(config.digest.cron, config.digest.timezone);
  let task: ScheduledTask | undefined;
  let interval: NodeJS.Timeout | undefined;
  let stopped = false;

  const work = async (signal: AbortSignal): Promise<TickResult> => {
    // A run that died (or could not record its end) is closed before deciding what is due.
    await closeAbandonedRuns(app);
    // dueRun asks whether one date (the latest whose run time has passed) is done: found first, then read.
    const candidate = dueRun(clock.now(), schedule, config.digest.catchupDays, () => false);
    const due = candidate && !isDailyRunSettled(await app.store.jobRun(DAILY_JOB, candidate.date)) ? candidate : null;
    let daily: TickResult['daily'] = 'not-due';
    if (due) {
      if (due.catchup) logger.info({ event: 'scheduler.catchup', date: due.date, scheduledAt: due.scheduledAt.toISO() }, 'catching up a missed run');
      const result = await runDailyJobIfNotDone(app, due.date, { trigger: due.catchup ? 'catchup' : 'schedule', signal });
      if (!result.ran) logger.debug({ event: 'scheduler.not_run', date: due.date, reason: result.reason }, 'daily run not started');
      daily = { date: due.date, catchup: due.catchup, result };
    }
    let sent = 0;
    if (!signal.aborted) {
      const pending = await sendPendingDeliveries(app, { signal });
      if (pending.ran) sent = pending.outcome.sent;
    }
    return { daily, sent };
  };

  const scheduler: Scheduler = {
    schedule,
    start() {
      task = nodeCron.schedule(config.digest.cron, () => void scheduler.tick('cron'), {
        timezone: config.digest.timezone,
        name: 'daily-digest',
        noOverlap: true,
        suppressMissedWarning: true,
      });
      interval = setInterval(() => void scheduler.tick('interval'), options.tickMs ?? 60_000);
      interval.unref();
      logger.info(
        { event: 'scheduler.started', cron: config.digest.cron, timezone: config.digest.timezone, nextRun: scheduler.nextRun()?.toISOString() ?? null },
        'scheduler started',
      );
      void scheduler.tick('startup');
    },
    async tick(source = 'test') {
      if (stopped) return { daily: 'stopped', sent: 0 };
      const job = runner.run(`tick:${source}`, work);
      if (!job) return { daily: runner.stopping ? 'stopped' : 'busy', sent: 0 };
      try {
        return await job;
      } catch (err) {
        // Logged by the job itself; a failed run is retried by a later tick (runVerdict), never thrown at a timer.
        return { daily: 'failed', sent: 0, error: describeError(err) };
      }
    },
    nextRun() {
      return nextRunAfter(clock.now(), schedule)?.toJSDate() ?? null;
    },
    stop() {
      stopped = true;
      if (interval) clearInterval(interval);
      void task?.destroy();
      schedule.dispose();
    },
  };
  return scheduler;
}
