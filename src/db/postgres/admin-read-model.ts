// The operators' read model on PostgreSQL (see src/db/stores/admin.ts): constant SQL texts. The address is citext,
// so its LIKE is case-insensitive as SQLite's is.
import type { PgPool } from './pool.js';
import { all, one } from './transaction.js';
import { subscriberSearchTerms, zeroDeliveryCounts } from '../stores/admin-rules.js';
import type { AdminReadModel, AdminSubscriber, DeliveryProblem, DeliveryStatus, EditionOverview, EditionSends } from '../stores/admin.js';

const SEARCH = `SELECT id, email::text AS email, status, created_at, confirmed_at, timezone, delivery_hour, frequency, paused FROM subscribers
  WHERE id > $1 AND ($2::text IS NULL OR status = $2)
    AND ($3::text IS NULL OR email LIKE $3 ESCAPE '\\' OR id = $4)
  ORDER BY id LIMIT $5`;
const SENDS = `SELECT e.date, e.status, e.reason,
    count(d.id) FILTER (WHERE d.status = 'sent') AS sent, count(d.id) FILTER (WHERE d.status = 'failed') AS failed,
    count(d.id) FILTER (WHERE d.status = 'bounced') AS bounced, count(d.id) FILTER (WHERE d.status IN ('pending', 'sending')) AS queued,
    count(d.id) FILTER (WHERE d.status = 'skipped') AS skipped
  FROM editions e LEFT JOIN deliveries d ON d.edition_id = e.id
  WHERE e.id IN (SELECT id FROM editions ORDER BY date DESC LIMIT $1)
  GROUP BY e.id ORDER BY e.date`;
const OVERVIEW = 'SELECT id, date, status, reason, subject, prepared_at AS "preparedAt" FROM editions WHERE date = $1';
const LATEST = 'SELECT id, date, status, reason, subject, prepared_at AS "preparedAt" FROM editions ORDER BY date DESC LIMIT 1';
const PENDING = `SELECT count(*) FILTER (WHERE due_at <= $2 AND (next_attempt_at IS NULL OR next_attempt_at <= $2))::int AS due,
    count(*) FILTER (WHERE due_at > $2)::int AS later,
    count(*) FILTER (WHERE due_at <= $2 AND next_attempt_at > $2)::int AS retry
  FROM deliveries WHERE edition_id = $1 AND status = 'pending'`;
const NEXT_DUE = `SELECT min(greatest(due_at, coalesce(next_attempt_at, due_at))) AS at FROM deliveries
  WHERE status = 'pending' AND (due_at > $1 OR next_attempt_at > $1)`;
const COUNTS = 'SELECT status, count(*) AS n FROM deliveries WHERE edition_id = $1 GROUP BY status';
const PROBLEMS = `SELECT id, subscriber_id, status, attempts, next_attempt_at, error FROM deliveries
  WHERE edition_id = $1 AND (status IN ('failed', 'bounced') OR error IS NOT NULL) ORDER BY id LIMIT $2`;
const RECIPIENTS = `SELECT d.subscriber_id, s.email::text AS email, d.selection_json, d.message_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
  WHERE d.edition_id = $1 ORDER BY d.subscriber_id`;

export function createPostgresAdminReadModel(pool: PgPool): AdminReadModel {
  return {
    async adminSubscribers(q) {
      const { like, id } = subscriberSearchTerms(q.search);
      return all<AdminSubscriber>(pool, SEARCH, [q.after ?? 0, q.status ?? null, like, id, q.limit]);
    },
    editionSends: (limit) => all<EditionSends>(pool, SENDS, [limit]),
    editionOverview: (date) => one<EditionOverview>(pool, OVERVIEW, [date]),
    latestEditionOverview: () => one<EditionOverview>(pool, LATEST),
    pendingBreakdown: async (editionId, now) => (await one<{ due: number; later: number; retry: number }>(pool, PENDING, [editionId, now]))!,
    nextDueAt: async (now) => (await one<{ at: string | null }>(pool, NEXT_DUE, [now]))?.at ?? null,
    async editionDeliveryCounts(editionId) {
      const out = zeroDeliveryCounts();
      for (const r of await all<{ status: DeliveryStatus; n: number }>(pool, COUNTS, [editionId])) out[r.status] = r.n;
      return out;
    },
    deliveryProblems: (editionId, limit = 100) => all<DeliveryProblem>(pool, PROBLEMS, [editionId, limit]),
    async editionRecipients(editionId) {
      const rows = await all<{ subscriber_id: number; email: string; selection_json: unknown; message_id: string }>(pool, RECIPIENTS, [editionId]);
      return rows.map((r) => ({ subscriberId: r.subscriber_id, email: r.email, sections: r.selection_json, messageId: r.message_id }));
    },
  };
}
