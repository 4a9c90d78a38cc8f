// The subscribe spool on SQLite (migration 0016): subscribe requests kept as they arrived while the site is busy, and
// applied later by the intake (src/subscribers/intake.ts). Keeping a batch is one append to the end of one table — no
// lookup by address, no index of subscribers touched — which is what lets the intake keep up with a burst of sign-ups
// without taking the CPU the HTTP thread answers them with. Applying takes the oldest rows, records them through the
// subscribers' group commit and deletes them, all in one IMMEDIATE transaction: a row is applied exactly once, by
// whichever process gets there first, and a crash leaves it either applied and gone or still here.
import { z } from 'zod';
import type { Db } from '../open.js';
import type { RequestFailed, SubscribeOutcome, SubscribeRequest, SubscribeTerms } from '../stores/subscribers.js';

/** A request as the intake keeps it: its content and the time it was answered. */
export interface SpooledRequest {
  request: SubscribeRequest;
  at: string;
}

/** What applying one spooled request did, with the request's time (its confirmation window is taken at it). */
export interface AppliedRequest {
  at: string;
  outcome: SubscribeOutcome | RequestFailed;
}

type GroupCommit = (items: readonly { request: SubscribeRequest; terms: SubscribeTerms }[]) => (SubscribeOutcome | RequestFailed)[];

// What the spool's JSON must hold to be applied; a row that does not (written by another version, or damaged) is
// reported as a failed request and removed with its batch, never retried for ever.
const storedRequest = z.object({
  email: z.string().min(3).max(320),
  topics: z.array(z.string()).optional(),
  timezone: z.string().optional(),
  hour: z.number().int().min(0).max(23).optional(),
});

/** Whether any request waits in the spool (at startup: someone must apply what a stopped process left). */
export function hasSpooledSubscribeRequests(db: Db): boolean {
  return db.prepare('SELECT EXISTS (SELECT 1 FROM subscribe_spool) AS n').pluck().get() === 1;
}

export function createSqliteSubscribeSpool(db: Db, groupCommit: GroupCommit) {
  const append = db.prepare('INSERT INTO subscribe_spool (received_at, email, request) VALUES (?, ?, ?)');
  const oldest = db.prepare<[number], { id: number; received_at: string; request: string }>(
    'SELECT id, received_at, request FROM subscribe_spool ORDER BY id LIMIT ?',
  );
  const removeThrough = db.prepare('DELETE FROM subscribe_spool WHERE id <= ?');

  const keep = db.transaction((items: readonly SpooledRequest[]) => {
    for (const { request, at } of items) append.run(at, request.email, JSON.stringify(request));
  });
  const apply = db.transaction((limit: number, resendMinutes: number): AppliedRequest[] => {
    const rows = oldest.all(limit);
    if (!rows.length) return [];
    const parsed = rows.map((r): SubscribeRequest | RequestFailed => {
      try {
        return storedRequest.parse(JSON.parse(r.request));
      } catch (err) {
        return { failed: err };
      }
    });
    const valid = parsed.flatMap((p, i) => ('failed' in p ? [] : [{ request: p, terms: { now: rows[i]!.received_at, resendMinutes } }]));
    const outcomes = valid.length ? groupCommit(valid) : [];
    let k = 0;
    const applied = rows.map((r, i) => {
      const p = parsed[i]!;
      return { at: r.received_at, outcome: 'failed' in p ? p : outcomes[k++]! };
    });
    removeThrough.run(rows[rows.length - 1]!.id);
    return applied;
  });

  return {
    /** Keeps a batch, in one transaction. */
    keep: (items: readonly SpooledRequest[]): void => keep.immediate(items),
    /**
     * Applies the `limit` oldest requests, in order, through the subscribers' group commit, and removes them — one
     * transaction. An empty array: the spool is empty. A database error rejects and leaves every row where it was.
     */
    apply: (limit: number, resendMinutes: number): AppliedRequest[] => apply.immediate(limit, resendMinutes),
  };
}
