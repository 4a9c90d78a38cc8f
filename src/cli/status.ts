// CLI subcommand `status`.
import type { Command } from 'commander';
import { withApp, parseDate } from './shared.js';
import { createEditionsRepo } from '../db/editions-repo.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("print an edition's delivery ledger")
    .option('--date <date>', 'edition date (default: the latest)', parseDate)
    .action(async (o: { date?: string }) => {
      await withApp(async (app) => {
        const editions = createEditionsRepo(app.db);
        const e = o.date ? editions.getByDate(o.date) : (app.db.prepare('SELECT * FROM editions ORDER BY date DESC LIMIT 1').get() as ReturnType<typeof editions.get>);
        if (!e) {
          console.error(o.date ? `no edition for ${o.date}` : 'no edition yet');
          process.exitCode = 1;
          return;
        }
        console.log(`edition ${e.date}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`);
        for (const [k, v] of Object.entries(editions.deliveryCounts(e.id))) console.log(`  ${k.padEnd(8)} ${v}`);
      });
    });
}
