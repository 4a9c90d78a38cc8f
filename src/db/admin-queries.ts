// Read-only queries behind the admin API and page, prepared once when the routes register (a broken query
// fails at boot). Subscriber search is a bounded LIKE with the user's wildcards escaped.
import type { Db } from './open.js';
import type { SubscriberStatus } from './subscribers-repo.js';
import type { DeliveryStatus } from './editions-repo.js';

export interface AdminSubscriber {
  id: number;
  email: string;
  status: SubscriberStatus;
  created_at: string;
  confirmed_at: string | null;
  timezone: string | null;
  delivery_hour: number | null;
  frequency: string;
  paused: number;
}

export interface EditionSends {
  date: string;
  status: 'ready' | 'empty';
  reason: string | null;
  sent: number;
  failed: number;
  bounced: number;
  queued: number;
  skipped: number;
}

export interface DeliveryProblem {
  id: number;
  subscriber_id: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  error: string | null;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function createAdminQueries(db: Db) {
  const search = db.prepare<{ like: string | null; id: number | null; status: string | null; after: number; limit: number }, AdminSubscriber>(
    `SELECT id, email, status, created_at, confirmed_at, timezone, delivery_hour, frequency, paused FROM subscribers
     WHERE id > @after AND (@status IS NULL OR status = @status)
       AND (@like IS NULL OR email LIKE @like ESCAPE '\\' OR id = @id)
     ORDER BY id LIMIT @limit`,
  );
  const editions = db.prepare<[number], EditionSends>(
    `SELECT e.date, e.status, e.reason,
       coalesce(sum(d.status = 'sent'), 0) AS sent, coalesce(sum(d.status = 'failed'), 0) AS failed,
       coalesce(sum(d.status = 'bounced'), 0) AS bounced, coalesce(sum(d.status IN ('pending', 'sending')), 0) AS queued,
       coalesce(sum(d.status = 'skipped'), 0) AS skipped
     FROM editions e LEFT JOIN deliveries d ON d.edition_id = e.id
     WHERE e.id IN (SELECT id FROM editions ORDER BY date DESC LIMIT ?)
     GROUP BY e.id ORDER BY e.date`,
  );
  const problems = db.prepare<[number, number], DeliveryProblem>(
    `SELECT id, subscriber_id, status, attempts, next_attempt_at, error FROM deliveries
     WHERE edition_id = ? AND (status IN ('failed', 'bounced') OR error IS NOT NULL) ORDER BY id LIMIT ?`,
  );
  return {
    searchSubscribers(q: { search?: string | undefined; status?: SubscriberStatus | undefined; after?: number | undefined; limit: number }): AdminSubscriber[] {
      const term = q.search?.trim();
      return search.all({
        like: term ? `%${escapeLike(term)}%` : null,
        id: term && /^\d{1,15}$/.test(term) ? Number(term) : null,
        status: q.status ?? null,
        after: q.after ?? 0,
        limit: q.limit,
      });
    },
    /** The latest `limit` editions with their deliveries by outcome, oldest first (chart order). */
    editionSends: (limit: number) => editions.all(limit),
    deliveryProblems: (editionId: number, limit = 100) => problems.all(editionId, limit),
  };
}

export type AdminQueries = ReturnType<typeof createAdminQueries>;
