// CLI subcommand `retry --date D`: puts an edition's failed deliveries back to pending with a fresh attempt
// budget, for the next `send`. Bounced deliveries stay bounced (their subscribers need a reset first).
import type { Command } from 'commander';
import { withApp, parseDate } from './shared.js';
import { createEditionsRepo } from '../db/editions-repo.js';
import { retryFailed } from '../mail/send-edition.js';
import type { CliIo } from './io.js';

export function registerRetryCommand(program: Command, io: CliIo): void {
  program
    .command('retry')
    .description("put an edition's failed deliveries back in the queue (then run `send`)")
    .requiredOption('--date <date>', 'edition date', parseDate)
    .action(async (o: { date: string }) => {
      await withApp(io, async (app) => {
        const edition = createEditionsRepo(app.db).getByDate(o.date);
        if (!edition) {
          io.err(`no edition for ${o.date}`);
          io.exitCode = 1;
          return;
        }
        const n = retryFailed(app.db, edition.id, app.clock.now());
        io.out(n ? `${n} failed deliveries of ${o.date} are pending again; run \`send\` to send them` : `no failed deliveries in ${o.date}`);
      });
    });
}
