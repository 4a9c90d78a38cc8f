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
}

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

export function createPapersRepo(db: Db) {
  // Named statements prepared once: a broken query fails at start-up, not at 7 am.
  const selectOne = db.prepare<[string], RawPaperRow>('SELECT * FROM papers WHERE id = ?');
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

  /** Merges one entry into the stored paper; returns whether it was new. Call inside a transaction. */
  function upsertEntry(source: SourceName, e: PaperEntry, now: string): 'inserted' | 'updated' | 'unchanged' {
    const old = selectOne.get(e.id);
    const params = {
      id: e.id,
      // A source that knows more wins for text fields; otherwise keep what we had.
      title: e.title || old?.title,
      abstract: e.abstract ?? old?.abstract ?? null,
      authors_json: JSON.stringify(e.authors.length ? e.authors : old ? (JSON.parse(old.authors_json) as string[]) : []),
      published_at: old?.published_at ?? e.publishedAt ?? null,
      daily_date: old?.daily_date ?? e.dailyDate ?? null,
      ai_summary: e.aiSummary ?? old?.ai_summary ?? null,
      ai_keywords_json: JSON.stringify(e.aiKeywords.length ? e.aiKeywords : old ? (JSON.parse(old.ai_keywords_json) as string[]) : []),
      categories_json: JSON.stringify(union(old ? (JSON.parse(old.categories_json) as string[]) : [], e.categories)),
      thumbnail_url: e.thumbnailUrl ?? old?.thumbnail_url ?? null,
      hf_url: e.hfUrl ?? old?.hf_url ?? null,
      arxiv_url: e.arxivUrl ?? old?.arxiv_url ?? null,
      pdf_url: e.pdfUrl ?? old?.pdf_url ?? null,
      github_url: e.githubUrl ?? old?.github_url ?? null,
      project_url: e.projectUrl ?? old?.project_url ?? null,
      organization: e.organization ?? old?.organization ?? null,
      sources_json: JSON.stringify(union(old ? (JSON.parse(old.sources_json) as string[]) : [], [source])),
      now,
    };
    let outcome: 'inserted' | 'updated' | 'unchanged';
    if (!old) {
      insert.run(params);
      outcome = 'inserted';
    } else if (changed(old, params)) {
      update.run(params);
      outcome = 'updated';
    } else {
      outcome = 'unchanged';
    }
    for (const c of e.categories) insertCategory.run(e.id, c);
    if (e.counters) {
      const { upvotes, comments, githubStars } = e.counters;
      if (upvotes !== undefined || comments !== undefined || githubStars !== undefined)
        insertObservation.run(e.id, source, now, upvotes ?? null, comments ?? null, githubStars ?? null);
    }
    return outcome;
  }

  return {
    upsertEntry,
    /** Upserts a whole batch in one immediate transaction: all of it lands or none of it. */
    upsertBatch(source: SourceName, entries: PaperEntry[], now: string): UpsertCounts {
      const run = db.transaction(() => {
        const counts: UpsertCounts = { inserted: 0, updated: 0 };
        for (const e of entries) {
          const r = upsertEntry(source, e, now);
          if (r === 'inserted') counts.inserted++;
          else if (r === 'updated') counts.updated++;
        }
        return counts;
      });
      return run.immediate();
    },
    get(id: string): PaperRow | undefined {
      const r = selectOne.get(id);
      return r ? toPaperRow(r) : undefined;
    },
    count(): number {
      return (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    },
  };
}

export type PapersRepo = ReturnType<typeof createPapersRepo>;

function changed(old: RawPaperRow, next: Record<string, unknown>): boolean {
  for (const [k, v] of Object.entries(next)) {
    if (k === 'now' || k === 'id') continue;
    if ((old as unknown as Record<string, unknown>)[k] !== v) return true;
  }
  return false;
}
