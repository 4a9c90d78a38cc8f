// CLI subcommand `ingest [--source S] [--days N | --date D]`: progress bars on a terminal (stderr), plain lines
// otherwise, a summary on stdout, exit code 1 when any source failed, or any part of one (an HF day, an arXiv
// category, a feed file: a bad payload, an HTTP error, or every item rejected), or there was nothing to read.
import { Option, type Command } from 'commander';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { EXIT, withApp, parseDate, parsePositive } from './shared.js';
import { ingestFailed, runIngest, type SourceOutcome } from '../ingest/run-ingest.js';
import type { SourceName } from '../ingest/types.js';
import type { CliIo } from './io.js';

export function registerIngestCommand(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('fetch papers from the configured sources')
    .addOption(new Option('--source <name>', 'only this source').choices(['hf', 'arxiv', 'file']))
    .addOption(new Option('--days <n>', 'fetch the last N days').argParser(parsePositive).conflicts('date'))
    .addOption(new Option('--date <date>', 'fetch one date (YYYY-MM-DD)').argParser(parseDate))
    .action(async (o: { source?: string; days?: number; date?: string }) => {
      await withApp(io, async (app) => {
        const progress = io.stderr.isTTY ? createProgress() : undefined;
        let outcomes: SourceOutcome[];
        try {
          outcomes = await runIngest(
            { ...app, sources: app.sources(o.source) },
            {
              days: o.days,
              date: o.date,
              onSourceStart: progress?.start,
              onProgress: progress?.update,
              // Without a terminal, each source reports as it finishes, so logs and CI show where it got to.
              onSource: progress ? undefined : (r) => io.out(formatOutcome(r)),
            },
          );
        } finally {
          progress?.stop();
        }
        if (progress) for (const r of outcomes) io.out(formatOutcome(r));
        io.out(formatTotals(outcomes));
        if (ingestFailed(outcomes)) io.exitCode = EXIT.FAILED;
      });
    });
}

function createProgress() {
  const bars = new MultiBar(
    { format: '{source} [{bar}] {value}/{total} {label}', hideCursor: true, clearOnComplete: true, stopOnComplete: false },
    Presets.shades_classic,
  );
  const bySource = new Map<SourceName, SingleBar>();
  return {
    start: (source: SourceName) => void bySource.set(source, bars.create(1, 0, { source: source.padEnd(5), label: 'starting' })),
    update: (source: SourceName, p: { done: number; total: number; label: string }) => {
      const bar = bySource.get(source);
      bar?.setTotal(Math.max(1, p.total));
      bar?.update(p.done, { label: p.label });
    },
    stop: () => bars.stop(),
  };
}

export function formatOutcome(r: SourceOutcome): string {
  const secs = `${(r.durationMs / 1000).toFixed(1)} s`;
  if (!r.ok) return `${r.source}: FAILED after ${secs} — ${r.error}`;
  const parts = [`fetched ${r.fetched}`, `new ${r.inserted}`, `updated ${r.updated}`, `unchanged ${r.unchanged}`];
  if (r.ignored) parts.push(`ignored ${r.ignored} (revisions of papers we do not have)`);
  parts.push(`skipped ${r.skipped}`);
  const lines = [`${r.source}: ok — ${parts.join(', ')} (${secs})`];
  // The parts that failed while the others landed: by date (HF), category (arXiv) or file.
  for (const f of r.failures) lines.push(`  FAILED ${f.part}: ${f.error}`);
  for (const s of r.skippedExamples.slice(0, 3)) lines.push(`  skipped ${s.where}: ${s.reason}`);
  if (r.skipped > 3) lines.push(`  … ${r.skipped - 3} more skipped (the first 50 reasons are kept in the ingest_runs table)`);
  return lines.join('\n');
}

export function formatTotals(outcomes: SourceOutcome[]): string {
  const sum = (k: 'fetched' | 'inserted' | 'updated' | 'skipped') => outcomes.reduce((n, r) => n + r[k], 0);
  const failed = outcomes.filter((r) => !r.ok).length;
  const parts = outcomes.filter((r) => r.ok).flatMap((r) => r.failures.map((f) => `${r.source} ${f.part}`));
  return `total: fetched ${sum('fetched')}, new ${sum('inserted')}, updated ${sum('updated')}, skipped ${sum('skipped')}; ${
    failed ? `${failed} of ${outcomes.length} source${outcomes.length > 1 ? 's' : ''} FAILED` : `${outcomes.length} source${outcomes.length > 1 ? 's' : ''} ok`
  }${parts.length ? `; ${parts.length} part${parts.length > 1 ? 's' : ''} FAILED: ${parts.join(', ')}` : ''}`;
}
