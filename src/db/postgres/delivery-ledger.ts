// The delivery ledger on PostgreSQL (see DeliveryLedger in src/db/stores/sending.ts): constant SQL texts. Several
// senders claim at once: the claim picks rows FOR UPDATE SKIP LOCKED, so a row another sender is claiming in the
// same instant is passed over instead of waited for, and the conditional `status = 'pending'` keeps a row from ever
// being claimed twice. Each recordAndClaim is one transaction on one client.
import type { PgPool } from './pool.js';
import { all, inTransaction, one, type Queryable } from './transaction.js';
import type { ClaimedDelivery, ClaimRequest, DeliveryLedger, LedgerTransition, LedgerWrite } from '../stores/sending.js';

type Row = Omit<ClaimedDelivery, 'sections'> & { selection_json: unknown };

const EDITION_FILTER = '($2::bigint IS NULL OR d.edition_id = $2)';
const SKIP_DEPARTED = `UPDATE deliveries SET status = 'skipped', error = 'subscriber no longer active', updated_at = $1
  WHERE id IN (SELECT d.id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
    WHERE d.status = 'pending' AND d.id > $3 AND d.id <= $4 AND s.status <> 'active' AND ${EDITION_FILTER})`;
const PENDING_IDS = "SELECT min(id) AS lo, max(id) AS hi FROM deliveries WHERE status = 'pending'";
const COUNT_DUE = `SELECT count(*) AS n FROM deliveries d WHERE d.status IN ('pending', 'sending') AND d.due_at <= $1 AND ${EDITION_FILTER}`;
const NEXT_RETRY = `SELECT min(d.next_attempt_at) AS at FROM deliveries d
  WHERE d.status = 'pending' AND d.due_at <= $1 AND d.next_attempt_at > $1 AND ${EDITION_FILTER}`;
const EMAIL_OF = "SELECT email FROM subscribers WHERE id = $1 AND status = 'active'";
const ANY_DUE = `SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'pending' AND due_at <= $1
  AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) AS due`;
// The never-twice ledger's retention: per old edition, a batch of its digests at a time (subscriber order).
const OLD_EDITIONS = 'SELECT id FROM editions WHERE date < $1 ORDER BY id';
const PRUNE_BATCH = `DELETE FROM sent_papers WHERE edition_id = $1 AND subscriber_id IN (
  SELECT subscriber_id FROM sent_papers WHERE edition_id = $1 ORDER BY subscriber_id LIMIT $2)`;
const CLAIM = `WITH picked AS (
    SELECT d.id FROM deliveries d
    JOIN subscribers s ON s.id = d.subscriber_id
    JOIN editions e ON e.id = d.edition_id AND e.status = 'ready'
    WHERE d.status = 'pending' AND d.id > $4 AND d.due_at <= $1 AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $1)
      AND s.status = 'active' AND ${EDITION_FILTER}
    ORDER BY d.id LIMIT $5
    FOR UPDATE OF d SKIP LOCKED)
  UPDATE deliveries d SET status = 'sending', claimed_at = $1, claim_owner = $3, updated_at = $1
  FROM picked WHERE d.id = picked.id AND d.status = 'pending'
  RETURNING d.id, d.edition_id, d.subscriber_id, d.selection_json, d.message_id, d.attempts, d.kind`;
const MARK_SENT = `UPDATE deliveries SET status = 'sent', sent_at = $3, smtp_response = $4, error = NULL, attempts = attempts + 1,
  claim_owner = NULL, updated_at = $3 WHERE id = $1 AND status = 'sending' AND claim_owner = $2`;
const MARK_SENT_REQUEUED = `UPDATE deliveries SET status = 'sent', sent_at = $2, smtp_response = $3, error = NULL, attempts = attempts + 1,
  updated_at = $2 WHERE id = $1 AND status = 'pending'`;
// The paper ids of the accepted selection, in the order the reader saw them.
const RECORD_PAPERS = `INSERT INTO sent_papers (edition_id, subscriber_id, papers_json)
  SELECT d.edition_id, d.subscriber_id, jsonb_agg(p.value ->> 'id' ORDER BY s.ord, p.ord)
  FROM deliveries d
  CROSS JOIN LATERAL jsonb_array_elements(d.selection_json) WITH ORDINALITY AS s(value, ord)
  CROSS JOIN LATERAL jsonb_array_elements(s.value -> 'papers') WITH ORDINALITY AS p(value, ord)
  WHERE d.id = $1 GROUP BY d.edition_id, d.subscriber_id
  ON CONFLICT DO NOTHING`;
