// CLI subcommand `ingest`.
import type { Command } from 'commander';
import { withApp, parseDate, parsePositive } from './shared.js';
import { runIngest } from '../ingest/run-ingest.js';

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('fetch papers from the configured sources')
    .option('--source <name>', 'only this source (hf, arxiv, file)')
    .option('--days <n>', 'fetch the last N days', parsePositive)
    .option('--date <date>', 'fetch one date (YYYY-MM-DD)', parseDate)
    .action(async (o: { source?: string; days?: number; date?: string }) => {
      await withApp(async (app) => {
        const outcomes = await runIngest({ ...app, sources: app.sources(o.source) }, { days: o.days, date: o.date });
        for (const r of outcomes)
          console.log(
            r.ok
              ? `${r.source}: ok — fetched ${r.fetched}, inserted ${r.inserted}, updated ${r.updated}, skipped ${r.skipped}`
              : `${r.source}: FAILED — ${r.error}`,
          );
        if (outcomes.some((r) => !r.ok)) process.exitCode = 1;
      });
    });
}
