// Papers, their categories and observations. Upserts merge what each source knows into one paper row.
// Invariant: one transaction per source batch; a paper's id is its versionless arXiv id.
import type { Db } from './open.js';
import type { PaperEntry, SourceName } from '../ingest/types.js';

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

interface RawPaperRow {
  id: string;
  title: string;
  abstract: string | null;
  authors_json: string;
  published_at: string | null;
  daily_date: string | null;
  first_seen_at: string;
  ai_summary: string | null;
  ai_keywords_json: string;
  categories_json: string;
  thumbnail_url: string | null;
  hf_url: string | null;
  arxiv_url: string | null;
  pdf_url: string | null;
  github_url: string | null;
  project_url: string | null;
  organization: string | null;
  sources_json: string;
}

export function toPaperRow(r: RawPaperRow): PaperRow {
  return {
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors_json) as string[],
    publishedAt: r.published_at,
    dailyDate: r.daily_date,
    firstSeenAt: r.first_seen_at,
    aiSummary: r.ai_summary,
    aiKeywords: JSON.parse(r.ai_keywords_json) as string[],
    categories: JSON.parse(r.categories_json) as string[],
    thumbnailUrl: r.thumbnail_url,
    hfUrl: r.hf_url,
    arxivUrl: r.arxiv_url,
    pdfUrl: r.pdf_url,
    githubUrl: r.github_url,
    projectUrl: r.project_url,
    organization: r.organization,
    sources: JSON.parse(r.sources_json) as string[],
  };
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Update-only entries (arXiv replacements) for papers we never stored. */
  ignored: number;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged' | 'ignored';

type Params = Omit<RawPaperRow, 'first_seen_at'> & { now: string };
const MERGED_FIELDS = [
  'title', 'abstract', 'authors_json', 'published_at', 'daily_date', 'ai_summary', 'ai_keywords_json', 'categories_json',
  'thumbnail_url', 'hf_url', 'arxiv_url', 'pdf_url', 'github_url', 'project_url', 'organization', 'sources_json',
] as const satisfies readonly (keyof Params)[];

