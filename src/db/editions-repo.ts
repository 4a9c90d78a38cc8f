// Editions (one per date, frozen when prepared), their ranked papers, the delivery ledger and sent papers.
import type { Db } from './open.js';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'bounced' | 'skipped';

export interface EditionRow {
  id: number;
  date: string;
  prepared_at: string;
  /** 'preparing' until every subscriber of its frozen audience has a delivery (src/digest/prepare.ts). */
  status: 'preparing' | 'ready' | 'empty';
  reason: string | null;
  subject: string;
  /** The frozen audience of a prepared edition: subscriber ids up to this, confirmed at or before audience_at. */
  audience_max_id: number | null;
  audience_at: string | null;
  /** Subscribers with an id up to this are prepared (a crashed preparation resumes after it). */
  prepared_through: number | null;
}

export interface EditionPaperRow {
  paper_id: string;
  rank: number;
  score: number;
  reason: string;
  snapshot_json: string;
}

export interface DeliveryRow {
  id: number;
  edition_id: number;
  subscriber_id: number;
  status: DeliveryStatus;
  selection_json: string;
  due_at: string;
  message_id: string;
  attempts: number;
  next_attempt_at: string | null;
  claimed_at: string | null;
  claim_owner: string | null;
  sent_at: string | null;
  smtp_response: string | null;
  error: string | null;
}

export function createEditionsRepo(db: Db) {
  const byDate = db.prepare<[string], EditionRow>('SELECT * FROM editions WHERE date = ?');
  const byId = db.prepare<[number], EditionRow>('SELECT * FROM editions WHERE id = ?');
  const papersOf = db.prepare<[number], EditionPaperRow>(
    'SELECT paper_id, rank, score, reason, snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY rank',
  );
  // Kept by triggers (migration 0017): a few rows, where a count read every delivery of the edition.
  const counts = db.prepare<[number], { status: DeliveryStatus; n: number }>('SELECT status, n FROM deliveries_by_status WHERE edition_id = ?');
  const latestEdition = db.prepare<[], EditionRow>('SELECT * FROM editions ORDER BY date DESC LIMIT 1');
  const pending = db.prepare<{ id: number; now: string }, { due: number; later: number; retry: number }>(
    `SELECT count(*) FILTER (WHERE due_at <= @now AND (next_attempt_at IS NULL OR next_attempt_at <= @now)) AS due,
            count(*) FILTER (WHERE due_at > @now) AS later,
            count(*) FILTER (WHERE due_at <= @now AND next_attempt_at > @now) AS retry
     FROM deliveries WHERE edition_id = @id AND status = 'pending'`,
  );
  const withEmail = db.prepare<[number], { subscriber_id: number; email: string; selection_json: string; message_id: string }>(
    `SELECT d.subscriber_id, s.email, d.selection_json, d.message_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
     WHERE d.edition_id = ? ORDER BY d.subscriber_id`,
  );
  return {
    getByDate: (date: string) => byDate.get(date),
    get: (id: number) => byId.get(id),
    papers: (editionId: number) => papersOf.all(editionId),
    latestReadyBefore(date: string): EditionRow | undefined {
      return db
        .prepare<[string], EditionRow>("SELECT * FROM editions WHERE date < ? AND status = 'ready' ORDER BY date DESC LIMIT 1")
        .get(date);
    },
    listReady(limit = 100, offset = 0): EditionRow[] {
      return db
        .prepare<[number, number], EditionRow>("SELECT * FROM editions WHERE status = 'ready' ORDER BY date DESC LIMIT ? OFFSET ?")
        .all(limit, offset);
    },
    /** The newest edition, whatever its status. */
    latest(): EditionRow | undefined {
      return latestEdition.get();
    },
    /** The pending deliveries of an edition: due now, waiting for a later local hour, waiting to retry. */
    pendingBreakdown(editionId: number, now: string): { due: number; later: number; retry: number } {
      return pending.get({ id: editionId, now })!;
    },
    /** Every delivery of an edition with its reader's address, in subscriber order (the sample edition, tests). */
    deliveriesWithEmail(editionId: number): { subscriber_id: number; email: string; selection_json: string; message_id: string }[] {
      return withEmail.all(editionId);
    },
    deliveryCounts(editionId: number): Record<DeliveryStatus, number> {
      const out: Record<DeliveryStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
      for (const r of counts.all(editionId)) out[r.status] = r.n;
      return out;
    },
  };
}

export type EditionsRepo = ReturnType<typeof createEditionsRepo>;
