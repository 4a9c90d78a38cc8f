// Collects one source run: valid entries (one per paper), skipped items with reasons, the raw item count.
// Invariant: a paper seen twice in one run yields one entry (one observation), with its earliest dates kept.
import type { ParseResult, PaperEntry, SkippedEntry, SourceBatch, SourceFailure, SourceName } from './types.js';

export interface BatchCollector {
  add(result: ParseResult, where: string): void;
  readonly size: number;
  /** Raw items seen so far, valid ones, skipped ones (so a caller can tell what one part contributed). */
  readonly counts: { fetched: number; valid: number; skipped: number };
  /** The first skipped item since `from` skipped items (for "every item of that day was rejected"). */
  skippedSince(from: number): SkippedEntry | undefined;
  build(parts?: { attempted: number; failures: SourceFailure[] }): SourceBatch;
}

export function createBatchCollector(source: SourceName): BatchCollector {
  const entries = new Map<string, PaperEntry>();
  const skipped: SkippedEntry[] = [];
  let fetched = 0;
  let valid = 0;
  return {
    add(result, where) {
      fetched++;
      if (!result.ok) {
        skipped.push({ where, reason: result.reason });
        return;
      }
      valid++;
      const e = result.entry;
      const prev = entries.get(e.id);
      // The later sighting has the fresher counters; the earlier one knows when the paper first appeared.
      entries.set(
        e.id,
        prev
          ? { ...e, dailyDate: minDefined(prev.dailyDate, e.dailyDate), publishedAt: minDefined(prev.publishedAt, e.publishedAt), updateOnly: prev.updateOnly && e.updateOnly }
          : e,
      );
    },
    get size() {
      return entries.size;
    },
    get counts() {
      return { fetched, valid, skipped: skipped.length };
    },
    skippedSince: (from) => skipped[from],
    build: (parts = { attempted: 1, failures: [] }) => ({ source, entries: [...entries.values()], skipped, fetched, parts: parts.attempted, failures: parts.failures }),
  };
}

function minDefined(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
