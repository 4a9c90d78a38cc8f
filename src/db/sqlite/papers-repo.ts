// The ingest area on SQLite (better-sqlite3): papers with their categories and observations, ingest runs, the HTTP
// cache. Statements are prepared once, when the store is built (a broken query fails at start-up, not at 7 am). The
// methods are synchronous underneath; `createSqlitePapersCore` exposes that core for the code not yet on the Store
// (src/db/papers-repo.ts), and the async store wraps it. A batch is one IMMEDIATE transaction with a savepoint per
// entry, so an entry the database refuses is undone alone.
import type { Db } from '../open.js';
import { classifyWriteError } from '../sqlite-errors.js';
import { describeError } from '../../lib/errors.js';
import type { PaperEntry, SkippedEntry, SourceFailure, SourceName } from '../../ingest/types.js';
import { freshPaper, mergedPaper, MERGED_FIELDS, paperRowOf, type ListCodec, type PaperFields } from '../stores/paper-merge.js';
import type { CachedResponse } from '../../ingest/http-cache.js';
import type { IngestRun, IngestRunEnd, IngestStore, PaperRow, UpsertOutcome, UpsertResult } from '../stores/ingest.js';
import { httpCacheCutoff, keptFailures, keptSkipReasons } from '../stores/ingest-rules.js';

/** A stored paper as SQLite returns it: list columns as JSON text. */
interface RawPaperRow extends PaperFields<string> {
  first_seen_at: string;
}

export const toPaperRow = (r: RawPaperRow): PaperRow => paperRowOf(r, (json) => JSON.parse(json) as string[]);

type Params = Omit<RawPaperRow, 'first_seen_at'> & { now: string };

interface RawIngestRun extends Omit<IngestRun, 'skip_reasons' | 'failed_parts'> {
  skip_reasons_json: string;
  failures_json: string;
}

const toIngestRun = ({ skip_reasons_json, failures_json, ...r }: RawIngestRun): IngestRun => ({
  ...r,
  skip_reasons: JSON.parse(skip_reasons_json) as SkippedEntry[],
  failed_parts: JSON.parse(failures_json) as SourceFailure[],
});

/** An entry's own fault: a constraint, or a value the driver cannot bind (a field of the wrong type). */
const isEntryError = (err: unknown) => classifyWriteError(err) === 'request' || err instanceof TypeError || err instanceof RangeError;

