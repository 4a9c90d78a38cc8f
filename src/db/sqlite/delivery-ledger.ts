// The delivery ledger on SQLite (see DeliveryLedger in src/db/stores/sending.ts): statements prepared once; a
// claim is one conditional UPDATE … RETURNING walking deliveries_claim from the sender's cursor, and SQLite's single
// writer makes it atomic. Each recordAndClaim is one IMMEDIATE transaction: about one commit per batch of messages.
import type { Db } from '../open.js';
import { createSentPapersRepo, type SentPapersRepo } from '../sent-papers-repo.js';
import type { ClaimedDelivery, DeliveryLedger, LedgerTransition, LedgerWrite } from '../stores/sending.js';

type Row = Omit<ClaimedDelivery, 'sections'> & { selection_json: string };

/** Ids per window of countDue: 15–30 ms of row reads each (10,000 took up to 130 ms on a loaded machine). */
const COUNT_WINDOW = 5_000;

export function createSqliteDeliveryLedger(db: Db): DeliveryLedger {
  const editionFilter = '(@editionId IS NULL OR d.edition_id = @editionId)';
  const skipDeparted = db.prepare(`UPDATE deliveries SET status = 'skipped', error = 'subscriber no longer active', updated_at = @now
    WHERE id IN (SELECT d.id FROM deliveries d INDEXED BY deliveries_claim JOIN subscribers s ON s.id = d.subscriber_id
      WHERE d.status = 'pending' AND d.id > @lo AND d.id <= @hi AND s.status <> 'active' AND ${editionFilter})`);
  // The ids of one status, by two index probes (deliveries_claim is (status, id)): without INDEXED BY the planner
  // walked deliveries_queue, 60–80 ms at 170,000 pending rows.
  type IdRange = { lo: number | null; hi: number | null };
  const idRange = db.prepare<[string, string], IdRange>(
    `SELECT (SELECT min(id) FROM deliveries INDEXED BY deliveries_claim WHERE status = ?) AS lo,
            (SELECT max(id) FROM deliveries INDEXED BY deliveries_claim WHERE status = ?) AS hi`,
  );
  const idsWith = (status: 'pending' | 'sending'): IdRange => idRange.get(status, status)!;
  /** The ids of every pending or sending delivery (an IN over both statuses would scan their rows, not probe). */
  const outstandingIds = (): IdRange => {
    const ranges = [idsWith('pending'), idsWith('sending')].filter((r) => r.lo !== null && r.hi !== null);
    return ranges.length ? { lo: Math.min(...ranges.map((r) => r.lo!)), hi: Math.max(...ranges.map((r) => r.hi!)) } : { lo: null, hi: null };
  };
  // Counted a window of ids at a time, the event loop free between windows: the due_at and edition of every row are
  // read from the table, and in one statement that was 520–670 ms at 170,000 pending rows (seconds at a million),
  // held on the server's thread at the start of every send.
  const countDueIn = db.prepare<{ now: string; editionId: number | null; lo: number; hi: number }, { n: number }>(`SELECT count(*) AS n
    FROM deliveries d INDEXED BY deliveries_claim
    WHERE d.status IN ('pending', 'sending') AND d.id > @lo AND d.id <= @hi AND d.due_at <= @now AND ${editionFilter}`);
  const countDue = async (now: string, editionId: number | null): Promise<number> => {
    const { lo, hi } = outstandingIds();
    if (lo === null || hi === null) return 0;
    let n = 0;
    for (let from = lo - 1; from < hi; from += COUNT_WINDOW) {
      n += countDueIn.get({ now, editionId, lo: from, hi: from + COUNT_WINDOW })!.n;
      if (from + COUNT_WINDOW < hi) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return n;
  };
  const claim = db.prepare<{ now: string; owner: string; cursor: number; limit: number; editionId: number | null }, Row>(
    `UPDATE deliveries SET status = 'sending', claimed_at = @now, claim_owner = @owner, updated_at = @now
     WHERE status = 'pending' AND id IN (
       SELECT d.id FROM deliveries d INDEXED BY deliveries_claim JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.status = 'pending' AND d.id > @cursor AND d.due_at <= @now
         AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= @now) AND s.status = 'active' AND ${editionFilter}
         AND d.edition_id IN (SELECT id FROM editions WHERE status = 'ready')
       ORDER BY d.id LIMIT @limit)
     RETURNING id, edition_id, subscriber_id, selection_json, message_id, attempts, kind`,
  );
  const nextRetryAt = db.prepare<{ now: string; editionId: number | null }, { at: string | null }>(`SELECT min(d.next_attempt_at) AS at
    FROM deliveries d WHERE d.status = 'pending' AND d.due_at <= @now AND d.next_attempt_at > @now AND ${editionFilter}`);
  const emailOf = db.prepare<[number], { email: string }>("SELECT email FROM subscribers WHERE id = ? AND status = 'active'");
  // Indexed (deliveries_queue): a row or two, so a tick with nothing due costs nothing.
  const anyDue = db.prepare<{ now: string }, { one: number }>(
    `SELECT 1 AS one FROM deliveries WHERE status = 'pending' AND due_at <= @now AND (next_attempt_at IS NULL OR next_attempt_at <= @now) LIMIT 1`,
  );
  // The never-twice ledger's statements (src/db/sent-papers-repo.ts), prepared at the first prune.
  let sentPapers: SentPapersRepo | undefined;
  // An attempt is counted when its outcome is recorded, not at the claim.
  const markSent = db.prepare(`UPDATE deliveries SET status = 'sent', sent_at = @now, smtp_response = @response, error = NULL,
    attempts = attempts + 1, claim_owner = NULL, updated_at = @now WHERE id = @id AND status = 'sending' AND claim_owner = @owner`);
  const markSentRequeued = db.prepare(`UPDATE deliveries SET status = 'sent', sent_at = @now, smtp_response = @response, error = NULL,
    attempts = attempts + 1, updated_at = @now WHERE id = @id AND status = 'pending'`);
  const recordPapers = db.prepare<[number]>(
    `INSERT OR IGNORE INTO sent_papers (edition_id, subscriber_id, papers_json)
     SELECT d.edition_id, d.subscriber_id, json_group_array(json_extract(p.value, '$.id'))
     FROM deliveries d, json_each(d.selection_json) s, json_each(s.value, '$.papers') p
     WHERE d.id = ? GROUP BY d.id`,
  );
  const markRetry = db.prepare(`UPDATE deliveries SET status = 'pending', next_attempt_at = @next, error = @error, claim_owner = NULL,
    attempts = attempts + @counted, updated_at = @now WHERE id = @id AND status = 'sending' AND claim_owner = @owner`);
  const markGone = db.prepare(`UPDATE deliveries SET status = 'skipped', error = 'subscriber no longer active', claim_owner = NULL,
    updated_at = @now WHERE id = @id AND status = 'sending' AND claim_owner = @owner`);
  const markFailed = db.prepare(`UPDATE deliveries SET status = 'failed', error = @error, attempts = attempts + 1, claim_owner = NULL,
    updated_at = @now WHERE id = @id AND status = 'sending' AND claim_owner = @owner`);
  const markBounced = db.prepare(`UPDATE deliveries SET status = 'bounced', error = @error, attempts = attempts + 1, claim_owner = NULL,
    updated_at = @now WHERE id = @id AND status = 'sending' AND claim_owner = @owner`);
  const bounceSubscriber = db.prepare(`UPDATE subscribers SET status = 'bounced', bounced_at = @now, bounce_reason = @error, updated_at = @now
    WHERE id = @id AND status = 'active'`);

  const apply = (owner: string, now: string, t: LedgerTransition, out: LedgerWrite): boolean => {
    switch (t.to) {
      case 'sent': {
        const row = { id: t.id, owner, now, response: t.response };
        if (markSent.run(row).changes === 0) {
          if (markSentRequeued.run(row).changes === 0) return false;
          out.sentAfterRequeue.push(t.id);
        }
        recordPapers.run(t.id);
        return true;
      }
      case 'gone':
        return markGone.run({ id: t.id, owner, now }).changes === 1;
      case 'retry':
        return markRetry.run({ id: t.id, owner, now, error: t.error, next: t.next, counted: t.counted ? 1 : 0 }).changes === 1;
      case 'failed':
        return markFailed.run({ id: t.id, owner, now, error: t.error }).changes === 1;
      case 'bounced': {
        const ok = markBounced.run({ id: t.id, owner, now, error: t.error }).changes === 1;
        if (ok) bounceSubscriber.run({ id: t.subscriberId, now, error: t.error });
        return ok;
      }
    }
  };

  const write = db.transaction((owner: string, now: string, transitions: readonly LedgerTransition[], req: Parameters<DeliveryLedger['recordAndClaim']>[3]) => {
    const out: LedgerWrite = { applied: [], sentAfterRequeue: [], claimed: [] };
    for (const t of transitions) out.applied.push(apply(owner, now, t, out));
    if (req && req.limit > 0) {
      const rows = claim.all({ now, owner, cursor: req.cursor, limit: req.limit, editionId: req.editionId });
      rows.sort((a, b) => a.id - b.id);
      out.claimed = rows.map(({ selection_json, ...d }) => ({ ...d, sections: JSON.parse(selection_json) as unknown }));
    }
    return out;
  });

  return {
    recordAndClaim: async (owner, now, transitions, req) => write.immediate(owner, now, transitions, req),
    skipDeparted: async (now, editionId, lo, hi) => skipDeparted.run({ now, editionId, lo, hi }).changes,
    pendingIdRange: async () => idsWith('pending'),
    countDue,
    nextRetryAt: async (now, editionId) => nextRetryAt.get({ now, editionId })?.at ?? null,
    activeEmail: async (subscriberId) => emailOf.get(subscriberId)?.email,
    anyDue: async (now) => !!anyDue.get({ now }),
    pruneSentPapers: (beforeDate, o) => (sentPapers ??= createSentPapersRepo(db)).prune(beforeDate, o),
  };
}
