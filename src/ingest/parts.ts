// Runs a source part by part (an HF day, an arXiv category, a feed file): a part that fails — bad payload, HTTP
// error, timeout, or every one of its items rejected — is recorded with its cause and the other parts carry on.
// Invariant: one bad day never hides the others; only cancellation (shutdown) stops the whole source.
import { AppError, describeError } from '../lib/errors.js';
import type { BatchCollector } from './batch.js';
import type { SourceBatch, SourceFailure, SourceProgress } from './types.js';

export interface PartRun<P> {
  label: (part: P) => string;
  /** Fetches one part into the batch; throws on a whole-part failure. */
  fetch: (part: P) => Promise<void>;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: SourceProgress) => void) | undefined;
}

export async function fetchParts<P>(batch: BatchCollector, parts: readonly P[], run: PartRun<P>): Promise<SourceBatch> {
  const failures: SourceFailure[] = [];
  for (const [i, part] of parts.entries()) {
    const label = run.label(part);
    run.onProgress?.({ done: i, total: parts.length, label });
    const before = batch.counts;
    try {
      await run.fetch(part);
    } catch (err) {
      // Cancelled (shutdown): stop the whole source, as before; the job records the run as interrupted.
      if (run.signal?.aborted || (err instanceof AppError && err.code === 'HTTP_ABORTED')) throw err;
      failures.push({ part: label, code: err instanceof AppError ? err.code : 'SOURCE_PART_FAILED', error: describeError(err) });
      continue;
    }
    const after = batch.counts;
    // A day whose every item was rejected is a failed day, not an empty one: the source changed its format.
    if (after.fetched > before.fetched && after.valid === before.valid) {
      const first = batch.skippedSince(before.skipped);
      failures.push({
        part: label,
        code: 'SOURCE_PART_REJECTED',
        error: `SOURCE_PART_REJECTED: every item of ${label} was rejected (${after.fetched - before.fetched})${first ? `; the first, ${first.where}: ${first.reason}` : ''}`,
      });
    }
  }
  run.onProgress?.({ done: parts.length, total: parts.length, label: 'done' });
  return batch.build({ attempted: parts.length, failures });
}

/** "hf 2025-01-10: …; hf 2025-01-13: …": what failed, for logs, the ingest-run record and an empty edition's reason. */
export function describeFailures(failures: readonly SourceFailure[]): string {
  return failures.map((f) => f.error).join('; ');
}
