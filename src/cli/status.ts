// CLI subcommand `status [--date D]`: prints an edition's delivery ledger (counts by status, what is pending
// and why, the next time something comes due). Read-only.
import type { Command } from 'commander';
import { withApp, parseDate } from './shared.js';
import { createEditionsRepo, type EditionRow } from '../db/editions-repo.js';
import { nextDueAt } from '../mail/send-edition.js';
import type { CliIo } from './io.js';

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("print an edition's delivery ledger")
    .option('--date <date>', 'edition date (default: the latest)', parseDate)
    .action(async (o: { date?: string }) => {
      await withApp(io, async (app) => {
        const editions = createEditionsRepo(app.db);
        const e = o.date ? editions.getByDate(o.date) : app.db.prepare<[], EditionRow>('SELECT * FROM editions ORDER BY date DESC LIMIT 1').get();
        if (!e) {
          io.err(o.date ? `no edition for ${o.date}` : 'no edition yet');
          io.exitCode = 1;
          return;
        }
        io.out(`edition ${e.date}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`);
        const now = app.clock.now().toISOString();
        const counts = editions.deliveryCounts(e.id);
        const pending = app.db
          .prepare<{ id: number; now: string }, { due: number; later: number; retry: number }>(
            `SELECT count(*) FILTER (WHERE due_at <= @now AND (next_attempt_at IS NULL OR next_attempt_at <= @now)) AS due,
                    count(*) FILTER (WHERE due_at > @now) AS later,
                    count(*) FILTER (WHERE due_at <= @now AND next_attempt_at > @now) AS retry
             FROM deliveries WHERE edition_id = @id AND status = 'pending'`,
          )
          .get({ id: e.id, now })!;
        const width = String(Math.max(...Object.values(counts))).length;
        for (const [k, v] of Object.entries(counts)) {
          const detail = k === 'pending' && v ? `  (${pending.due} due now, ${pending.later} at a later local hour, ${pending.retry} waiting to retry)` : '';
          io.out(`  ${k.padEnd(8)} ${String(v).padStart(width)}${detail}`);
        }
        const next = nextDueAt(app.db, app.clock.now());
        if (next) io.out(`next due: ${next}`);
      });
    });
}
