// How a paper seen by several sources is merged: one rule for both engines, over the engine's own form of the list
// columns (SQLite keeps them as JSON text and parses only when a union needs it — the hot path of a large ingest;
// PostgreSQL gets them parsed from jsonb). Each source adds what it knows; see IngestStore.upsertPapers.
import type { PaperEntry, SourceName } from '../../ingest/types.js';
import type { PaperRow } from './ingest.js';

/** The paper's columns that ingest writes, with each list column in the engine's form L. */
export interface PaperFields<L> {
  id: string;
  title: string;
  abstract: string | null;
  authors_json: L;
  published_at: string | null;
  daily_date: string | null;
  ai_summary: string | null;
  ai_keywords_json: L;
  categories_json: L;
  thumbnail_url: string | null;
  hf_url: string | null;
  arxiv_url: string | null;
  pdf_url: string | null;
  github_url: string | null;
  project_url: string | null;
  organization: string | null;
  sources_json: L;
}

/** How an engine stores a list of strings. */
export interface ListCodec<L> {
  of(values: readonly string[]): L;
  /** The stored list with the new values appended (order kept: the primary category stays first). */
  union(stored: L, add: readonly string[]): L;
}

export const MERGED_FIELDS = [
  'title', 'abstract', 'authors_json', 'published_at', 'daily_date', 'ai_summary', 'ai_keywords_json', 'categories_json',
  'thumbnail_url', 'hf_url', 'arxiv_url', 'pdf_url', 'github_url', 'project_url', 'organization', 'sources_json',
] as const satisfies readonly (keyof PaperFields<unknown>)[];

/** The row a first sighting creates: only what this source knows. */
export function freshPaper<L>(lists: ListCodec<L>, source: SourceName, e: PaperEntry): PaperFields<L> {
  return {
    id: e.id,
    title: e.title,
    abstract: e.abstract ?? null,
    authors_json: lists.of(e.authors),
    published_at: e.publishedAt ?? null,
    daily_date: e.dailyDate ?? null,
    ai_summary: e.aiSummary ?? null,
    ai_keywords_json: lists.of(e.aiKeywords),
    categories_json: lists.of(e.categories),
    thumbnail_url: e.thumbnailUrl ?? null,
    hf_url: e.hfUrl ?? null,
    arxiv_url: e.arxivUrl ?? null,
    pdf_url: e.pdfUrl ?? null,
    github_url: e.githubUrl ?? null,
    project_url: e.projectUrl ?? null,
    organization: e.organization ?? null,
    sources_json: lists.of([source]),
  };
}

/**
 * A stored paper seen again: the new source's values where it has them, the earliest publication time, the first
 * Daily Papers day kept, categories and sources united.
 */
export function mergedPaper<L>(lists: ListCodec<L>, source: SourceName, e: PaperEntry, old: PaperFields<L>): PaperFields<L> {
  return {
    id: e.id,
    title: e.title || old.title,
    abstract: e.abstract ?? old.abstract,
    authors_json: e.authors.length ? lists.of(e.authors) : old.authors_json,
    published_at: earliestTime(old.published_at, e.publishedAt),
    daily_date: old.daily_date ?? e.dailyDate ?? null,
    ai_summary: e.aiSummary ?? old.ai_summary,
    ai_keywords_json: e.aiKeywords.length ? lists.of(e.aiKeywords) : old.ai_keywords_json,
    categories_json: e.categories.length ? lists.union(old.categories_json, e.categories) : old.categories_json,
    thumbnail_url: e.thumbnailUrl ?? old.thumbnail_url,
    hf_url: e.hfUrl ?? old.hf_url,
    arxiv_url: e.arxivUrl ?? old.arxiv_url,
    pdf_url: e.pdfUrl ?? old.pdf_url,
    github_url: e.githubUrl ?? old.github_url,
    project_url: e.projectUrl ?? old.project_url,
    organization: e.organization ?? old.organization,
    sources_json: lists.union(old.sources_json, [source]),
  };
}

/** The earlier of two times, compared as instants (one may carry milliseconds, the other not). */
export function earliestTime(a: string | null, b: string | undefined): string | null {
  if (a === null) return b ?? null;
  if (b === undefined) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

/** Two times that name the same instant (or are both absent). */
export function sameInstant(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : Date.parse(a) === Date.parse(b);
}

/** A stored paper at the store's interface, the same on both engines; `list` reads a list column in the engine's form. */
export function paperRowOf<L>(r: PaperFields<L> & { first_seen_at: string }, list: (stored: L) => string[]): PaperRow {
  return {
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: list(r.authors_json),
    publishedAt: r.published_at,
    dailyDate: r.daily_date,
    firstSeenAt: r.first_seen_at,
    aiSummary: r.ai_summary,
    aiKeywords: list(r.ai_keywords_json),
    categories: list(r.categories_json),
    thumbnailUrl: r.thumbnail_url,
    hfUrl: r.hf_url,
    arxivUrl: r.arxiv_url,
    pdfUrl: r.pdf_url,
    githubUrl: r.github_url,
    projectUrl: r.project_url,
    organization: r.organization,
    sources: list(r.sources_json),
  };
}
