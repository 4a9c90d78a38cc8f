// The never-twice ledger: the papers each subscriber's accepted emails carried, one row per accepted digest (its
// paper ids as a JSON array, keyed by edition then subscriber). A row is written when the SMTP server accepted that
// subscriber's delivery — a bounced or finally failed one never counts, so its papers are released — and a delivery
// still outstanding (pending, sending) holds its papers back too. Rows older than what the rule can need (the
// candidate window plus a margin) are pruned in small batches.
import type { Db } from './open.js';

/** Editions this many days older than the candidate window are kept too: a catch-up or re-run of a recent date. */
export const LEDGER_MARGIN_DAYS = 7;

type Had = Map<number, Set<string>>;

export function createSentPapersRepo(db: Db) {
  // One statement per accepted delivery: the paper ids come out of its selection in SQL (json_each), not JS.
  const recordAccepted = db.prepare<[number]>(
    `INSERT OR IGNORE INTO sent_papers (edition_id, subscriber_id, papers_json)
     SELECT d.edition_id, d.subscriber_id, json_group_array(json_extract(p.value, '$.id'))
     FROM deliveries d, json_each(d.selection_json) s, json_each(s.value, '$.papers') p
     WHERE d.id = ? GROUP BY d.id`,
  );
  // Per recent edition one range seek on (edition_id, subscriber_id): a page of subscribers reads one row per
  // edition each, never a subscriber's whole history. CROSS JOIN pins the editions as the outer loop.
  const sentInRange = db.prepare<[number, number, string, string], { subscriber_id: number; papers_json: string }>(
    `SELECT sp.subscriber_id, sp.papers_json FROM editions e
     CROSS JOIN sent_papers sp ON sp.edition_id = e.id AND sp.subscriber_id > ? AND sp.subscriber_id <= ?
     WHERE e.date >= ? AND e.date < ?`,
  );
  // Outstanding deliveries of other editions: normally none (everything was accepted or given up on), so the
  // partial index makes this a seek that finds nothing.
  const outstandingInRange = db.prepare<[number, number, number], { subscriber_id: number; paper_id: string }>(
    `SELECT d.subscriber_id, json_extract(p.value, '$.id') AS paper_id
     FROM deliveries d INDEXED BY deliveries_outstanding, json_each(d.selection_json) s, json_each(s.value, '$.papers') p
     WHERE d.status IN ('pending', 'sending') AND d.subscriber_id > ? AND d.subscriber_id <= ? AND d.edition_id <> ?`,
  );
  const oldEditions = db.prepare<[string], { id: number }>('SELECT id FROM editions WHERE date < ? ORDER BY id');
  const pruneBatch = db.prepare<[number, number, number]>(
    `DELETE FROM sent_papers WHERE edition_id = ? AND subscriber_id IN (
       SELECT subscriber_id FROM sent_papers WHERE edition_id = ? ORDER BY subscriber_id LIMIT ?)`,
  );
  const insertDigest = db.prepare<[number, number, string]>('INSERT OR IGNORE INTO sent_papers (edition_id, subscriber_id, papers_json) VALUES (?, ?, ?)');
  const pageBytes = db.prepare<[], { bytes: number }>("SELECT coalesce(sum(pgsize), 0) AS bytes FROM dbstat WHERE name IN ('sent_papers', 'sent_papers_subscriber')");
  const size = db.prepare<[], { digests: number; papers: number }>(
    'SELECT count(*) AS digests, coalesce(sum(json_array_length(papers_json)), 0) AS papers FROM sent_papers',
  );

  const add = (out: Had, subscriberId: number, paperId: string) => {
    const set = out.get(subscriberId);
    if (set) set.add(paperId);
    else out.set(subscriberId, new Set([paperId]));
  };

  /**
   * Papers sent to subscribers with ids in (afterId, lastId] by editions dated from `fromDate` (and before
   * `beforeDate`). A paper that appeared on or after fromDate cannot have been in an older edition, so this is
   * all the never-twice rule needs for candidates of that window, without reading a subscriber's whole history.
   */
  function sentSince(fromDate: string, afterId: number, lastId: number, beforeDate = '9999-12-31'): Had {
    const out: Had = new Map();
    for (const r of sentInRange.iterate(afterId, lastId, fromDate, beforeDate))
      for (const id of JSON.parse(r.papers_json) as string[]) add(out, r.subscriber_id, id);
    return out;
  }

  return {
    /** The SMTP server accepted this delivery: its papers count as sent to its subscriber. */
    recordAccepted(deliveryId: number): void {
      recordAccepted.run(deliveryId);
    },

    /**
     * Writes one accepted digest's papers directly (what recordAccepted derives from a delivery row): for tools
     * that rebuild or simulate a ledger, such as the ranking benchmark.
     */
    recordDigest(editionId: number, subscriberId: number, paperIds: readonly string[]): void {
      insertDigest.run(editionId, subscriberId, JSON.stringify(paperIds));
    },

    sentSince,

    /**
     * What the never-twice rule excludes for those subscribers: papers of accepted deliveries (sentSince) plus
     * papers of deliveries still outstanding in another edition than `editionId` (they may yet be accepted).
     */
    alreadyHad(fromDate: string, afterId: number, lastId: number, editionId: number, beforeDate = '9999-12-31'): Had {
      const out = sentSince(fromDate, afterId, lastId, beforeDate);
      for (const r of outstandingInRange.iterate(afterId, lastId, editionId)) add(out, r.subscriber_id, r.paper_id);
      return out;
    },

    /**
     * Deletes the ledger rows of editions dated before `beforeDate`, at most `batchSize` digests per statement
     * (each its own short write transaction), yielding between batches so the server keeps answering. Returns
     * the number of digests (rows) deleted.
     */
    async prune(beforeDate: string, o: { batchSize?: number; pause?: () => Promise<void> } = {}): Promise<number> {
      const batch = o.batchSize ?? 2000;
      const pause = o.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
      let deleted = 0;
      for (const { id } of oldEditions.all(beforeDate)) {
        for (;;) {
          const n = pruneBatch.run(id, id, batch).changes;
          deleted += n;
          if (n < batch) break;
          await pause();
        }
      }
      return deleted;
    },

    /** Rows (accepted digests) and the paper entries they hold. */
    size(): { digests: number; papers: number } {
      return size.get()!;
    },

    /** Bytes the table and its index take in the database file (reads every page: for reports, not hot paths). */
    diskBytes(): number {
      return pageBytes.get()!.bytes;
    },
  };
}

export type SentPapersRepo = ReturnType<typeof createSentPapersRepo>;
