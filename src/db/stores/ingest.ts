// The ingest area of the Store, write side: papers (merged from every source), their categories and observations,
// the ingest-run records, and the HTTP cache of conditional requests. The candidate reader (ranking) is not here.
// Implementations: src/db/sqlite/papers-repo.ts, src/db/postgres/papers-repo.ts.
// Invariants: every method is one unit of work (its own transaction); one entry the database refuses is reported
// and the rest of its batch lands; values are the same on both engines (ISO-8601 UTC times with ms, dates as
// YYYY-MM-DD, parsed JSON lists, numbers).
import type { PaperEntry, SkippedEntry, SourceFailure, SourceName } from '../../ingest/types.js';
import type { HttpCache } from '../../ingest/http-cache.js';

export { FAILURES_KEPT, HTTP_CACHE_RETAIN_DAYS, SKIP_REASONS_KEPT } from './ingest-rules.js';

export type { CachedResponse } from '../../ingest/http-cache.js';

export interface PaperRow {
  id: string;
  title: string;
  abstract: string | null;
  authors: string[];
  publishedAt: string | null;
  dailyDate: string | null;
  firstSeenAt: string;
  aiSummary: string | null;
  aiKeywords: string[];
  categories: string[];
  thumbnailUrl: string | null;
  hfUrl: string | null;
  arxivUrl: string | null;
  pdfUrl: string | null;
  githubUrl: string | null;
  projectUrl: string | null;
  organization: string | null;
  sources: string[];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Update-only entries (arXiv replacements) for papers we never stored. */
  ignored: number;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged' | 'ignored';

/** A batch's counts, and the entries the database refused (a constraint): nothing of those was written. */
export interface UpsertResult extends UpsertCounts {
  refused: { id: string; error: string }[];
}

export type IngestRunStatus = 'running' | 'ok' | 'failed';

export interface IngestRun {
  id: number;
  source: string;
  started_at: string;
  finished_at: string | null;
  status: IngestRunStatus;
  fetched: number;
  inserted: number;
  updated: number;
  skipped: number;
  /** The first SKIP_REASONS_KEPT skipped items with their reasons. */
  skip_reasons: SkippedEntry[];
  /** Parts that failed (a failed source as a whole counts one). */
  failures: number;
  /** The first FAILURES_KEPT of them, with their causes. */
  failed_parts: SourceFailure[];
  error: string | null;
}

export interface IngestRunEnd {
  finishedAt: string;
  status: 'ok' | 'failed';
  fetched: number;
  inserted: number;
  updated: number;
  skipped: SkippedEntry[];
  /** Parts that failed; a source that failed as a whole passes its one error here too. */
  failures: SourceFailure[];
  error: string | null;
}

export interface IngestStore extends HttpCache {
  /**
   * Merges a source's entries into the stored papers, in one transaction: a field the entry has replaces the stored
   * one, a field it lacks keeps it; categories and sources grow; the first daily date and the earliest publication
   * stay. Each entry with counters appends an observation stamped `now`. An entry the database refuses is undone
   * alone and reported in `refused`.
   */
  upsertPapers(source: SourceName, entries: readonly PaperEntry[], now: string): Promise<UpsertResult>;
  getPaper(id: string): Promise<PaperRow | undefined>;
  countPapers(): Promise<number>;
  /** Opens a run record ('running'); returns its id. */
  startIngestRun(source: SourceName, at: string): Promise<number>;
  finishIngestRun(id: number, end: IngestRunEnd): Promise<void>;
  /** The latest runs, newest first. */
  recentIngestRuns(limit: number): Promise<IngestRun[]>;
  /** Failed parts (days, categories, files) over all runs, by source: a counter for monitoring. */
  failedIngestPartsBySource(): Promise<{ source: string; n: number }[]>;
}
