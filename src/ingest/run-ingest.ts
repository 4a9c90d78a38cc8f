// Runs every configured source: fetch → validate/normalize (in the source) → one transaction per batch.
// A failing source is recorded and reported; the other sources carry on; a failed source writes no papers.
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { PapersRepo } from '../db/papers-repo.js';
import type { IngestRunsRepo } from '../db/ingest-runs-repo.js';
import type { FetchOptions, SkippedEntry, Source, SourceName, SourceProgress } from './types.js';

export interface SourceOutcome {
  source: SourceName;
  ok: boolean;
  fetched: number;
  inserted: number;
  updated: number;
  /** Papers seen again with nothing new to say (they still get an observation). */
  unchanged: number;
  /** Update-only entries (arXiv replacements) for papers we never stored. */
  ignored: number;
  skipped: number;
  /** The first few skipped items with their reasons (all of them up to 50 are in the ingest-run record). */
  skippedExamples: SkippedEntry[];
  durationMs: number;
  error?: string;
}

export interface IngestDeps {
  sources: Source[];
  papers: PapersRepo;
  ingestRuns: IngestRunsRepo;
  clock: Clock;
  logger: Logger;
}

export interface IngestOptions extends Omit<FetchOptions, 'now' | 'onProgress'> {
  onSourceStart?: (source: SourceName) => void;
  onProgress?: (source: SourceName, p: SourceProgress) => void;
  onSource?: (o: SourceOutcome) => void;
}

export async function runIngest(deps: IngestDeps, options: IngestOptions = {}): Promise<SourceOutcome[]> {
  const outcomes: SourceOutcome[] = [];
  for (const source of deps.sources) {
    const startedAt = deps.clock.now();
    const t0 = performance.now();
    const runId = deps.ingestRuns.start(source.name, startedAt.toISOString());
    options.onSourceStart?.(source.name);
    let outcome: SourceOutcome;
    try {
      const batch = await source.fetch({
        now: startedAt,
        days: options.days,
        date: options.date,
        signal: options.signal,
        onProgress: options.onProgress && ((p) => options.onProgress!(source.name, p)),
      });
      const counts = deps.papers.upsertBatch(source.name, batch.entries, deps.clock.now().toISOString());
      outcome = {
        source: source.name,
        ok: true,
        fetched: batch.fetched,
        ...counts,
        skipped: batch.skipped.length,
        skippedExamples: batch.skipped.slice(0, 5),
        durationMs: Math.round(performance.now() - t0),
      };
      deps.ingestRuns.finish(runId, {
        finishedAt: deps.clock.now().toISOString(),
        status: 'ok',
        fetched: batch.fetched,
        inserted: counts.inserted,
        updated: counts.updated,
        skipped: batch.skipped,
        error: null,
      });
      for (const s of batch.skipped.slice(0, 10))
        deps.logger.warn({ event: 'ingest.item_skipped', source: source.name, where: s.where, reason: s.reason }, 'skipped a bad item');
    } catch (err) {
      const error = describeError(err);
      outcome = {
        source: source.name,
        ok: false,
        fetched: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        ignored: 0,
        skipped: 0,
        skippedExamples: [],
        durationMs: Math.round(performance.now() - t0),
        error,
      };
      deps.ingestRuns.finish(runId, {
        finishedAt: deps.clock.now().toISOString(),
        status: 'failed',
        fetched: 0,
        inserted: 0,
        updated: 0,
        skipped: [],
        error,
      });
      deps.logger.error({ event: 'ingest.source_failed', source: source.name, err }, 'source failed');
    }
    const { skippedExamples: _examples, ...summary } = outcome;
    deps.logger.info({ event: 'ingest.source_done', ...summary }, 'ingest source finished');
    outcomes.push(outcome);
    options.onSource?.(outcome);
  }
  return outcomes;
}
