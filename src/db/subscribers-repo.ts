// Subscribers and their topics. Status moves pending → active → unsubscribed, or → bounced.
import type { Db } from './open.js';

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';

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
  frequency: 'daily' | 'weekly';
  paused: number;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  confirm_sent_at: string | null;
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
      bounce_reason = CASE WHEN @status = 'bounced' THEN @reason ELSE bounce_reason END,
      confirm_token_hash = CASE WHEN @status = 'active' THEN NULL ELSE confirm_token_hash END
    WHERE id = @id`);

  const repo = {
    get: (id: number) => byId.get(id),
    getByEmail: (email: string) => byEmail.get(email),
    getByConfirmHash: (hash: string) => byConfirmHash.get(hash),
    topics: (id: number) => topicsOf.all(id).map((r) => r.topic),
    create(s: {
      email: string;
      status: SubscriberStatus;
      now: string;
      timezone?: string | null;
      hour?: number | null;
      frequency?: 'daily' | 'weekly';
      topics?: string[];
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
    setTopics(id: number, topics: string[]): void {
      clearTopics.run(id);
      for (const t of topics) addTopic.run(id, t);
    },
    setStatus(id: number, status: SubscriberStatus, now: string, reason: string | null = null): void {
      setStatus.run({ id, status, now, reason });
    },
    setConfirmToken(id: number, hash: string, expiresAt: string, now: string): void {
      db.prepare(
        'UPDATE subscribers SET confirm_token_hash = ?, confirm_expires_at = ?, confirm_sent_at = ?, updated_at = ? WHERE id = ?',
      ).run(hash, expiresAt, now, now, id);
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
