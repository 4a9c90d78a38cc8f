// CLI subcommand `run`: the whole daily job now (ingest → prepare → send), whether or not it ran today. Exit 3
// when another process holds the daily-job lock; 1 when the job failed, the send paused, or any source (or a
// day or category of one) failed to ingest — the edition may still have gone out, but cron and monitoring see it.
import type { Command } from 'commander';
import { EXIT, withApp, parseDate, printDaily, progress } from './shared.js';
import { ingestFailed } from '../ingest/run-ingest.js';
import { runDailyJob } from '../jobs/daily.js';
import type { CliIo } from './io.js';

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run the whole daily job now: ingest, prepare the edition, send')
    .option('--date <date>', 'edition date (default: today in DIGEST_TZ)', parseDate)
    .option('--skip-ingest', 'use the papers already stored')
    .action(async (o: { date?: string; skipIngest?: boolean }) => {
      await withApp(io, async (app) => {
        const bar = progress('send', io.stderr);
        // Ctrl-C stops claiming new deliveries; those in flight finish and are recorded.
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const r = await runDailyJob(app, {
            date: o.date,
            skipIngest: o.skipIngest,
            trigger: 'manual',
            signal: stop.signal,
            onStage: (stage, info) => {
              if (stage === 'send') bar.update(0, info.total ?? 0);
              else io.stderr.write(`${stage}…\n`);
            },
            onSendProgress: (p) => bar.update(p.sent + p.failed + p.bounced, p.total),
          });
          bar.stop();
          printDaily(r, io);
          if (r.send?.paused || ingestFailed(r.ingest)) io.exitCode = EXIT.FAILED;
        } finally {
          bar.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}
