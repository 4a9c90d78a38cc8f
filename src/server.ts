// Entry (`npm start`): the HTTP server and the daily scheduler in one process. On SIGTERM/SIGINT it stops
// cleanly within SHUTDOWN_TIMEOUT_SECONDS: /readyz fails at once, the scheduler stops triggering, the server
// stops taking requests, a running job stops claiming deliveries and its in-flight sends finish (or, at the
// deadline, their claims are released back to `pending`), then the database closes.
// Invariant: exit code 0 leaves no delivery in `sending`. A start-up failure (the database cannot be opened or
// migrated, the port is taken) is one line on stderr naming the cause, and exit 1 — never a stack trace.
import { openApp, type AppDeps } from './app.js';
import { buildHttpApp } from './http/build-app.js';
import { loadConfigOrExit } from './entry.js';
import { createMetrics } from './http/routes/metrics.js';
import { createJobRunner } from './jobs/runner.js';
import { createScheduler } from './jobs/scheduler.js';
import { abandonOwnWork } from './jobs/shutdown.js';
import { describeError } from './lib/errors.js';
import { closeAbandonedRuns } from './jobs/abandoned-runs.js';
import { disablePretenuring, heapGrowthDuringJobs } from './lib/heap-growth.js';

// Request garbage stays in the young generation (see disablePretenuring: bench:http's subscribe p99).
disablePretenuring();

const config = loadConfigOrExit();

/** Start-up failed: one line for the operator (the logger may not exist yet), then exit 1. */
async function startupFailed(err: unknown, app?: AppDeps): Promise<never> {
  process.stderr.write(`error: ${describeError(err).split('\n')[0]}\n`);
  await app?.store.close().catch(() => undefined);
  process.exit(1);
}

// The configured engine: the SQLite file, or PostgreSQL when DATABASE_URL is set (several web processes may share it).
const app: AppDeps = await openApp(config).catch((err: unknown) => startupFailed(err));
// Daily-run records left `running` by a process that died are closed now, scheduler or not.
await closeAbandonedRuns(app);
// Subscribe requests a stopped process kept in the spool (a burst of sign-ups) are applied and confirmed now.
app.subscriptions.resumeIntake();
const metrics = createMetrics(app);
app.mailer = metrics.instrumentMailer(app.mailer);
// The heap's growth is held to 1.5× while a job prepares or sends (peak RSS), and left to V8 between jobs (latency).
const runner = createJobRunner(app.logger, { duringJobs: heapGrowthDuringJobs() });
let stopping = false;
const http = await buildHttpApp(app, { runner, metrics, lifecycle: { stopping: () => stopping } });
try {
  await http.listen({ host: config.host, port: config.port });
} catch (err) {
  await startupFailed(err, app);
}
const address = http.server.address();
app.logger.info(
  { event: 'server.started', url: config.publicBaseUrl, port: typeof address === 'object' && address ? address.port : config.port, pid: process.pid },
  'server started',
);
const scheduler = config.digest.schedulerEnabled ? createScheduler(app, runner) : undefined;
scheduler?.start();

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  const budgetMs = config.shutdownTimeoutSeconds * 1000;
  app.logger.info({ event: 'server.stopping', signal, budgetMs }, 'shutting down');
  // Last resort: whatever hangs, the process is gone shortly after its budget.
  setTimeout(() => {
    app.logger.error({ event: 'server.shutdown_forced' }, 'shutdown took too long; exiting');
    process.exit(1);
  }, budgetMs + 2000).unref();

  scheduler?.stop();
  const httpClosed = http.close();
  // Most of the budget goes to in-flight sends; what is left to closing the server and the database.
  const finished = await runner.stop(Math.max(budgetMs - 1000, 500));
  if (!finished) {
    try {
      const released = await abandonOwnWork(app);
      app.logger.warn({ event: 'server.claims_released', ...released }, 'in-flight sends did not finish in time; their deliveries are pending again');
    } catch (err) {
      // The next start applies the crash rule and closes the run instead.
      app.logger.error({ event: 'server.claims_release_failed', err }, 'could not release the claims of sends that did not finish');
    }
  }
  let exitCode = 0;
  try {
    await Promise.race([httpClosed, new Promise((r) => setTimeout(r, 500).unref())]);
    await app.close();
  } catch (err) {
    exitCode = 1;
    app.logger.error({ event: 'server.close_failed', err }, 'closing failed');
  }
  app.logger.info({ event: 'server.stopped', finished, ms: Date.now() - started }, 'stopped');
  process.exit(exitCode);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
