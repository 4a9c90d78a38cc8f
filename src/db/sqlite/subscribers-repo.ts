// The subscribers area on SQLite (better-sqlite3): statements prepared once, when the store is built. The methods
// are synchronous underneath; `createSqliteSubscribersCore` exposes that core for the subscribe intake, which
// runs its group commit on its own connection in its own thread (src/subscribers/intake.ts), and the async store
// wraps it. Writes of more than one statement run in one IMMEDIATE transaction.
import type { Db } from '../open.js';
import { classifyWriteError } from '../sqlite-errors.js';
import { describeError } from '../../lib/errors.js';
import type {
  ConfirmCheck,
  DeliveryPreferences,
  ExportedSubscriber,
  ImportedSubscriber,
  ImportOutcome,
  MetricsCounts,
  NewSubscriber,
  RequestFailed,
  Subscriber,
  SubscriberDelivery,
  SubscriberExport,
  SubscriberStatus,
  SubscriberStore,
  SubscribeOutcome,
  SubscribeRequest,
  SubscribeTerms,
} from '../stores/subscribers.js';

type SubscriberRow = Omit<Subscriber, 'paused'> & { paused: number };
const toSubscriber = (r: SubscriberRow | undefined): Subscriber | undefined => (r ? { ...r, paused: r.paused === 1 } : undefined);
const zeroCounts = (): Record<SubscriberStatus, number> => ({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });

/** The tables whose rows the export names itself; other tables referring to a subscriber go to `otherRecords`. */
export const EXPORTED_TABLES = new Set(['subscriber_topics', 'deliveries', 'sent_papers', 'profile_papers']);