const MARK_RETRY = `UPDATE deliveries SET status = 'pending', next_attempt_at = $4, error = $5, claim_owner = NULL,
  attempts = attempts + $6, updated_at = $3 WHERE id = $1 AND status = 'sending' AND claim_owner = $2`;
const MARK_GONE = `UPDATE deliveries SET status = 'skipped', error = 'subscriber no longer active', claim_owner = NULL, updated_at = $3
  WHERE id = $1 AND status = 'sending' AND claim_owner = $2`;
const MARK_FAILED = `UPDATE deliveries SET status = 'failed', error = $4, attempts = attempts + 1, claim_owner = NULL, updated_at = $3
  WHERE id = $1 AND status = 'sending' AND claim_owner = $2`;
const MARK_BOUNCED = `UPDATE deliveries SET status = 'bounced', error = $4, attempts = attempts + 1, claim_owner = NULL, updated_at = $3
  WHERE id = $1 AND status = 'sending' AND claim_owner = $2`;
const BOUNCE_SUBSCRIBER = `UPDATE subscribers SET status = 'bounced', bounced_at = $2, bounce_reason = $3, updated_at = $2
  WHERE id = $1 AND status = 'active'`;

// The common write, in one statement (one round trip instead of a transaction's five or more): the batch's accepted
// messages marked sent under this sender's claim, their papers entered in the never-twice ledger, and the next claim
// (LIMIT 0 when none is asked). A statement is atomic on its own; its data-modifying parts touch disjoint rows (the
// sender's `sending` ones, other `pending` ones).
const SENT_AND_CLAIM = `WITH sent AS (
    UPDATE deliveries d SET status = 'sent', sent_at = $3, smtp_response = u.response, error = NULL, attempts = d.attempts + 1,
      claim_owner = NULL, updated_at = $3
    FROM unnest($1::bigint[], $4::text[]) AS u(id, response)
    WHERE d.id = u.id AND d.status = 'sending' AND d.claim_owner = $2
    RETURNING d.id, d.edition_id, d.subscriber_id, d.selection_json),
  papers AS (
    INSERT INTO sent_papers (edition_id, subscriber_id, papers_json)
    SELECT sent.edition_id, sent.subscriber_id, jsonb_agg(p.value ->> 'id' ORDER BY s.ord, p.ord)
    FROM sent
    CROSS JOIN LATERAL jsonb_array_elements(sent.selection_json) WITH ORDINALITY AS s(value, ord)
    CROSS JOIN LATERAL jsonb_array_elements(s.value -> 'papers') WITH ORDINALITY AS p(value, ord)
    GROUP BY sent.edition_id, sent.subscriber_id
    ON CONFLICT DO NOTHING),
  picked AS (
    SELECT d.id FROM deliveries d
    JOIN subscribers s ON s.id = d.subscriber_id
    JOIN editions e ON e.id = d.edition_id AND e.status = 'ready'
    WHERE d.status = 'pending' AND d.id > $5 AND d.due_at <= $3 AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $3)
      AND s.status = 'active' AND ($7::bigint IS NULL OR d.edition_id = $7)
    ORDER BY d.id LIMIT $6
    FOR UPDATE OF d SKIP LOCKED),
  claimed AS (
    UPDATE deliveries d SET status = 'sending', claimed_at = $3, claim_owner = $2, updated_at = $3
    FROM picked WHERE d.id = picked.id AND d.status = 'pending'
    RETURNING d.id, d.edition_id, d.subscriber_id, d.selection_json, d.message_id, d.attempts, d.kind)
  SELECT (SELECT coalesce(json_agg(id), '[]') FROM sent) AS sent, (SELECT coalesce(json_agg(claimed), '[]') FROM claimed) AS claimed`;

const changed = async (q: Queryable, text: string, values: unknown[]) => ((await q.query(text, values)).rowCount ?? 0) > 0;

