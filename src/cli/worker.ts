// CLI subcommand `worker [--once] [--date D]`: a sender without the web app. It opens the configured database
// (DATABASE_URL: PostgreSQL, where several workers on several machines share the queue; else the SQLite file) and
// sends what is due, again every WORKER_POLL_SECONDS, until SIGTERM/SIGINT (in-flight messages finish and are
// recorded; what was only claimed goes back). Claims are row-locked, so any number of workers split the queue; a
// worker that dies has its claims requeued by the crash rule (same Message-ID). --once sends what is due now and
// exits with a one-line summary (exit 1 when sending is paused).
import type { Command } from 'commander';
import { openStore } from '../db/store.js';
import { sendDue, type SendOutcome } from '../mail/send-edition.js';
import { createMailerFromConfig } from '../mail/mailer-from-config.js';
import { createLogger } from '../lib/logger.js';
import { systemClock } from '../lib/clock.js';
import { sendSettingsOf } from '../app.js';
import { loadCliConfig, parseDate, CliError, EXIT } from './shared.js';
import { formatSendSummary } from './send.js';
import type { CliIo } from './io.js';

const POLL_MS = 5_000;

export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run a sender without the web app: send what is due, then keep polling (PostgreSQL: any number of workers)')
    .option('--once', 'send what is due now, print a summary and exit')
    .option('--date <date>', 'only this edition', parseDate)
    .action(async (o: { once?: boolean; date?: string }) => {
      const config = loadCliConfig(io);
      const logger = createLogger({ level: config.logLevel });
      const { store } = await openStore(config.database, { pool: { applicationName: 'papers-worker', max: 4 } });
      const mailer = createMailerFromConfig(config, { clock: systemClock });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const editionId = o.date ? await editionIdOf(store, o.date) : undefined;
        const send = (probeNow: boolean): Promise<SendOutcome> =>
          sendDue({ store, mailer, clock: systemClock, logger }, sendSettingsOf(config), { editionId, signal: stop.signal, waitForRetries: false, probeNow });
        if (o.once) {
          const started = Date.now();
          const r = await send(true);
          io.out(formatSendSummary(r, Date.now() - started));
          if (r.paused) io.exitCode = EXIT.FAILED;
          return;
        }
        logger.info({ event: 'worker.started', engine: store.engine, pid: process.pid }, 'sender worker started');
        while (!stop.signal.aborted) {
          const r = await send(false);
          if (r.sent + r.failed + r.bounced + r.retried > 0) logger.info({ event: 'worker.sent', ...r }, 'sent what was due');
          await new Promise<void>((resolve) => {
            // A signal that came during the send has already fired: its listener, added now, never would.
            if (stop.signal.aborted) return resolve();
            const t = setTimeout(resolve, POLL_MS);
            stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
        }
        logger.info({ event: 'worker.stopped' }, 'sender worker stopped');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await mailer.close();
        await store.close();
      }
    });
}

async function editionIdOf(store: { readyEdition(date: string): Promise<{ id: number } | undefined> }, date: string): Promise<number> {
  const e = await store.readyEdition(date);
  if (!e) throw new CliError(`no ready edition for ${date}`, EXIT.FAILED);
  return e.id;
}
