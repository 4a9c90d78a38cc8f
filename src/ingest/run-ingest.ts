// Runs every configured source: fetch → validate/normalize (in the source) → one transaction per batch.
// A failing part (an HF day, an arXiv category, a feed file) is recorded with its cause while the source's other
// parts land; a source fails when every part failed (or it could not run at all), and the other sources carry on.
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { FetchOptions, PaperEntry, SkippedEntry, Source, SourceFailure, SourceName, SourceProgress } from './types.js';
import type { IngestRunEnd, UpsertResult } from '../db/stores/ingest.js';
import { describeFailures } from './parts.js';

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
  /** Parts (days, categories, files) that failed, with why; with ok=true the other parts landed. */
  failures: SourceFailure[];
  /** Why the source failed, or (ok=true) which parts failed. */
  error?: string;
}

/** Whether an ingest went wholly right: no source failed and no part of one (a day, a category) did. */
export function ingestFailed(outcomes: readonly SourceOutcome[]): boolean {
  return outcomes.some((o) => !o.ok || o.failures.length > 0);
}

/**
 * What an ingest writes: its source's papers (one transaction per batch) and a run record per source. The Store
 * satisfies it (`app.store`, either engine); the ingest needs nothing else of it.
 */
export interface IngestWriter {
  upsertPapers(source: SourceName, entries: readonly PaperEntry[], now: string): Promise<UpsertResult>;
  startIngestRun(source: SourceName, at: string): Promise<number>;
  finishIngestRun(id: number, end: IngestRunEnd): Promise<void>;
}

export interface IngestDeps {
  sources: Source[];
  store: IngestWriter;
  clock: Clock;
  logger: Logger;
}

export interface IngestOptions extends Omit<FetchOptions, 'now' | 'onProgress'> {
  /**
   * Sources with dated feeds fetch their range ending on this instant's date instead of today's (a run for a
   * past edition date: a catch-up or a backfill reads the days around that date). Observations are still
   * stamped with the time they were made.
   */
  until?: Date | undefined;
  onSourceStart?: (source: SourceName) => void;
  onProgress?: (source: SourceName, p: SourceProgress) => void;
  onSource?: (o: SourceOutcome) => void;
}

export async function runIngest(deps: IngestDeps, options: IngestOptions = {}): Promise<SourceOutcome[]> {
  const outcomes: SourceOutcome[] = [];
  for (const source of deps.sources) {
    const startedAt = deps.clock.now();
    const t0 = performance.now();
    const runId = await deps.store.startIngestRun(source.name, startedAt.toISOString());
    options.onSourceStart?.(source.name);
    let outcome: SourceOutcome;
    try {
      const batch = await source.fetch({
        now: options.until && options.until < startedAt ? options.until : startedAt,
        days: options.days,
        date: options.date,
        signal: options.signal,
        onProgress: options.onProgress && ((p) => options.onProgress!(source.name, p)),
      });
      // What the good parts brought lands even when other parts failed.
      const { refused, ...counts } = await deps.store.upsertPapers(source.name, batch.entries, deps.clock.now().toISOString());
      // An entry the database refused is a skipped item with its reason, like one the source rejected.
      const skipped = refused.length ? [...batch.skipped, ...refused.map((r) => ({ where: `paper ${r.id}`, reason: `not stored: ${r.error}` }))] : batch.skipped;
      const failed = batch.parts > 0 && batch.failures.length >= batch.parts;
      const error = batch.failures.length ? describeFailures(batch.failures) : undefined;
      outcome = {
        source: source.name,
        ok: !failed,
        fetched: batch.fetched,
        ...counts,
        skipped: skipped.length,
        skippedExamples: skipped.slice(0, 5),
        durationMs: Math.round(performance.now() - t0),
        failures: batch.failures,
        ...(error ? { error } : {}),
      };
      await deps.store.finishIngestRun(runId, {
        finishedAt: deps.clock.now().toISOString(),
        status: failed ? 'failed' : 'ok',
        fetched: batch.fetched,
        inserted: counts.inserted,
        updated: counts.updated,
        skipped,
        failures: batch.failures,
        error: error ?? null,
      });
      for (const s of skipped.slice(0, 10))
        deps.logger.warn({ event: 'ingest.item_skipped', source: source.name, where: s.where, reason: s.reason }, 'skipped a bad item');
      for (const f of batch.failures)
        deps.logger.error({ event: 'ingest.part_failed', source: source.name, part: f.part, code: f.code, error: f.error }, 'a part of the source failed');
    } catch (err) {
      const error = describeError(err);
      const failure: SourceFailure = { part: source.name, code: (err as { code?: string })?.code ?? 'SOURCE_FAILED', error };
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
        failures: [failure],
        error,
      };
      await deps.store.finishIngestRun(runId, {
        finishedAt: deps.clock.now().toISOString(),
        status: 'failed',
        fetched: 0,
        inserted: 0,
        updated: 0,
        skipped: [],
        failures: [failure],
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
