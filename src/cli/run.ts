// CLI subcommand `run`.
import type { Command } from 'commander';
import { withApp, parseDate, printDaily } from './shared.js';
import { runDailyJob } from '../jobs/daily.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the whole daily job now: ingest, prepare the edition, send')
    .option('--date <date>', 'edition date (default: today in DIGEST_TZ)', parseDate)
    .action(async (o: { date?: string }) => {
      await withApp(async (app) => {
        const r = await runDailyJob(app, { date: o.date });
        printDaily(r);
      });
    });
}
