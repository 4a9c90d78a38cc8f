// The ingest area on PostgreSQL (node-postgres): constant SQL texts; a batch is one transaction on one client with
// a savepoint per entry, so an entry the database refuses (a constraint, a value PostgreSQL cannot hold such as a
// NUL character) is undone alone. The batch's stored papers are read once, locked in id order (FOR UPDATE), so two
// instances ingesting the same papers merge one after the other and never deadlock on each other's rows.
import type { PgClient, PgPool } from './pool.js';
import { inSavepoint, inTransaction, isPgRequestError } from './transaction.js';
import { describeError } from '../../lib/errors.js';
import type { PaperEntry, SourceName } from '../../ingest/types.js';
import type { CachedResponse } from '../../ingest/http-cache.js';
import type { IngestRun, IngestStore, PaperRow, UpsertOutcome, UpsertResult } from '../stores/ingest.js';
import { httpCacheCutoff, keptFailures, keptSkipReasons } from '../stores/ingest-rules.js';
import { freshPaper, mergedPaper, MERGED_FIELDS, paperRowOf, sameInstant, type ListCodec, type PaperFields } from '../stores/paper-merge.js';

/** A stored paper as PostgreSQL returns it: jsonb lists parsed, times as ISO strings, dates as YYYY-MM-DD. */
export interface PgPaper extends PaperFields<string[]> {
  first_seen_at: string;
}

type Merged = PaperFields<string[]>;

export const PAPER_COLUMNS = `id, title, abstract, authors_json, published_at, daily_date, first_seen_at, ai_summary, ai_keywords_json,
  categories_json, thumbnail_url, hf_url, arxiv_url, pdf_url, github_url, project_url, organization, sources_json`;
