// Helpers shared by the CLI subcommands: argument parsers, building the app, exit codes, progress reporting and
// printing a daily outcome. Exit codes: 0 done, 1 failed (or nothing found; for `run` and `ingest` also: a
// source, a day or category of one, failed, or every item of a day was rejected), 2 bad usage or input, 3 busy
// (another process holds the daily-job lock).
import { InvalidArgumentError } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { openApp, type AppDeps, type AppOverrides } from '../app.js';
import { envWithDotEnv } from '../entry.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { AppError, describeError } from '../lib/errors.js';
import type { runDailyJob } from '../jobs/daily.js';
import { dateProblem } from '../lib/iso-date.js';
import type { CliIo, CliStream } from './io.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, BUSY: 3 } as const;

/** An error the CLI reports as `error: message` with its own exit code. */
export class CliError extends AppError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.FAILED, code = 'CLI_ERROR') {
    super(code, message);
    this.exitCode = exitCode;
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof AppError && err.code === 'JOB_LOCKED') return EXIT.BUSY;
  return EXIT.FAILED;
}

/** What the user reads for an error: a busy lock says what to do about it. */
export function cliMessage(err: unknown): string {
  if (err instanceof AppError && err.code === 'JOB_LOCKED') return 'another process is running the daily job; try again when it has finished';
  if (err instanceof CliError) return err.message;
  return describeError(err);
}

/** A --date option: the same rule and message as the HTTP routes (src/lib/iso-date.ts); commander exits 2. */
export const parseDate = (v: string) => {
  const problem = dateProblem(v, new Date());
  if (problem) throw new InvalidArgumentError(problem);
  return v;
};
export const parsePositive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
};

/**
 * The command's configuration: its environment plus the .env file (ENV_FILE), validated. A bad variable throws
 * ConfigError, which the entry prints whole with exit code 1. `defaults` apply where neither sets a variable.
 */
export function loadCliConfig(io: CliIo, defaults: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({ ...defaults, ...envWithDotEnv(io.env) });
}

export async function withApp<T>(io: CliIo, fn: (app: AppDeps) => Promise<T>, overrides: AppOverrides = {}): Promise<T> {
  const env = envWithDotEnv(io.env);
  const config = loadConfig(env);
  // Logs go to stderr so stdout carries only the command's own output.
  // On the configured engine: the SQLite file, or PostgreSQL when DATABASE_URL is set.
  const app = await openApp(config, { logger: createLogger({ level: env.LOG_LEVEL ?? 'warn', destination: io.stderr as never }), ...overrides });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/**
 * Progress for long work: a bar on stderr when it is a terminal; otherwise a plain line on stderr at each 10 %
 * step (logs and CI show where it got to without control characters), and always one at the end.
 */
export function progress(label: string, stream: CliStream): Progress {
  let total = 0;
  let last = 0;
  if (stream.isTTY) {
    let stopped = false;
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
    let started = false;
    return {
      update(done, t) {
        if (t !== undefined) total = t;
        if (!started) {
          if (stopped) return;
          bar.start(total, done);
          started = true;
        } else bar.setTotal(total);
        bar.update(done);
        last = done;
      },
      stop() {
        if (started) bar.stop();
        started = false;
        stopped = true;
      },
    };
  }
  let lastStep = -1;
  return {
    update(done, t) {
      if (t !== undefined) total = t;
      last = done;
      const step = total ? Math.floor((done / total) * 10) : 0;
      if (step > lastStep && step < 10) {
        lastStep = step;
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    stop() {
      if (lastStep >= 0 || last > 0) stream.write(`${label}: ${last}/${total} done\n`);
      lastStep = -1;
      last = 0;
    },
  };
}

export function printDaily(r: Awaited<ReturnType<typeof runDailyJob>>, io: CliIo) {
  for (const i of r.ingest) {
    io.out(i.ok ? `ingest ${i.source}: fetched ${i.fetched}, new ${i.inserted}, updated ${i.updated}, skipped ${i.skipped}` : `ingest ${i.source}: FAILED — ${i.error}`);
    // A part (an HF day, an arXiv category) that failed while the others landed, by date or category.
    if (i.ok) for (const f of i.failures) io.out(`ingest ${i.source} ${f.part}: FAILED — ${f.error}`);
  }
  io.out(
    `edition ${r.date}: ${r.edition.status}${r.edition.reason ? ` (${r.edition.reason})` : ''}${r.edition.created ? `, ${r.edition.deliveries} deliveries prepared` : ', already prepared'}`,
  );
  if (r.send) io.out(`send: ${r.send.sent} sent, ${r.send.retried} retrying, ${r.send.failed} failed, ${r.send.bounced} bounced${r.send.paused ? ` — PAUSED: ${r.send.pauseReason}` : ''}`);
}
