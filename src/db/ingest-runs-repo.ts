// The ingest-run record per source: start, end, counts, skip reasons, the parts (days, categories, files) that
// failed and why, and the error.
import type { Db } from './open.js';
import type { SkippedEntry, SourceFailure, SourceName } from '../ingest/types.js';

export interface IngestRunRow {
  id: number;
  source: string;
  started_at: string;
  finished_at: string | null;
  status: 'running' | 'ok' | 'failed';
  fetched: number;
  inserted: number;
  updated: number;
  skipped: number;
  /** Parts that failed (a failed source as a whole counts one). */
  failures: number;
  failures_json: string;
  error: string | null;
}

export function createIngestRunsRepo(db: Db) {
  const start = db.prepare('INSERT INTO ingest_runs (source, started_at) VALUES (?, ?)');
  const finish = db.prepare(`UPDATE ingest_runs SET finished_at = @finishedAt, status = @status, fetched = @fetched,
    inserted = @inserted, updated = @updated, skipped = @skipped, skip_reasons_json = @skipReasons, error = @error,
    failures = @failures, failures_json = @failuresJson
    WHERE id = @id`);
  const failedParts = db.prepare<[], { source: string; n: number }>('SELECT source, coalesce(sum(failures), 0) AS n FROM ingest_runs GROUP BY source');
  return {
    start(source: SourceName, at: string): number {
      return Number(start.run(source, at).lastInsertRowid);
    },
    finish(
      id: number,
      r: {
        finishedAt: string;
        status: 'ok' | 'failed';
        fetched: number;
        inserted: number;
        updated: number;
        skipped: SkippedEntry[];
        /** Parts that failed; a source that failed as a whole passes its one error here too. */
        failures: SourceFailure[];
        error: string | null;
      },
    ): void {
      finish.run({
        id,
        finishedAt: r.finishedAt,
        status: r.status,
        fetched: r.fetched,
        inserted: r.inserted,
        updated: r.updated,
        skipped: r.skipped.length,
        // Keep the first reasons only: a feed with 10,000 bad items must not bloat the row.
        skipReasons: JSON.stringify(r.skipped.slice(0, 50)),
        error: r.error,
        failures: r.failures.length,
        failuresJson: JSON.stringify(r.failures.slice(0, 100)),
      });
    },
    /** Failed parts (days, categories, files) over all runs, by source: a counter for monitoring. */
    failedPartsBySource(): { source: string; n: number }[] {
      return failedParts.all();
    },
    recent(limit = 20): IngestRunRow[] {
      return db.prepare('SELECT * FROM ingest_runs ORDER BY id DESC LIMIT ?').all(limit) as IngestRunRow[];
    },
  };
}

export type IngestRunsRepo = ReturnType<typeof createIngestRunsRepo>;
