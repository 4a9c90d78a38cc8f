// The HTTP client's port to its conditional-request cache (validators and the last body per URL). Declared here, on
// the side that uses it; the Store satisfies it structurally (src/db/stores/ingest.ts, both engines).
// Invariant: an entry is only written from a 2xx response that offered a validator, so a 304 always has a body to re-read.

export interface CachedResponse {
  url: string;
  etag: string | null;
  lastModified: string | null;
  body: string | null;
  contentType: string | null;
  /** ISO-8601 UTC with milliseconds. */
  fetchedAt: string;
}

export interface HttpCache {
  cachedResponse(url: string): Promise<CachedResponse | undefined>;
  /** Stores (or replaces) a URL's entry; entries not fetched for 30 days are dropped in the same unit of work. */
  storeCachedResponse(entry: CachedResponse): Promise<void>;
  /** Records that a 304 confirmed the stored body at this time. */
  touchCachedResponse(url: string, at: string): Promise<void>;
}
