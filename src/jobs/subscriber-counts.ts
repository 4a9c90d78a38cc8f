// A daily record of how many subscribers are in each status, kept for the admin chart (the subscribers table
// only knows the present). Invariant: one row per (local date, status); re-recording a date overwrites it.
import type { Db } from '../db/open.js';
import { createSubscribersRepo } from '../db/subscribers-repo.js';

export function recordSubscriberCounts(db: Db, date: string): void {
  const upsert = db.prepare('INSERT INTO subscriber_counts (date, status, n) VALUES (?, ?, ?) ON CONFLICT(date, status) DO UPDATE SET n = excluded.n');
  db.transaction(() => {
    for (const [status, n] of Object.entries(createSubscribersRepo(db).countByStatus())) upsert.run(date, status, n);
  }).immediate();
}

/** Active subscribers per recorded date, oldest first, at most `days` points. */
export function activeSubscribersHistory(db: Db, days: number): { date: string; n: number }[] {
  return (
    db
      .prepare<[number], { date: string; n: number }>("SELECT date, n FROM subscriber_counts WHERE status = 'active' ORDER BY date DESC LIMIT ?")
      .all(days)
      .reverse()
  );
}
