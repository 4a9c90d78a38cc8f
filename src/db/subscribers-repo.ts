// Subscribers and their topics. Status moves pending → active → unsubscribed, or → bounced.
// Invariant: deleting a subscriber removes every row that refers to them, in any table (found through the
// schema's foreign keys, so tables added by later migrations are covered too).
import type { Db } from './open.js';

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';
export type Frequency = 'daily' | 'weekly';

export interface Subscriber {
  id: number;
  email: string;
  status: SubscriberStatus;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounced_at: string | null;
  bounce_reason: string | null;
  timezone: string | null;
  delivery_hour: number | null;
  frequency: Frequency;
  paused: number;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  confirm_sent_at: string | null;
}

export interface DeliverySummary {
  edition_date: string;
  status: string;
  sent_at: string | null;
  message_id: string;
}

export interface DeliveryPreferences {
  timezone: string | null;
  hour: number | null;
  frequency: Frequency;
  paused: boolean;
}

export function createSubscribersRepo(db: Db) {
  const byId = db.prepare<[number], Subscriber>('SELECT * FROM subscribers WHERE id = ?');
  const byEmail = db.prepare<[string], Subscriber>('SELECT * FROM subscribers WHERE email = ?');
  const byConfirmHash = db.prepare<[string], Subscriber>('SELECT * FROM subscribers WHERE confirm_token_hash = ?');
  const insert = db.prepare(`INSERT INTO subscribers (email, status, created_at, updated_at, confirmed_at, timezone, delivery_hour, frequency)
    VALUES (@email, @status, @now, @now, @confirmedAt, @timezone, @hour, @frequency)`);
  const topicsOf = db.prepare<[number], { topic: string }>('SELECT topic FROM subscriber_topics WHERE subscriber_id = ? ORDER BY topic');
  const clearTopics = db.prepare('DELETE FROM subscriber_topics WHERE subscriber_id = ?');
  const addTopic = db.prepare('INSERT OR IGNORE INTO subscriber_topics (subscriber_id, topic) VALUES (?, ?)');
  const setStatus = db.prepare(`UPDATE subscribers SET status = @status, updated_at = @now,
      confirmed_at = CASE WHEN @status = 'active' THEN coalesce(confirmed_at, @now) ELSE confirmed_at END,
      unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @now ELSE unsubscribed_at END,
      bounced_at = CASE WHEN @status = 'bounced' THEN @now ELSE bounced_at END,
      bounce_reason = CASE WHEN @status = 'bounced' THEN @reason ELSE bounce_reason END
    WHERE id = @id`);
  // The used token's hash stays so that a replayed link can be told apart from a forged one ("already used").
  const setConfirmToken = db.prepare(
    'UPDATE subscribers SET confirm_token_hash = ?, confirm_expires_at = ?, confirm_sent_at = ?, updated_at = ? WHERE id = ?',
  );
  const releaseConfirmWindow = db.prepare('UPDATE subscribers SET confirm_sent_at = NULL WHERE id = ? AND confirm_token_hash = ?');
  const setPreferences = db.prepare(`UPDATE subscribers SET timezone = @timezone, delivery_hour = @hour, frequency = @frequency,
      paused = @paused, updated_at = @now WHERE id = @id`);
  const skipPendingDeliveries = db.prepare(
    "UPDATE deliveries SET status = 'skipped', error = @reason, updated_at = @now WHERE subscriber_id = @id AND status = 'pending'",
  );
  const deliveriesOf = db.prepare<[number], DeliverySummary>(`SELECT e.date AS edition_date, d.status, d.sent_at, d.message_id
    FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE d.subscriber_id = ? ORDER BY e.date`);
  const sentPapersOf = db.prepare<[number], { paper_id: string; edition_date: string }>(`SELECT j.value AS paper_id, e.date AS edition_date
    FROM sent_papers s JOIN editions e ON e.id = s.edition_id, json_each(s.papers_json) j WHERE s.subscriber_id = ? ORDER BY e.date, j.value`);

  const repo = {
    get: (id: number) => byId.get(id),
    getByEmail: (email: string) => byEmail.get(email),
    getByConfirmHash: (hash: string) => byConfirmHash.get(hash),
    topics: (id: number) => topicsOf.all(id).map((r) => r.topic),
    create(s: {
      email: string;
      status: SubscriberStatus;
      now: string;
      timezone?: string | null | undefined;
      hour?: number | null | undefined;
      frequency?: Frequency | undefined;
      topics?: string[] | undefined;
    }): number {
      const id = Number(
        insert.run({
          email: s.email,
          status: s.status,
          now: s.now,
          confirmedAt: s.status === 'active' ? s.now : null,
          timezone: s.timezone ?? null,
          hour: s.hour ?? null,
          frequency: s.frequency ?? 'daily',
        }).lastInsertRowid,
      );
      if (s.topics) repo.setTopics(id, s.topics);
      return id;
    },
    setTopics(id: number, topics: readonly string[]): void {
      clearTopics.run(id);
      for (const t of topics) addTopic.run(id, t);
    },
    setStatus(id: number, status: SubscriberStatus, now: string, reason: string | null = null): void {
      setStatus.run({ id, status, now, reason });
    },
    setConfirmToken(id: number, hash: string, expiresAt: string, now: string): void {
      setConfirmToken.run(hash, expiresAt, now, now, id);
    },
    /** Frees the per-address window when the confirmation for `hash` could not be sent, so a retry is possible. */
    releaseConfirmWindow(id: number, hash: string): void {
      releaseConfirmWindow.run(id, hash);
    },
    setPreferences(id: number, p: DeliveryPreferences, now: string): void {
      setPreferences.run({ id, timezone: p.timezone, hour: p.hour, frequency: p.frequency, paused: p.paused ? 1 : 0, now });
    },
    /** Deliveries not yet claimed by a sender are skipped (unsubscribe, pause): nothing more goes out. */
    skipPendingDeliveries(id: number, reason: string, now: string): number {
      return skipPendingDeliveries.run({ id, reason, now }).changes;
    },
    deliveries: (id: number) => deliveriesOf.all(id),
    sentPapers: (id: number) => sentPapersOf.all(id),
    /** Hard delete: the subscriber and every row referring to them, children first. Returns rows removed. */
    deleteCompletely(id: number): number {
      return purge(db, 'subscribers', 'id = ?', [id], 0);
    },
    countByStatus(): Record<SubscriberStatus, number> {
      const counts: Record<SubscriberStatus, number> = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
      for (const r of db.prepare('SELECT status, count(*) AS n FROM subscribers GROUP BY status').all() as {
        status: SubscriberStatus;
        n: number;
      }[])
        counts[r.status] = r.n;
      return counts;
    },
    /** Active subscribers in id order from a checkpoint, a page at a time (never the whole audience at once). */
    activePage(afterId: number, limit: number): Subscriber[] {
      return db
        .prepare<[number, number], Subscriber>("SELECT * FROM subscribers WHERE status = 'active' AND id > ? ORDER BY id LIMIT ?")
        .all(afterId, limit);
    },
  };
  return repo;
}

