// The ingest-run record per source: start, end, counts, skip reasons and error.
import type { Db } from './open.js';
import type { SkippedEntry, SourceName } from '../ingest/types.js';

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
  error: string | null;
}

export function createIngestRunsRepo(db: Db) {
  const start = db.prepare('INSERT INTO ingest_runs (source, started_at) VALUES (?, ?)');
  const finish = db.prepare(`UPDATE ingest_runs SET finished_at = @finishedAt, status = @status, fetched = @fetched,
    inserted = @inserted, updated = @updated, skipped = @skipped, skip_reasons_json = @skipReasons, error = @error
    WHERE id = @id`);
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
      });
    },
    recent(limit = 20): IngestRunRow[] {
      return db.prepare('SELECT * FROM ingest_runs ORDER BY id DESC LIMIT ?').all(limit) as IngestRunRow[];
    },
  };
}

export type IngestRunsRepo = ReturnType<typeof createIngestRunsRepo>;