const SELECT_ONE = `SELECT ${PAPER_COLUMNS} FROM papers WHERE id = $1`;
const SELECT_ONE_LOCKED = `${SELECT_ONE} FOR UPDATE`;
// id order: every instance takes the row locks in the same order.
const SELECT_MANY_LOCKED = `SELECT ${PAPER_COLUMNS} FROM papers WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;
const COUNT = 'SELECT count(*) AS n FROM papers';
// $18 is both first_seen_at and updated_at. A row another instance inserted meanwhile yields nothing: merge into it.
const INSERT = `INSERT INTO papers (id, title, abstract, authors_json, published_at, daily_date, ai_summary, ai_keywords_json,
    categories_json, thumbnail_url, hf_url, arxiv_url, pdf_url, github_url, project_url, organization, sources_json,
    first_seen_at, updated_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18, $18)
  ON CONFLICT (id) DO NOTHING RETURNING id`;
const UPDATE = `UPDATE papers SET title = $2, abstract = $3, authors_json = $4::jsonb, published_at = $5, daily_date = $6,
    ai_summary = $7, ai_keywords_json = $8::jsonb, categories_json = $9::jsonb, thumbnail_url = $10, hf_url = $11,
    arxiv_url = $12, pdf_url = $13, github_url = $14, project_url = $15, organization = $16, sources_json = $17::jsonb,
    updated_at = $18
  WHERE id = $1`;
const ADD_CATEGORIES = 'INSERT INTO paper_categories (paper_id, category) SELECT $1, c FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING';
const ADD_OBSERVATION = `INSERT INTO observations (paper_id, source, observed_at, upvotes, comments, github_stars)
  VALUES ($1, $2, $3, $4, $5, $6)`;

const START_RUN = 'INSERT INTO ingest_runs (source, started_at) VALUES ($1, $2) RETURNING id';
const FINISH_RUN = `UPDATE ingest_runs SET finished_at = $2, status = $3, fetched = $4, inserted = $5, updated = $6, skipped = $7,
    skip_reasons_json = $8::jsonb, error = $9, failures = $10, failures_json = $11::jsonb
  WHERE id = $1`;
const RECENT_RUNS = `SELECT id, source, started_at, finished_at, status, fetched, inserted, updated, skipped,
    skip_reasons_json AS skip_reasons, failures, failures_json AS failed_parts, error
  FROM ingest_runs ORDER BY id DESC LIMIT $1`;
const FAILED_PARTS = 'SELECT source, coalesce(sum(failures), 0) AS n FROM ingest_runs GROUP BY source ORDER BY source';

const SELECT_CACHED = `SELECT url, etag, last_modified AS "lastModified", body, content_type AS "contentType", fetched_at AS "fetchedAt"
  FROM http_cache WHERE url = $1`;
const UPSERT_CACHED = `INSERT INTO http_cache (url, etag, last_modified, body, content_type, fetched_at) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, body = excluded.body,
    content_type = excluded.content_type, fetched_at = excluded.fetched_at`;
const TOUCH_CACHED = 'UPDATE http_cache SET fetched_at = $2 WHERE url = $1';
const PRUNE_CACHED = 'DELETE FROM http_cache WHERE fetched_at < $1';

export const toPaperRow = (r: PgPaper): PaperRow => paperRowOf(r, (list) => list);

const LISTS: ListCodec<string[]> = { of: (values) => [...values], union };
const fresh = (source: SourceName, e: PaperEntry): Merged => freshPaper(LISTS, source, e);
const merged = (source: SourceName, e: PaperEntry, old: PgPaper): Merged => mergedPaper(LISTS, source, e, old);

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

const changed = (old: PgPaper, next: Merged) =>
  MERGED_FIELDS.some((k) => (k === 'published_at' ? !sameInstant(old.published_at, next.published_at) : !same(old[k], next[k])));

const values = (p: Merged, now: string) => [
  p.id, p.title, p.abstract, JSON.stringify(p.authors_json), p.published_at, p.daily_date, p.ai_summary,
  JSON.stringify(p.ai_keywords_json), JSON.stringify(p.categories_json), p.thumbnail_url, p.hf_url, p.arxiv_url, p.pdf_url,
  p.github_url, p.project_url, p.organization, JSON.stringify(p.sources_json), now,
];

/** Merges one entry (its stored row `old`, locked by the caller, or none) and records its counters. */
async function upsertEntry(c: PgClient, source: SourceName, e: PaperEntry, old: PgPaper | undefined, now: string): Promise<[UpsertOutcome, PgPaper | undefined]> {
  let outcome: UpsertOutcome;
  let row = old;
  if (!row) {
    if (e.updateOnly) return ['ignored', undefined];
    const p = fresh(source, e);
    if ((await c.query(INSERT, values(p, now))).rowCount) {
      outcome = 'inserted';
      row = { ...p, first_seen_at: now };
    } else {
      row = (await c.query<PgPaper>(SELECT_ONE_LOCKED, [e.id])).rows[0]!; // another instance inserted it meanwhile
    }
  }
  outcome ??= 'unchanged';
  if (outcome !== 'inserted') {
    const next = merged(source, e, row);
    if (changed(row, next)) {
      await c.query(UPDATE, values(next, now));
      row = { ...next, first_seen_at: row.first_seen_at };
      outcome = 'updated';
    }
  }
  if (e.categories.length) await c.query(ADD_CATEGORIES, [e.id, e.categories]);
  if (e.counters) {
    const { upvotes, comments, githubStars } = e.counters;
    if (upvotes !== undefined || comments !== undefined || githubStars !== undefined)
      await c.query(ADD_OBSERVATION, [e.id, source, now, upvotes ?? null, comments ?? null, githubStars ?? null]);
  }
  return [outcome, row];
}

export function createPostgresIngestStore(pool: PgPool): IngestStore {
  return {
    upsertPapers: (source, entries, now) =>
      inTransaction(pool, async (c) => {
        const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, ignored: 0, refused: [] };
        const ids = [...new Set(entries.map((e) => e?.id).filter((id): id is string => typeof id === 'string'))];
        const stored = new Map<string, PgPaper>();
        if (ids.length) for (const r of (await c.query<PgPaper>(SELECT_MANY_LOCKED, [ids])).rows) stored.set(r.id, r);
        for (const e of entries) {
          try {
            const [outcome, row] = await inSavepoint(c, () => upsertEntry(c, source, e, stored.get(e.id), now));
            if (row) stored.set(row.id, row);
            result[outcome]++;
          } catch (err) {
            if (!isPgRequestError(err) && !(err instanceof TypeError)) throw err; // the database's condition: the batch fails
            result.refused.push({ id: String((e as { id?: unknown })?.id), error: describeError(err) });
          }
        }
        return result;
      }),
    async getPaper(id) {
      const r = (await pool.query<PgPaper>(SELECT_ONE, [id])).rows[0];
      return r ? toPaperRow(r) : undefined;
    },
    countPapers: async () => (await pool.query<{ n: number }>(COUNT)).rows[0]!.n,
    startIngestRun: async (source, at) => (await pool.query<{ id: number }>(START_RUN, [source, at])).rows[0]!.id,
    async finishIngestRun(id, r) {
      await pool.query(FINISH_RUN, [
        id, r.finishedAt, r.status, r.fetched, r.inserted, r.updated, r.skipped.length,
        JSON.stringify(keptSkipReasons(r.skipped)), r.error, r.failures.length, JSON.stringify(keptFailures(r.failures)),
      ]);
    },
    recentIngestRuns: async (limit) => (await pool.query<IngestRun>(RECENT_RUNS, [limit])).rows,
    failedIngestPartsBySource: async () => (await pool.query<{ source: string; n: number }>(FAILED_PARTS)).rows,
    cachedResponse: async (url) => (await pool.query<CachedResponse>(SELECT_CACHED, [url])).rows[0],
    storeCachedResponse: (entry) =>
      inTransaction(pool, async (c) => {
        await c.query(UPSERT_CACHED, [entry.url, entry.etag, entry.lastModified, entry.body, entry.contentType, entry.fetchedAt]);
        await c.query(PRUNE_CACHED, [httpCacheCutoff(entry.fetchedAt)]);
      }),
    async touchCachedResponse(url, at) {
      await pool.query(TOUCH_CACHED, [url, at]);
    },
  };
}

/** The stored list with the new values appended (order kept: the primary category stays first). */
function union(list: string[], add: readonly string[]): string[] {
  const missing = add.filter((v, i) => !list.includes(v) && add.indexOf(v) === i);
  return missing.length ? [...list, ...missing] : list;
}