export type SubscribersRepo = ReturnType<typeof createSubscribersRepo>;

interface ForeignKeyRef {
  table: string;
  from: string;
  to: string;
}

/** Every (table, column) whose foreign key points at `parent`, read from the live schema. */
export function referencesTo(db: Db, parent: string): ForeignKeyRef[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  const refs: ForeignKeyRef[] = [];
  const pk = (db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk = 1').get(parent) as { name: string } | undefined)?.name ?? 'rowid';
  for (const { name } of tables) {
    const fks = db.prepare('SELECT "table" AS parent, "from", "to" FROM pragma_foreign_key_list(?)').all(name) as {
      parent: string;
      from: string;
      to: string | null;
    }[];
    for (const fk of fks) if (fk.parent === parent) refs.push({ table: name, from: fk.from, to: fk.to ?? pk });
  }
  return refs;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

// Deletes children before parents, so it works whether or not a foreign key was declared ON DELETE CASCADE.
function purge(db: Db, table: string, where: string, params: unknown[], depth: number): number {
  if (depth > 8) throw new Error(`foreign keys nest too deep below ${table}`);
  let removed = 0;
  for (const ref of referencesTo(db, table)) {
    if (ref.table === table) continue; // a self-reference is removed with the row itself
    removed += purge(db, ref.table, `${quote(ref.from)} IN (SELECT ${quote(ref.to)} FROM ${quote(table)} WHERE ${where})`, params, depth + 1);
  }
  return removed + db.prepare(`DELETE FROM ${quote(table)} WHERE ${where}`).run(...params).changes;
}
