// The preparation's writes (src/digest/prepare.ts): an edition decided empty or opened as `preparing` with its
// frozen audience, the audience read a page at a time, the edition's papers and one delivery per reader written in
// steps, the resume point moved on, the edition marked ready. The caller holds the transactions (one per step).
import type { Db } from './open.js';
import { oncePerDb } from './once-per-db.js';
import { createEditionsRepo } from './editions-repo.js';
import type { OpenedPreparation } from './stores/preparation.js';

export interface AudienceMember {
  id: number;
  timezone: string | null;
  delivery_hour: number | null;
  frequency: string;
  paused: number;
}

export const editionPreparationRepo = oncePerDb((db: Db) => {
  const deleteEmpty = db.prepare("DELETE FROM editions WHERE id = ? AND status = 'empty'");
  const insertEmpty = db.prepare("INSERT INTO editions (date, prepared_at, status, reason) VALUES (?, ?, 'empty', ?)");
  const maxSubscriberId = db.prepare<[], { m: number }>('SELECT coalesce(max(id), 0) AS m FROM subscribers');
  const insertPreparing = db.prepare(
    `INSERT INTO editions (date, prepared_at, status, subject, audience_max_id, audience_at, prepared_through)
     VALUES (?, ?, 'preparing', ?, ?, ?, 0)`,
  );
  // The frozen audience: subscribers_status (status, id) walks it in id order.
  const page = db.prepare<[number, number, string, number], AudienceMember>(
    `SELECT id, timezone, delivery_hour, frequency, paused FROM subscribers
     WHERE status = 'active' AND id > ? AND id <= ? AND coalesce(confirmed_at, '') <= ? ORDER BY id LIMIT ?`,
  );
  const insertPaper = db.prepare(
    'INSERT OR IGNORE INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertDelivery = db.prepare(`INSERT OR IGNORE INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, kind)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const moveOn = db.prepare("UPDATE editions SET prepared_through = ? WHERE id = ? AND status = 'preparing'");
  const markReady = db.prepare("UPDATE editions SET status = 'ready', prepared_through = ? WHERE id = ? AND status = 'preparing'");
  const editions = createEditionsRepo(db);
  // The decision, in one IMMEDIATE transaction (no other writer in between): a ready edition as it is, a preparing one
  // to resume; otherwise an earlier empty edition makes way, and the edition is written empty or opened 'preparing'
  // with its audience frozen (subscriber ids up to the largest now, confirmed by now).
  const open = db.transaction((date: string, now: string, decision: { emptyReason: string } | { subject: string }): OpenedPreparation => {
    const again = editions.getByDate(date);
    if (again?.status === 'ready') return { outcome: 'ready', edition: again };
    if (again?.status === 'preparing') return { outcome: 'resumed', edition: again };
    if (again) deleteEmpty.run(again.id);
    if ('emptyReason' in decision) {
      insertEmpty.run(date, now, decision.emptyReason);
      return { outcome: 'empty', edition: editions.getByDate(date)! };
    }
    const id = Number(insertPreparing.run(date, now, decision.subject, maxSubscriberId.get()!.m, now).lastInsertRowid);
    return { outcome: 'opened', edition: editions.get(id)! };
  });

  return {
    /** Decides the edition of `date` (see `open` above), or finds it decided. */
    openEdition: (date: string, now: string, decision: { emptyReason: string } | { subject: string }): OpenedPreparation => open.immediate(date, now, decision),
    /** Active members of the frozen audience after `after`, in id order. */
    audiencePage: (after: number, audienceMaxId: number, audienceAt: string, limit: number): AudienceMember[] =>
      page.all(after, audienceMaxId, audienceAt, limit),
    insertPaper: (editionId: number, paperId: string, rank: number, score: number, reason: string, snapshotJson: string): void =>
      void insertPaper.run(editionId, paperId, rank, score, reason, snapshotJson),
    /** True when written (false: the reader already has this edition's delivery, a replayed step). */
    insertDelivery: (
      d: { editionId: number; subscriberId: number; status: string; selectionJson: string; dueAt: string; messageId: string; now: string; kind: string },
    ): boolean => insertDelivery.run(d.editionId, d.subscriberId, d.status, d.selectionJson, d.dueAt, d.messageId, d.now, d.kind).changes > 0,
    moveOn: (editionId: number, preparedThrough: number): void => void moveOn.run(preparedThrough, editionId),
    markReady: (editionId: number, preparedThrough: number): void => void markReady.run(preparedThrough, editionId),
  };
});
