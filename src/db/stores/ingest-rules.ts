// Rules of the ingest area that both engines apply the same way (a module of its own, free of engine imports).

// A feed with 10,000 bad items must not bloat its run's row: the first reasons only.
export const SKIP_REASONS_KEPT = 50;
export const FAILURES_KEPT = 100;
/** HTTP cache entries not fetched for this long are dropped (HF adds one URL per day: the table must not grow forever). */
export const HTTP_CACHE_RETAIN_DAYS = 30;

/** The cut-off below which HTTP cache entries are dropped when an entry fetched at `fetchedAt` is written. */
export const httpCacheCutoff = (fetchedAt: string): string => new Date(Date.parse(fetchedAt) - HTTP_CACHE_RETAIN_DAYS * 86_400_000).toISOString();

/** The stored record of a run's skipped items and failed parts: the first ones only. */
export const keptSkipReasons = <T>(skipped: readonly T[]): T[] => skipped.slice(0, SKIP_REASONS_KEPT);
export const keptFailures = <T>(failures: readonly T[]): T[] => failures.slice(0, FAILURES_KEPT);