export function createSqliteSubscribersCore(db: Db) {
  const byId = db.prepare<[number], SubscriberRow>('SELECT * FROM subscribers WHERE id = ?');
  const byEmail = db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE email = ?');
  const byConfirmHash = db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE confirm_token_hash = ?');
  const insert = db.prepare(`INSERT INTO subscribers (email, status, created_at, updated_at, confirmed_at, timezone, delivery_hour, frequency, paused)
    VALUES (@email, @status, @now, @now, @confirmedAt, @timezone, @hour, @frequency, @paused)`);
  // A new address from the subscribe form: the row and its confirmation window in one statement (the intake's
  // commonest write, thousands a second in a burst of sign-ups). Its token comes with its email (issueConfirmToken).
  const insertPending = db.prepare(`INSERT INTO subscribers (email, status, created_at, updated_at, timezone, delivery_hour, confirm_sent_at)
    VALUES (@email, 'pending', @now, @now, @timezone, @hour, @now)`);
  const topicsOf = db.prepare<[number], { topic: string }>('SELECT topic FROM subscriber_topics WHERE subscriber_id = ? ORDER BY topic');
  const clearTopics = db.prepare('DELETE FROM subscriber_topics WHERE subscriber_id = ?');
  const addTopic = db.prepare('INSERT OR IGNORE INTO subscriber_topics (subscriber_id, topic) VALUES (?, ?)');
  const updateStatus = db.prepare(`UPDATE subscribers SET status = @status, updated_at = @now,
      confirmed_at = CASE WHEN @status = 'active' THEN coalesce(confirmed_at, @now) ELSE confirmed_at END,
      unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @now ELSE unsubscribed_at END,
      bounced_at = CASE WHEN @status = 'bounced' THEN @now ELSE bounced_at END,
      bounce_reason = CASE WHEN @status = 'bounced' THEN @reason ELSE bounce_reason END
    WHERE id = @id`);
  // The used token's hash stays so that a replayed link can be told apart from a forged one ("already used").
  const takeWindow = db.prepare('UPDATE subscribers SET confirm_sent_at = ?, updated_at = ? WHERE id = ?');
  const issueToken = db.prepare(
    "UPDATE subscribers SET confirm_token_hash = ?, confirm_expires_at = ? WHERE id = ? AND confirm_sent_at = ? AND status = 'pending'",
  );
  const releaseWindow = db.prepare('UPDATE subscribers SET confirm_sent_at = NULL WHERE id = ? AND confirm_sent_at = ?');
  const updatePreferences = db.prepare(`UPDATE subscribers SET timezone = @timezone, delivery_hour = @hour, frequency = @frequency,
      paused = @paused, updated_at = @now WHERE id = @id`);
  const skipPending = db.prepare(
    "UPDATE deliveries SET status = 'skipped', error = @reason, updated_at = @now WHERE subscriber_id = @id AND status = 'pending'",
  );
  const deliveriesOf = db.prepare<[number], SubscriberDelivery>(`SELECT e.date AS edition_date, d.status, d.sent_at, d.message_id
    FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE d.subscriber_id = ? ORDER BY e.date`);
  const sentPapersOf = db.prepare<[number], { paper_id: string; edition_date: string }>(`SELECT j.value AS paper_id, e.date AS edition_date
    FROM sent_papers s JOIN editions e ON e.id = s.edition_id, json_each(s.papers_json) j WHERE s.subscriber_id = ? ORDER BY e.date, j.value`);
  // Kept by triggers (migration 0017): a few rows to read instead of the whole table.
  const countsByStatus = db.prepare<[], { status: SubscriberStatus; n: number }>('SELECT status, n FROM subscribers_by_status');
  const activePage = db.prepare<[number, number], SubscriberRow>("SELECT * FROM subscribers WHERE status = 'active' AND id > ? ORDER BY id LIMIT ?");
  const exportPage = db.prepare<{ after: number; status: string | null; limit: number }, Omit<ExportedSubscriber, 'paused' | 'topics'> & { paused: number; topics: string }>(
    `SELECT s.id, s.email, s.status,
       (SELECT json_group_array(topic) FROM (SELECT topic FROM subscriber_topics t WHERE t.subscriber_id = s.id ORDER BY topic)) AS topics,
       s.timezone, s.delivery_hour, s.frequency, s.paused, s.created_at, s.confirmed_at
     FROM subscribers s WHERE s.id > @after AND (@status IS NULL OR s.status = @status) ORDER BY s.id LIMIT @limit`,
  );
  const unspool = db.prepare('DELETE FROM subscribe_spool WHERE email = ?');
  const upsertCount = db.prepare('INSERT INTO subscriber_counts (date, status, n) VALUES (?, ?, ?) ON CONFLICT(date, status) DO UPDATE SET n = excluded.n');
  const activeHistory = db.prepare<[number], { date: string; n: number }>(
    "SELECT date, n FROM subscriber_counts WHERE status = 'active' ORDER BY date DESC LIMIT ?",
  );

  function setTopics(id: number, topics: readonly string[]): void {
    clearTopics.run(id);
    for (const t of topics) addTopic.run(id, t);
  }
  function setStatus(id: number, status: SubscriberStatus, now: string, reason: string | null = null): void {
    updateStatus.run({ id, status, now, reason });
  }
  function setPreferences(id: number, p: DeliveryPreferences, now: string): void {
    updatePreferences.run({ id, timezone: p.timezone, hour: p.hour, frequency: p.frequency, paused: p.paused ? 1 : 0, now });
  }
  function create(s: NewSubscriber): number {
    const id = Number(
      insert.run({
        email: s.email,
        status: s.status,
        now: s.now,
        confirmedAt: s.status === 'active' ? s.now : null,
        timezone: s.timezone ?? null,
        hour: s.hour ?? null,
        frequency: s.frequency ?? 'daily',
        paused: s.paused ? 1 : 0,
      }).lastInsertRowid,
    );
    if (s.topics) setTopics(id, s.topics);
    return id;
  }

  function subscribeOne(request: SubscribeRequest, terms: SubscribeTerms): SubscribeOutcome {
    const { now } = terms;
    const sub = toSubscriber(byEmail.get(request.email));
    if (!sub) {
      const id = Number(insertPending.run({ email: request.email, now, timezone: request.timezone ?? null, hour: request.hour ?? null }).lastInsertRowid);
      for (const t of request.topics ?? []) addTopic.run(id, t); // a new row has no topics to clear
      return { subscriberId: id, email: request.email, action: 'created' };
    }
    // Active addresses get nothing (no mail, no change); bounced ones stay bounced until an admin resets them.
    if (sub.status === 'active' || sub.status === 'bounced') return { subscriberId: sub.id, email: sub.email, action: 'ignored' };
    if (sub.status === 'unsubscribed') setStatus(sub.id, 'pending', now);
    if (request.topics) setTopics(sub.id, request.topics);
    if (request.timezone !== undefined || request.hour !== undefined)
      setPreferences(sub.id, { timezone: request.timezone ?? sub.timezone, hour: request.hour ?? sub.delivery_hour, frequency: sub.frequency, paused: sub.paused }, now);
    const last = sub.confirm_sent_at ? Date.parse(sub.confirm_sent_at) : Number.NEGATIVE_INFINITY;
    if (Date.parse(now) - last < terms.resendMinutes * 60_000) return { subscriberId: sub.id, email: sub.email, action: 'throttled' };
    // The window is taken in the same transaction that decided to send: two racing requests send one email.
    takeWindow.run(now, now, sub.id);
    return { subscriberId: sub.id, email: sub.email, action: 'renewed' };
  }
  // A nested better-sqlite3 transaction is a savepoint. A batch runs in one (a savepoint per request cost about a fifth
  // of the intake's write); when a request is refused (a constraint), that one rolls the batch back and each request
  // is written again in its own, so the refused one rolls back its own writes only.
  const subscribeSavepoint = db.transaction(subscribeOne);
  const batchSavepoint = db.transaction((items: readonly { request: SubscribeRequest; terms: SubscribeTerms }[]) =>
    items.map(({ request, terms }) => subscribeOne(request, terms)),
  );

  const check = (hash: string, now: string): ConfirmCheck => {
    const sub = byConfirmHash.get(hash);
    if (!sub) return { ok: false, reason: 'invalid' };
    if (sub.status !== 'pending') return { ok: false, reason: 'used', subscriberId: sub.id, active: sub.status === 'active' };
    if (!sub.confirm_expires_at || sub.confirm_expires_at <= now) return { ok: false, reason: 'expired' };
    return { ok: true, subscriberId: sub.id };
  };

  const tx = <A extends unknown[], R>(fn: (...a: A) => R) => {
    const t = db.transaction(fn);
    return (...a: A): R => t.immediate(...a);
  };

  return {
    get: (id: number) => toSubscriber(byId.get(id)),
    getByEmail: (email: string) => toSubscriber(byEmail.get(email)),
    topics: (id: number) => topicsOf.all(id).map((r) => r.topic),
    create: tx(create),
    setStatus,
    setTopics: tx(setTopics),
    setPreferences,
    /** Deliveries not yet claimed by a sender are skipped (unsubscribe, pause): nothing more goes out. */
    skipPendingDeliveries: (id: number, reason: string, now: string): number => skipPending.run({ id, reason, now }).changes,
    subscribe: tx(subscribeOne),
    /** The group commit; `isRequestError` tells a request's own fault (dropped alone) from the database's condition (rethrown). */
    subscribeBatch: tx((items: readonly { request: SubscribeRequest; terms: SubscribeTerms }[]): (SubscribeOutcome | RequestFailed)[] => {
      try {
        return batchSavepoint(items);
      } catch (err) {
        if (classifyWriteError(err) !== 'request') throw err; // the database's condition: the whole batch waits
      }
      return items.map(({ request, terms }) => {
        try {
          return subscribeSavepoint(request, terms);
        } catch (err) {
          if (classifyWriteError(err) !== 'request') throw err;
          return { failed: err };
        }
      });
    }),
    issueConfirmToken(id: number, windowAt: string, hash: string, expiresAt: string): boolean {
      return issueToken.run(hash, expiresAt, id, windowAt).changes === 1;
    },
    releaseConfirmWindow(id: number, windowAt: string): void {
      releaseWindow.run(id, windowAt);
    },
    checkConfirmation: check,
    confirm: tx((hash: string, now: string): ConfirmCheck => {
      const c = check(hash, now);
      if (c.ok) setStatus(c.subscriberId, 'active', now);
      return c;
    }),
    unsubscribe: tx((id: number, now: string, reason: string) => {
      const sub = byId.get(id);
      if (!sub) return 'unknown' as const;
      if (sub.status !== 'active' && sub.status !== 'pending') return 'already' as const;
      setStatus(id, 'unsubscribed', now);
      // Anything not yet claimed by a sender stops at once.
      skipPending.run({ id, reason, now });
      return 'unsubscribed' as const;
    }),
    updatePreferences: tx((id: number, p: DeliveryPreferences & { topics: readonly string[] }, now: string): boolean => {
      const sub = byId.get(id);
      if (!sub) return false;
      setTopics(id, p.topics);
      setPreferences(id, p, now);
      if (p.paused && sub.paused !== 1) skipPending.run({ id, reason: 'paused', now });
      return true;
    }),
    resume: tx((id: number, now: string) => {
      const sub = byId.get(id);
      if (!sub) return 'unknown' as const;
      if (sub.status === 'active') return 'active' as const;
      if (sub.status !== 'unsubscribed' || !sub.confirmed_at) return 'not_allowed' as const;
      setStatus(id, 'active', now);
      return 'active' as const;
    }),
    exportOf: tx((id: number): SubscriberExport | undefined => {
      const subscriber = toSubscriber(byId.get(id));
      if (!subscriber) return undefined;
      const otherRecords: SubscriberExport['otherRecords'] = {};
      for (const ref of referencesTo(db, 'subscribers')) {
        if (EXPORTED_TABLES.has(ref.table)) continue;
        const rows = db.prepare(`SELECT * FROM ${quote(ref.table)} WHERE ${quote(ref.from)} = ?`).all(id) as Record<string, unknown>[];
        if (rows.length) otherRecords[ref.table] = rows;
      }
      return { subscriber, topics: topicsOf.all(id).map((r) => r.topic), deliveries: deliveriesOf.all(id), sentPapers: sentPapersOf.all(id), otherRecords };
    }),
    /** Children first, then the subscriber. */
    deleteCompletely: tx((id: number): number => {
      const sub = byId.get(id);
      if (!sub) return 0;
      unspool.run(sub.email); // a request of theirs still in the subscribe spool would bring the address back
      return purge(db, 'subscribers', 'id = ?', [id], 0);
    }),
    countByStatus(): Record<SubscriberStatus, number> {
      const counts = zeroCounts();
      for (const r of countsByStatus.all()) counts[r.status] = r.n;
      return counts;
    },
    activePage: (afterId: number, limit: number) => activePage.all(afterId, limit).map((r) => toSubscriber(r)!),
    importRows: tx((rows: readonly ImportedSubscriber[], dryRun: boolean): ImportOutcome => {
      const out: ImportOutcome = { added: 0, existing: 0, failed: [] };
      const one = db.transaction((row: ImportedSubscriber) => create(row));
      for (const row of rows) {
        if (byEmail.get(row.email)) {
          out.existing++;
          continue;
        }
        if (dryRun) {
          out.added++;
          continue;
        }
        try {
          one(row);
          out.added++;
        } catch (err) {
          if (classifyWriteError(err) !== 'request') throw err;
          out.failed.push({ line: row.line, error: describeError(err) });
        }
      }
      return out;
    }),
    exportPage: (afterId: number, status: SubscriberStatus | null, limit: number): ExportedSubscriber[] =>
      exportPage.all({ after: afterId, status, limit }).map((r) => ({ ...r, paused: r.paused === 1, topics: JSON.parse(r.topics) as string[] })),
    recordCounts: tx((date: string) => {
      const counts = zeroCounts();
      for (const r of countsByStatus.all()) counts[r.status] = r.n;
      for (const [status, n] of Object.entries(counts)) upsertCount.run(date, status, n);
    }),
    activeHistory: (days: number) => activeHistory.all(days).reverse(),
  };
}

