// The operators' read model on SQLite (see src/db/stores/admin.ts): statements prepared once, when the store is
// built (a broken query fails at boot).
import type { Db } from '../open.js';
import { subscriberSearchTerms, zeroDeliveryCounts } from '../stores/admin-rules.js';
import type { AdminReadModel, AdminSubscriber, DeliveryProblem, DeliveryStatus, EditionOverview, EditionSends } from '../stores/admin.js';

export function createSqliteAdminReadModel(db: Db): AdminReadModel {
  const search = db.prepare<{ like: string | null; id: number | null; status: string | null; after: number; limit: number }, Omit<AdminSubscriber, 'paused'> & { paused: number }>(
    `SELECT id, email, status, created_at, confirmed_at, timezone, delivery_hour, frequency, paused FROM subscribers
     WHERE id > @after AND (@status IS NULL OR status = @status)
       AND (@like IS NULL OR email LIKE @like ESCAPE '\\' OR id = @id)
     ORDER BY id LIMIT @limit`,
  );
  const sends = db.prepare<[number], EditionSends>(
    // From the counts the triggers keep (migration 0017): scanning the last 30 editions' deliveries held the server
    // thread about 100 ms per million rows.
    `SELECT e.date, e.status, e.reason,
       coalesce(sum(c.n) FILTER (WHERE c.status = 'sent'), 0) AS sent, coalesce(sum(c.n) FILTER (WHERE c.status = 'failed'), 0) AS failed,
       coalesce(sum(c.n) FILTER (WHERE c.status = 'bounced'), 0) AS bounced,
       coalesce(sum(c.n) FILTER (WHERE c.status IN ('pending', 'sending')), 0) AS queued,
       coalesce(sum(c.n) FILTER (WHERE c.status = 'skipped'), 0) AS skipped
     FROM editions e LEFT JOIN deliveries_by_status c ON c.edition_id = e.id
     WHERE e.id IN (SELECT id FROM editions ORDER BY date DESC LIMIT ?)
     GROUP BY e.id ORDER BY e.date`,
  );
  const overview = db.prepare<[string], EditionOverview>(
    'SELECT id, date, status, reason, subject, prepared_at AS preparedAt FROM editions WHERE date = ?',
  );
  const latest = db.prepare<[], EditionOverview>(
    'SELECT id, date, status, reason, subject, prepared_at AS preparedAt FROM editions ORDER BY date DESC LIMIT 1',
  );
  const pending = db.prepare<{ id: number; now: string }, { due: number; later: number; retry: number }>(
    `SELECT count(*) FILTER (WHERE due_at <= @now AND (next_attempt_at IS NULL OR next_attempt_at <= @now)) AS due,
            count(*) FILTER (WHERE due_at > @now) AS later,
            count(*) FILTER (WHERE due_at <= @now AND next_attempt_at > @now) AS retry
     FROM deliveries WHERE edition_id = @id AND status = 'pending'`,
  );
  const nextDue = db.prepare<[string, string], { at: string | null }>(
    `SELECT min(max(due_at, coalesce(next_attempt_at, due_at))) AS at FROM deliveries
     WHERE status = 'pending' AND (due_at > ? OR next_attempt_at > ?)`,
  );
  const counts = db.prepare<[number], { status: DeliveryStatus; n: number }>('SELECT status, n FROM deliveries_by_status WHERE edition_id = ?');
  const problems = db.prepare<[number, number], DeliveryProblem>(
    `SELECT id, subscriber_id, status, attempts, next_attempt_at, error FROM deliveries
     WHERE edition_id = ? AND (status IN ('failed', 'bounced') OR error IS NOT NULL) ORDER BY id LIMIT ?`,
  );
  const recipients = db.prepare<[number], { subscriber_id: number; email: string; selection_json: string; message_id: string }>(
    `SELECT d.subscriber_id, s.email, d.selection_json, d.message_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
     WHERE d.edition_id = ? ORDER BY d.subscriber_id`,
  );
  return {
    async adminSubscribers(q) {
      const rows = search.all({ ...subscriberSearchTerms(q.search), status: q.status ?? null, after: q.after ?? 0, limit: q.limit });
      return rows.map((r) => ({ ...r, paused: r.paused === 1 }));
    },
    editionSends: async (limit) => sends.all(limit),
    editionOverview: async (date) => overview.get(date),
    latestEditionOverview: async () => latest.get(),
    pendingBreakdown: async (editionId, now) => pending.get({ id: editionId, now })!,
    nextDueAt: async (now) => nextDue.get(now, now)?.at ?? null,
    async editionDeliveryCounts(editionId) {
      const out = zeroDeliveryCounts();
      for (const r of counts.all(editionId)) out[r.status] = r.n;
      return out;
    },
    deliveryProblems: async (editionId, limit = 100) => problems.all(editionId, limit),
    editionRecipients: async (editionId) =>
      recipients.all(editionId).map((r) => ({ subscriberId: r.subscriber_id, email: r.email, sections: JSON.parse(r.selection_json) as unknown, messageId: r.message_id })),
  };
}