export function createPapersRepo(db: Db) {
  // Named statements prepared once: a broken query fails at start-up, not at 7 am.
  const selectOne = db.prepare<[string], RawPaperRow>('SELECT * FROM papers WHERE id = ?');
  const countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers');
  const insert = db.prepare(`INSERT INTO papers (id, title, abstract, authors_json, published_at, daily_date, first_seen_at,
      ai_summary, ai_keywords_json, categories_json, thumbnail_url, hf_url, arxiv_url, pdf_url, github_url, project_url,
      organization, sources_json, updated_at)
    VALUES (@id, @title, @abstract, @authors_json, @published_at, @daily_date, @now, @ai_summary, @ai_keywords_json,
      @categories_json, @thumbnail_url, @hf_url, @arxiv_url, @pdf_url, @github_url, @project_url, @organization,
      @sources_json, @now)`);
  const update = db.prepare(`UPDATE papers SET title = @title, abstract = @abstract, authors_json = @authors_json,
      published_at = @published_at, daily_date = @daily_date, ai_summary = @ai_summary, ai_keywords_json = @ai_keywords_json,
      categories_json = @categories_json, thumbnail_url = @thumbnail_url, hf_url = @hf_url, arxiv_url = @arxiv_url,
      pdf_url = @pdf_url, github_url = @github_url, project_url = @project_url, organization = @organization,
      sources_json = @sources_json, updated_at = @now
    WHERE id = @id`);
  const insertCategory = db.prepare('INSERT OR IGNORE INTO paper_categories (paper_id, category) VALUES (?, ?)');
  const insertObservation = db.prepare(`INSERT INTO observations (paper_id, source, observed_at, upvotes, comments, github_stars)
    VALUES (?, ?, ?, ?, ?, ?)`);

  /** The row a first sighting creates: only what this source knows. */
  function fresh(source: SourceName, e: PaperEntry, now: string): Params {
    return {
      id: e.id,
      title: e.title,
      abstract: e.abstract ?? null,
      authors_json: JSON.stringify(e.authors),
      published_at: e.publishedAt ?? null,
      daily_date: e.dailyDate ?? null,
      ai_summary: e.aiSummary ?? null,
      ai_keywords_json: JSON.stringify(e.aiKeywords),
      categories_json: JSON.stringify(e.categories),
      thumbnail_url: e.thumbnailUrl ?? null,
      hf_url: e.hfUrl ?? null,
      arxiv_url: e.arxivUrl ?? null,
      pdf_url: e.pdfUrl ?? null,
      github_url: e.githubUrl ?? null,
      project_url: e.projectUrl ?? null,
      organization: e.organization ?? null,
      sources_json: JSON.stringify([source]),
      now,
    };
  }

  /**
   * Each source adds what it knows: a field the entry has replaces the stored one, a field it lacks keeps the
   * stored one; lists of categories and sources grow; the first daily date and the earliest publication stay.
   * JSON columns are only parsed when a union needs them.
   */
  function merged(source: SourceName, e: PaperEntry, old: RawPaperRow, now: string): Params {
    return {
      id: e.id,
      title: e.title || old.title,
      abstract: e.abstract ?? old.abstract,
      authors_json: e.authors.length ? JSON.stringify(e.authors) : old.authors_json,
      published_at: earliest(old.published_at, e.publishedAt),
      daily_date: old.daily_date ?? e.dailyDate ?? null,
      ai_summary: e.aiSummary ?? old.ai_summary,
      ai_keywords_json: e.aiKeywords.length ? JSON.stringify(e.aiKeywords) : old.ai_keywords_json,
      categories_json: e.categories.length ? unionJson(old.categories_json, e.categories) : old.categories_json,
      thumbnail_url: e.thumbnailUrl ?? old.thumbnail_url,
      hf_url: e.hfUrl ?? old.hf_url,
      arxiv_url: e.arxivUrl ?? old.arxiv_url,
      pdf_url: e.pdfUrl ?? old.pdf_url,
      github_url: e.githubUrl ?? old.github_url,
      project_url: e.projectUrl ?? old.project_url,
      organization: e.organization ?? old.organization,
      sources_json: unionJson(old.sources_json, [source]),
      now,
    };
  }

  /** Merges one entry into the stored paper and records its counters. Call inside a transaction. */
  function upsertEntry(source: SourceName, e: PaperEntry, now: string): UpsertOutcome {
    const old = selectOne.get(e.id);
    let outcome: UpsertOutcome;
    if (!old) {
      if (e.updateOnly) return 'ignored';
      insert.run(fresh(source, e, now));
      outcome = 'inserted';
    } else {
      const next = merged(source, e, old, now);
      if (MERGED_FIELDS.some((k) => old[k] !== next[k])) {
        update.run(next);
        outcome = 'updated';
      } else {
        outcome = 'unchanged';
      }
    }
    for (const c of e.categories) insertCategory.run(e.id, c);
    if (e.counters) {
      const { upvotes, comments, githubStars } = e.counters;
      if (upvotes !== undefined || comments !== undefined || githubStars !== undefined)
        insertObservation.run(e.id, source, now, upvotes ?? null, comments ?? null, githubStars ?? null);
    }
    return outcome;
  }

  const batch = db.transaction((source: SourceName, entries: PaperEntry[], now: string) => {
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0, ignored: 0 };
    for (const e of entries) counts[upsertEntry(source, e, now)]++;
    return counts;
  });

  return {
    upsertEntry,
    /** Upserts a whole batch in one immediate transaction: all of it lands or none of it. */
    upsertBatch(source: SourceName, entries: PaperEntry[], now: string): UpsertCounts {
      return batch.immediate(source, entries, now);
    },
    get(id: string): PaperRow | undefined {
      const r = selectOne.get(id);
      return r ? toPaperRow(r) : undefined;
    },
    count(): number {
      return countAll.get()!.n;
    },
  };
}

function earliest(a: string | null, b: string | undefined): string | null {
  if (a === null) return b ?? null;
  if (b === undefined) return a;
  return a <= b ? a : b;
}

/** A JSON string array with the new values appended (order kept: the primary category stays first). */
function unionJson(json: string, add: string[]): string {
  const list = JSON.parse(json) as string[];
  let grew = false;
  for (const v of add)
    if (!list.includes(v)) {
      list.push(v);
      grew = true;
    }
  return grew ? JSON.stringify(list) : json;
}

export type PapersRepo = ReturnType<typeof createPapersRepo>;