export type SqliteSubscribersCore = ReturnType<typeof createSqliteSubscribersCore>;

export function createSqliteSubscriberStore(db: Db): SubscriberStore {
  const core = createSqliteSubscribersCore(db);
  const ping = db.prepare('SELECT 1');
  const probe = db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at');
  const ingested = db.prepare<[], { source: string; n: number }>('SELECT source, coalesce(sum(inserted), 0) AS n FROM ingest_runs GROUP BY source');
  const papers = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers');
  // Kept per edition by triggers (migration 0017): every day adds an audience's worth of deliveries, a scrape reads a
  // few rows per edition.
  const deliveries = db.prepare<[], { status: string; n: number }>('SELECT status, sum(n) AS n FROM deliveries_by_status GROUP BY status HAVING sum(n) > 0');
  const lastOk = db.prepare<[string], { finished_at: string; started_at: string }>(
    "SELECT started_at, finished_at FROM job_runs WHERE job = ? AND status = 'ok' ORDER BY finished_at DESC LIMIT 1",
  );
  return {
    getSubscriber: async (id) => core.get(id),
    getSubscriberByEmail: async (email) => core.getByEmail(email),
    subscriberTopics: async (id) => core.topics(id),
    createSubscriber: async (s) => core.create(s),
    setSubscriberStatus: async (id, status, now, reason) => core.setStatus(id, status, now, reason ?? null),
    setSubscriberTopics: async (id, topics) => core.setTopics(id, topics),
    subscribe: async (request, terms) => core.subscribe(request, terms),
    subscribeBatch: async (items) => core.subscribeBatch(items),
    issueConfirmToken: async (id, windowAt, hash, expiresAt) => core.issueConfirmToken(id, windowAt, hash, expiresAt),
    releaseConfirmWindow: async (id, windowAt) => core.releaseConfirmWindow(id, windowAt),
    checkConfirmation: async (hash, now) => core.checkConfirmation(hash, now),
    confirmSubscriber: async (hash, now) => core.confirm(hash, now),
    unsubscribeSubscriber: async (id, now, reason = 'unsubscribed') => core.unsubscribe(id, now, reason),
    updateSubscriberPreferences: async (id, p, now) => core.updatePreferences(id, p, now),
    resumeSubscriber: async (id, now) => core.resume(id, now),
    subscriberExport: async (id) => core.exportOf(id),
    deleteSubscriber: async (id) => core.deleteCompletely(id),
    countSubscribersByStatus: async () => core.countByStatus(),
    activeSubscribersPage: async (afterId, limit) => core.activePage(afterId, limit),
    importSubscribers: async (rows, o) => core.importRows(rows, o.dryRun),
    exportSubscribersPage: async (afterId, status, limit) => core.exportPage(afterId, status, limit),
    recordSubscriberCounts: async (date) => core.recordCounts(date),
    activeSubscribersHistory: async (days) => core.activeHistory(days),
    async pingDatabase() {
      ping.get();
    },
    async probeWrite(now) {
      probe.run(now);
    },
    appliedMigrations: async () => (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    async metricsCounts(): Promise<MetricsCounts> {
      return {
        ingestedBySource: ingested.all(),
        papersStored: papers.get()!.n,
        deliveriesByStatus: Object.fromEntries(deliveries.all().map((r) => [r.status, r.n])),
        subscribersByStatus: core.countByStatus(),
      };
    },
    lastSuccessfulRun: async (job) => lastOk.get(job),
  };
}

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
