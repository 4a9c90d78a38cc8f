// Validators (ETag / Last-Modified) and the last body per URL, for conditional requests by the sources.
// Invariant: a row is only written from a 2xx response that offered a validator, so a 304 always has a body to re-read;
// rows not fetched for RETAIN_DAYS are dropped on the next write (HF adds one URL per day: the table must not grow forever).
import type { Db } from './open.js';

export interface CachedResponse {
  url: string;
  etag: string | null;
  lastModified: string | null;
  body: string | null;
  contentType: string | null;
  fetchedAt: string;
}

export interface HttpCache {
  get(url: string): CachedResponse | undefined;
  put(entry: CachedResponse): void;
  /** Records that a 304 confirmed the stored body at this time. */
  touch(url: string, at: string): void;
}

const RETAIN_DAYS = 30;

export function createHttpCacheRepo(db: Db): HttpCache {
  const select = db.prepare<[string], CachedResponse>(
    `SELECT url, etag, last_modified AS lastModified, body, content_type AS contentType, fetched_at AS fetchedAt
     FROM http_cache WHERE url = ?`,
  );
  const upsert = db.prepare(`INSERT INTO http_cache (url, etag, last_modified, body, content_type, fetched_at)
    VALUES (@url, @etag, @lastModified, @body, @contentType, @fetchedAt)
    ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, body = excluded.body,
      content_type = excluded.content_type, fetched_at = excluded.fetched_at`);
  const touch = db.prepare('UPDATE http_cache SET fetched_at = ? WHERE url = ?');
  const prune = db.prepare('DELETE FROM http_cache WHERE fetched_at < ?');
  const put = db.transaction((entry: CachedResponse) => {
    upsert.run(entry);
    prune.run(new Date(Date.parse(entry.fetchedAt) - RETAIN_DAYS * 86_400_000).toISOString());
  });
  return {
    get: (url) => select.get(url),
    put: (entry) => void put.immediate(entry),
    touch: (url, at) => void touch.run(at, url),
  };
}
