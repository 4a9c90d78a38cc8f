// Shapes shared by every source: the normalized entry a source yields and the batch it returns.
import type { SourceName } from '../config.js';

export type { SourceName };

/** One paper as one source saw it, normalized (ids without version, whitespace folded, absolute links). */
export interface PaperEntry {
  id: string;
  title: string;
  abstract?: string | undefined;
  authors: string[];
  publishedAt?: string | undefined; // ISO time of arXiv publication
  dailyDate?: string | undefined; // YYYY-MM-DD it joined HF Daily Papers
  aiSummary?: string | undefined;
  aiKeywords: string[];
  categories: string[];
  thumbnailUrl?: string | undefined;
  hfUrl?: string | undefined;
  arxivUrl?: string | undefined;
  pdfUrl?: string | undefined;
  githubUrl?: string | undefined;
  projectUrl?: string | undefined;
  organization?: string | undefined;
  /** Community counters at fetch time; absent when the source has none (arXiv). */
  counters?: { upvotes?: number | undefined; comments?: number | undefined; githubStars?: number | undefined } | undefined;
  /**
   * Refresh a paper we already store, never add one: arXiv "replace" announcements are new versions of
   * old papers, and adding them would make years-old work look new to the ranker.
   */
  updateOnly?: boolean | undefined;
}

/** What validating one raw item gives: the normalized entry, or why it was skipped. Never thrown. */
export type ParseResult = { ok: true; entry: PaperEntry } | { ok: false; reason: string };

export interface SkippedEntry {
  /** Where the bad item was: "2026-08-21.json#3", "item 12". */
  where: string;
  reason: string;
}

/**
 * One part of a source run that failed on its own: an HF day, an arXiv category, a feed file. The other parts
 * still land. `part` names it as a reader would ("2025-01-10", "cs.LG", "2026-08-20.json").
 */
export interface SourceFailure {
  part: string;
  code: string;
  error: string;
}

/** Everything one source produced in one run; written in one transaction. */
export interface SourceBatch {
  source: SourceName;
  entries: PaperEntry[];
  skipped: SkippedEntry[];
  /** Raw items seen (valid + skipped). */
  fetched: number;
  /** Parts attempted (days, categories, files); a source whose every part failed has failed. */
  parts: number;
  /** Parts that failed: bad payload, HTTP error, timeout, or every item rejected. */
  failures: SourceFailure[];
}

export interface SourceProgress {
  /** Requests (days, pages, feeds) done so far, of total. */
  done: number;
  total: number;
  label: string;
}

export interface FetchOptions {
  now: Date;
  /** Fetch the last N days (sources with dated feeds). */
  days?: number | undefined;
  /** Fetch exactly this date (YYYY-MM-DD). */
  date?: string | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: SourceProgress) => void) | undefined;
}

export interface Source {
  readonly name: SourceName;
  /**
   * Fetch and normalize. Item-level problems go to `skipped`; a part (day, category, file) whose payload is bad,
   * whose request failed or whose every item was rejected goes to `failures` and the other parts carry on.
   * Throws SourceError only when the source as a whole cannot run (nothing to read, cancelled).
   */
  fetch(options: FetchOptions): Promise<SourceBatch>;
}