async function apply(c: Queryable, owner: string, now: string, t: LedgerTransition, out: LedgerWrite): Promise<boolean> {
  switch (t.to) {
    case 'sent':
      if (!(await changed(c, MARK_SENT, [t.id, owner, now, t.response]))) {
        if (!(await changed(c, MARK_SENT_REQUEUED, [t.id, now, t.response]))) return false;
        out.sentAfterRequeue.push(t.id);
      }
      await c.query(RECORD_PAPERS, [t.id]);
      return true;
    case 'gone':
      return changed(c, MARK_GONE, [t.id, owner, now]);
    case 'retry':
      return changed(c, MARK_RETRY, [t.id, owner, now, t.next, t.error, t.counted ? 1 : 0]);
    case 'failed':
      return changed(c, MARK_FAILED, [t.id, owner, now, t.error]);
    case 'bounced': {
      const ok = await changed(c, MARK_BOUNCED, [t.id, owner, now, t.error]);
      if (ok) await c.query(BOUNCE_SUBSCRIBER, [t.subscriberId, now, t.error]);
      return ok;
    }
  }
}

/** Claimed rows as the sender takes them, in id order. */
const toClaimed = (rows: Row[]): ClaimedDelivery[] =>
  rows.sort((a, b) => a.id - b.id).map(({ selection_json, ...d }) => ({ ...d, sections: selection_json }));

export function createPostgresDeliveryLedger(pool: PgPool): DeliveryLedger {
  /**
   * Accepted messages and the next claim in one statement. A `sent` whose claim is no longer this sender's (the crash
   * rule requeued it meanwhile) is recorded after, in a transaction of its own, as the general path records it.
   */
  const sentAndClaim = async (owner: string, now: string, sent: readonly (LedgerTransition & { to: 'sent' })[], req: ClaimRequest | null): Promise<LedgerWrite> => {
    const row = (await one<{ sent: number[]; claimed: Row[] }>(pool, SENT_AND_CLAIM, [
      sent.map((t) => t.id),
      owner,
      now,
      sent.map((t) => t.response),
      req?.cursor ?? 0,
      req ? Math.max(0, req.limit) : 0,
      req?.editionId ?? null,
    ]))!;
    const done = new Set(row.sent);
    const out: LedgerWrite = { applied: sent.map((t) => done.has(t.id)), sentAfterRequeue: [], claimed: req ? toClaimed(row.claimed) : [] };
    const requeued = sent.filter((t) => !done.has(t.id));
    if (requeued.length)
      await inTransaction(pool, async (c) => {
        for (const t of requeued) {
          if (!(await changed(c, MARK_SENT_REQUEUED, [t.id, now, t.response]))) continue;
          await c.query(RECORD_PAPERS, [t.id]);
          out.sentAfterRequeue.push(t.id);
          out.applied[sent.indexOf(t)] = true;
        }
      });
    return out;
  };

  return {
    recordAndClaim: (owner, now, transitions, req) =>
      transitions.every((t) => t.to === 'sent')
        ? sentAndClaim(owner, now, transitions as (LedgerTransition & { to: 'sent' })[], req)
        : inTransaction(pool, async (c) => {
        const out: LedgerWrite = { applied: [], sentAfterRequeue: [], claimed: [] };
        for (const t of transitions) out.applied.push(await apply(c, owner, now, t, out));
        if (req && req.limit > 0) out.claimed = toClaimed(await all<Row>(c, CLAIM, [now, req.editionId, owner, req.cursor, req.limit]));
        return out;
      }),
    skipDeparted: async (now, editionId, lo, hi) => (await pool.query(SKIP_DEPARTED, [now, editionId, lo, hi])).rowCount ?? 0,
    pendingIdRange: async () => (await one<{ lo: number | null; hi: number | null }>(pool, PENDING_IDS))!,
    countDue: async (now, editionId) => (await one<{ n: number }>(pool, COUNT_DUE, [now, editionId]))!.n,
    nextRetryAt: async (now, editionId) => (await one<{ at: string | null }>(pool, NEXT_RETRY, [now, editionId]))?.at ?? null,
    activeEmail: async (subscriberId) => (await one<{ email: string }>(pool, EMAIL_OF, [subscriberId]))?.email,
    anyDue: async (now) => (await one<{ due: boolean }>(pool, ANY_DUE, [now]))!.due,
    async pruneSentPapers(beforeDate, o = {}) {
      const batch = o.batchSize ?? 2000;
      const pause = o.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
      let deleted = 0;
      for (const { id } of await all<{ id: number }>(pool, OLD_EDITIONS, [beforeDate])) {
        for (;;) {
          const n = (await pool.query(PRUNE_BATCH, [id, batch])).rowCount ?? 0;
          deleted += n;
          if (n < batch) break;
          await pause();
        }
      }
      return deleted;
    },
  };
}
