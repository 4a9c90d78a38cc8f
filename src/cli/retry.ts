// CLI subcommand `retry --date D`: puts an edition's failed deliveries back to pending with a fresh attempt
// budget, makes those waiting for a retry time due now and lifts a pause of sending, for the next `send`.
// Bounced deliveries stay bounced (their subscribers need a reset first).
import type { Command } from 'commander';
import { withApp, parseDate } from './shared.js';
import { retryDeliveries, type RetryResult } from '../mail/send-edition.js';
import type { CliIo } from './io.js';

export function registerRetryCommand(program: Command, io: CliIo): void {
  program
    .command('retry')
    .description("put an edition's failed and waiting deliveries back in the queue and lift a pause (then run `send`)")
    .requiredOption('--date <date>', 'edition date', parseDate)
    .action(async (o: { date: string }) => {
      await withApp(io, async (app) => {
        const edition = await app.store.editionOverview(o.date);
        if (!edition) {
          io.err(`no edition for ${o.date}`);
          io.exitCode = 1;
          return;
        }
        for (const line of retrySummary(o.date, await retryDeliveries(app.store, edition.id, app.clock.now()))) io.out(line);
      });
    });
}

export function retrySummary(date: string, r: RetryResult): string[] {
  const lines: string[] = [];
  if (r.pause) lines.push(`sending was paused since ${r.pause.since} (${r.pause.reason}): lifted; ${r.held} pending deliveries of ${date} were held by it`);
  if (r.failed) lines.push(`${r.failed} failed deliveries of ${date} are pending again`);
  if (r.waiting) lines.push(`${r.waiting} deliveries of ${date} waiting to retry are due now`);
  if (!lines.length) return [`nothing to retry in ${date}: no failed, waiting or paused deliveries`];
  lines.push('run `send` to send them');
  return lines;
}
