// CLI subcommand `send`.
import type { Command } from 'commander';
import { withApp, parseDate } from './shared.js';
import { sendDue } from '../mail/send-edition.js';
import { createEditionsRepo } from '../db/editions-repo.js';

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('send the deliveries that are due')
    .option('--date <date>', 'only this edition', parseDate)
    .action(async (o: { date?: string }) => {
      await withApp(async (app) => {
        const edition = o.date ? createEditionsRepo(app.db).getByDate(o.date) : undefined;
        if (o.date && !edition) {
          console.error(`no edition for ${o.date}`);
          process.exitCode = 1;
          return;
        }
        const r = await sendDue(app, app.sendSettings, { editionId: edition?.id });
        console.log(`sent ${r.sent}, retrying ${r.retried}, failed ${r.failed}, bounced ${r.bounced}, skipped ${r.skipped}${r.paused ? ` — PAUSED: ${r.pauseReason}` : ''}`);
        if (r.paused) process.exitCode = 1;
      });
    });
}