export function createSqlitePapersCore(db: Db) {
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

  const startRun = db.prepare('INSERT INTO ingest_runs (source, started_at) VALUES (?, ?)');
  const finishRun = db.prepare(`UPDATE ingest_runs SET finished_at = @finishedAt, status = @status, fetched = @fetched,
    inserted = @inserted, updated = @updated, skipped = @skipped, skip_reasons_json = @skipReasons, error = @error,
    failures = @failures, failures_json = @failuresJson
    WHERE id = @id`);
  const recentRuns = db.prepare<[number], RawIngestRun>(`SELECT id, source, started_at, finished_at, status, fetched, inserted, updated,
      skipped, skip_reasons_json, failures, failures_json, error
    FROM ingest_runs ORDER BY id DESC LIMIT ?`);
  const failedParts = db.prepare<[], { source: string; n: number }>(
    'SELECT source, coalesce(sum(failures), 0) AS n FROM ingest_runs GROUP BY source ORDER BY source',
  );

  const selectCached = db.prepare<[string], CachedResponse>(
    `SELECT url, etag, last_modified AS lastModified, body, content_type AS contentType, fetched_at AS fetchedAt
     FROM http_cache WHERE url = ?`,
  );
  const upsertCached = db.prepare(`INSERT INTO http_cache (url, etag, last_modified, body, content_type, fetched_at)
    VALUES (@url, @etag, @lastModified, @body, @contentType, @fetchedAt)
    ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, body = excluded.body,
      content_type = excluded.content_type, fetched_at = excluded.fetched_at`);
  const touchCached = db.prepare('UPDATE http_cache SET fetched_at = ? WHERE url = ?');
  const pruneCached = db.prepare('DELETE FROM http_cache WHERE fetched_at < ?');

  const fresh = (source: SourceName, e: PaperEntry, now: string): Params => ({ ...freshPaper(JSON_LISTS, source, e), now });
  const merged = (source: SourceName, e: PaperEntry, old: RawPaperRow, now: string): Params => ({ ...mergedPaper(JSON_LISTS, source, e, old), now });

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

  // Nested in the batch's transaction, better-sqlite3 runs this in a SAVEPOINT: a refused entry is undone alone.
  const entryUnit = db.transaction(upsertEntry);
  const batch = db.transaction((source: SourceName, entries: readonly PaperEntry[], now: string) => {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, ignored: 0, refused: [] };
    for (const e of entries) {
      try {
        result[entryUnit(source, e, now)]++;
      } catch (err) {
        if (!isEntryError(err)) throw err; // the database's condition (full, read-only): the batch fails as a whole
        result.refused.push({ id: String((e as { id?: unknown })?.id), error: describeError(err) });
      }
    }
    return result;
  });

  const putCached = db.transaction((entry: CachedResponse) => {
    upsertCached.run(entry);
    pruneCached.run(httpCacheCutoff(entry.fetchedAt));
  });

  return {
    upsertEntry,
    /** Upserts a whole batch in one immediate transaction (see IngestStore.upsertPapers). */
    upsertBatch(source: SourceName, entries: readonly PaperEntry[], now: string): UpsertResult {
      return batch.immediate(source, entries, now);
    },
    get(id: string): PaperRow | undefined {
      const r = selectOne.get(id);
      return r ? toPaperRow(r) : undefined;
    },
    count(): number {
      return countAll.get()!.n;
    },
    startRun(source: SourceName, at: string): number {
      return Number(startRun.run(source, at).lastInsertRowid);
    },
    finishRun(id: number, r: IngestRunEnd): void {
      finishRun.run({
        id,
        finishedAt: r.finishedAt,
        status: r.status,
        fetched: r.fetched,
        inserted: r.inserted,
        updated: r.updated,
        skipped: r.skipped.length,
        skipReasons: JSON.stringify(keptSkipReasons(r.skipped)),
        error: r.error,
        failures: r.failures.length,
        failuresJson: JSON.stringify(keptFailures(r.failures)),
      });
    },
    recentRuns: (limit: number): IngestRun[] => recentRuns.all(limit).map(toIngestRun),
    failedPartsBySource: (): { source: string; n: number }[] => failedParts.all(),
    cached: (url: string): CachedResponse | undefined => selectCached.get(url),
    putCached: (entry: CachedResponse): void => void putCached.immediate(entry),
    touchCached: (url: string, at: string): void => void touchCached.run(at, url),
  };
}

export type SqlitePapersCore = ReturnType<typeof createSqlitePapersCore>;

export function createSqliteIngestStore(db: Db): IngestStore {
  const core = createSqlitePapersCore(db);
  return {
    upsertPapers: async (source, entries, now) => core.upsertBatch(source, entries, now),
    getPaper: async (id) => core.get(id),
    countPapers: async () => core.count(),
    startIngestRun: async (source, at) => core.startRun(source, at),
    finishIngestRun: async (id, end) => core.finishRun(id, end),
    recentIngestRuns: async (limit) => core.recentRuns(limit),
    failedIngestPartsBySource: async () => core.failedPartsBySource(),
    cachedResponse: async (url) => core.cached(url),
    storeCachedResponse: async (entry) => core.putCached(entry),
    touchCachedResponse: async (url, at) => core.touchCached(url, at),
  };
}

/** Lists as JSON text: parsed only when a union needs them (the hot path of a 10,000-paper ingest). */
const JSON_LISTS: ListCodec<string> = { of: (values) => JSON.stringify(values), union: (json, add) => unionJson(json, add) };

/** A JSON string array with the new values appended (order kept: the primary category stays first). */
function unionJson(json: string, add: readonly string[]): string {
  const list = JSON.parse(json) as string[];
  let grew = false;
  for (const v of add)
    if (!list.includes(v)) {
      list.push(v);
      grew = true;
    }
  return grew ? JSON.stringify(list) : json;
}
