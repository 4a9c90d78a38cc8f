// The never-twice ledger: the papers each subscriber's accepted emails carried. A row is written when the SMTP
// server accepted that subscriber's delivery (a bounced or finally failed one never counts, so its papers are
// released); a delivery still outstanding (pending, sending) holds its papers back too. Rows older than what
// the rule can need (the candidate window plus a margin) are pruned in small batches.
import type { Db } from './open.js';

/** Editions this many days older than the candidate window are kept too: a catch-up or re-run of a recent date. */
export const LEDGER_MARGIN_DAYS = 7;

export function createSentPapersRepo(db: Db) {
  // One statement per accepted delivery: the paper ids come out of its selection in SQL (json_each), not JS.
  const recordAccepted = db.prepare<[number]>(
    `INSERT OR IGNORE INTO sent_papers (subscriber_id, paper_id, edition_id)
     SELECT d.subscriber_id, json_extract(p.value, '$.id'), d.edition_id
     FROM deliveries d, json_each(d.selection_json) s, json_each(s.value, '$.papers') p
     WHERE d.id = ?`,
  );
  // Per subscriber one index seek on (subscriber_id, edition_id) per recent edition: a long history is never read.
  // CROSS JOIN pins subscribers as the outer loop; otherwise the planner may range-scan every row of the page.
  const sentInRange = db.prepare<[string, string, number, number], { subscriber_id: number; paper_id: string }>(
    `SELECT s.id AS subscriber_id, sp.paper_id FROM subscribers s
     CROSS JOIN sent_papers sp INDEXED BY sent_papers_subscriber_edition
       ON sp.subscriber_id = s.id AND sp.edition_id IN (SELECT id FROM editions WHERE date >= ? AND date < ?)
     WHERE s.id > ? AND s.id <= ?`,
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
    `DELETE FROM sent_papers WHERE edition_id = ? AND (subscriber_id, paper_id) IN (
       SELECT subscriber_id, paper_id FROM sent_papers INDEXED BY sent_papers_edition WHERE edition_id = ? LIMIT ?)`,
  );
  const countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sent_papers');

  const collect = (rows: Iterable<{ subscriber_id: number; paper_id: string }>, out: Map<number, Set<string>>) => {
    for (const r of rows) {
      const set = out.get(r.subscriber_id);
      if (set) set.add(r.paper_id);
      else out.set(r.subscriber_id, new Set([r.paper_id]));
    }
    return out;
  };

  const sentSince = (fromDate: string, afterId: number, lastId: number, beforeDate = '9999-12-31') =>
    collect(sentInRange.iterate(fromDate, beforeDate, afterId, lastId), new Map());

  return {
    /** The SMTP server accepted this delivery: its papers count as sent to its subscriber. */
    recordAccepted(deliveryId: number): void {
      recordAccepted.run(deliveryId);
    },

    /**
     * Papers sent to subscribers with ids in (afterId, lastId] by editions dated from `fromDate` (and before
     * `beforeDate`). A paper that appeared on or after fromDate cannot have been in an older edition, so this is
     * all the never-twice rule needs for candidates of that window, without reading a subscriber's whole history.
     */
    sentSince: sentSince as (fromDate: string, afterId: number, lastId: number, beforeDate?: string) => Map<number, Set<string>>,

    /**
     * What the never-twice rule excludes for those subscribers: papers of accepted deliveries (sentSince) plus
     * papers of deliveries still outstanding in another edition than `editionId` (they may yet be accepted).
     */
    alreadyHad(fromDate: string, afterId: number, lastId: number, editionId: number, beforeDate = '9999-12-31'): Map<number, Set<string>> {
      return collect(outstandingInRange.iterate(afterId, lastId, editionId), sentSince(fromDate, afterId, lastId, beforeDate));
    },

    /**
     * Deletes the ledger rows of editions dated before `beforeDate`, at most `batchSize` rows per statement (each
     * its own short write transaction), yielding between batches so the server keeps answering. Returns the count.
     */
    async prune(beforeDate: string, o: { batchSize?: number; pause?: () => Promise<void> } = {}): Promise<number> {
      const batch = o.batchSize ?? 5000;
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

    count(): number {
      return countAll.get()!.n;
    },
  };
}

export type SentPapersRepo = ReturnType<typeof createSentPapersRepo>;
