// Runs every configured source: fetch → validate/normalize (in the source) → one transaction per batch.
// A failing source is recorded and reported; the other sources carry on.
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { PapersRepo } from '../db/papers-repo.js';
import type { IngestRunsRepo } from '../db/ingest-runs-repo.js';
import type { FetchOptions, Source, SourceName } from './types.js';

export interface SourceOutcome {
  source: SourceName;
  ok: boolean;
  fetched: number;
  inserted: number;
  updated: number;
  skipped: number;
  error?: string;
}

export interface IngestDeps {
  sources: Source[];
  papers: PapersRepo;
  ingestRuns: IngestRunsRepo;
  clock: Clock;
  logger: Logger;
}

export async function runIngest(
  deps: IngestDeps,
  options: Omit<FetchOptions, 'now'> & { onSource?: (o: SourceOutcome) => void } = {},
): Promise<SourceOutcome[]> {
  const outcomes: SourceOutcome[] = [];
  for (const source of deps.sources) {
    const startedAt = deps.clock.now();
    const runId = deps.ingestRuns.start(source.name, startedAt.toISOString());
    let outcome: SourceOutcome;
    try {
      const batch = await source.fetch({ now: startedAt, days: options.days, date: options.date, signal: options.signal });
      const counts = deps.papers.upsertBatch(source.name, batch.entries, deps.clock.now().toISOString());
      outcome = { source: source.name, ok: true, fetched: batch.fetched, ...counts, skipped: batch.skipped.length };
      deps.ingestRuns.finish(runId, {
        finishedAt: deps.clock.now().toISOString(),
        status: 'ok',
        fetched: batch.fetched,
        ...counts,
        skipped: batch.skipped,
        error: null,
      });
      for (const s of batch.skipped.slice(0, 10))
        deps.logger.warn({ event: 'ingest.item_skipped', source: source.name, where: s.where, reason: s.reason }, 'skipped a bad item');
    } catch (err) {
      const error = describeError(err);
      outcome = { source: source.name, ok: false, fetched: 0, inserted: 0, updated: 0, skipped: 0, error };
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
    deps.logger.info({ event: 'ingest.source_done', ...outcome }, 'ingest source finished');
    outcomes.push(outcome);
    options.onSource?.(outcome);
  }
  return outcomes;
}
