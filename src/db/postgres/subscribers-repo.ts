// The subscribers area on PostgreSQL (node-postgres): constant SQL texts; a single statement runs on the pool, a
// unit of several on one client between BEGIN and COMMIT (ROLLBACK on any error). Rows a transaction decides on
// are read FOR UPDATE, so two instances handling the same address serialize on its row, as SQLite's IMMEDIATE
// transactions serialize every writer.
import type { PgClient, PgPool } from './pool.js';
import { all, inSavepoint, inTransaction, isPgRequestError, one, type Queryable } from './transaction.js';
import { describeError } from '../../lib/errors.js';
import { EXPORTED_TABLES } from '../sqlite/subscribers-repo.js';
import type {
  ConfirmCheck,
  DeliveryPreferences,
  ExportedSubscriber,
  ImportOutcome,
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


const BY_ID = 'SELECT * FROM subscribers WHERE id = $1';
const BY_ID_LOCKED = 'SELECT * FROM subscribers WHERE id = $1 FOR UPDATE';
const BY_EMAIL = 'SELECT * FROM subscribers WHERE email = $1';
const BY_EMAIL_LOCKED = 'SELECT * FROM subscribers WHERE email = $1 FOR UPDATE';
const BY_CONFIRM_HASH = 'SELECT * FROM subscribers WHERE confirm_token_hash = $1';
const BY_CONFIRM_HASH_LOCKED = 'SELECT * FROM subscribers WHERE confirm_token_hash = $1 FOR UPDATE';
const INSERT = `INSERT INTO subscribers (email, status, created_at, updated_at, confirmed_at, timezone, delivery_hour, frequency, paused)
  VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)`;
// A new address from the subscribe form, with its confirmation window taken, in one statement (its token comes with
// its email: issueConfirmToken). A concurrent insert of the same address (another instance) yields no row: the
// caller then reads and locks it.
const INSERT_PENDING_IF_NEW = `INSERT INTO subscribers (email, status, created_at, updated_at, timezone, delivery_hour, confirm_sent_at)
  VALUES ($1, 'pending', $2, $2, $3, $4, $2) ON CONFLICT (email) DO NOTHING RETURNING id`;
const TOPICS = 'SELECT topic FROM subscriber_topics WHERE subscriber_id = $1 ORDER BY topic';
const CLEAR_TOPICS = 'DELETE FROM subscriber_topics WHERE subscriber_id = $1';
const ADD_TOPICS = 'INSERT INTO subscriber_topics (subscriber_id, topic) SELECT $1, t FROM unnest($2::text[]) AS t ON CONFLICT DO NOTHING';
const SET_STATUS = `UPDATE subscribers SET status = $2, updated_at = $3,
    confirmed_at = CASE WHEN $2 = 'active' THEN coalesce(confirmed_at, $3) ELSE confirmed_at END,
    unsubscribed_at = CASE WHEN $2 = 'unsubscribed' THEN $3 ELSE unsubscribed_at END,
    bounced_at = CASE WHEN $2 = 'bounced' THEN $3 ELSE bounced_at END,
    bounce_reason = CASE WHEN $2 = 'bounced' THEN $4 ELSE bounce_reason END
  WHERE id = $1`;
// The used token's hash stays so that a replayed link can be told apart from a forged one ("already used").
const TAKE_WINDOW = 'UPDATE subscribers SET confirm_sent_at = $2, updated_at = $2 WHERE id = $1';
const ISSUE_TOKEN = "UPDATE subscribers SET confirm_token_hash = $3, confirm_expires_at = $4 WHERE id = $1 AND confirm_sent_at = $2 AND status = 'pending'";
const RELEASE_WINDOW = 'UPDATE subscribers SET confirm_sent_at = NULL WHERE id = $1 AND confirm_sent_at = $2';
const SET_PREFERENCES = 'UPDATE subscribers SET timezone = $2, delivery_hour = $3, frequency = $4, paused = $5, updated_at = $6 WHERE id = $1';
const SKIP_PENDING = "UPDATE deliveries SET status = 'skipped', error = $2, updated_at = $3 WHERE subscriber_id = $1 AND status = 'pending'";
const DELIVERIES_OF = `SELECT e.date AS edition_date, d.status, d.sent_at, d.message_id
  FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE d.subscriber_id = $1 ORDER BY e.date`;
const SENT_PAPERS_OF = `SELECT j.value AS paper_id, e.date AS edition_date
  FROM sent_papers s JOIN editions e ON e.id = s.edition_id, jsonb_array_elements_text(s.papers_json) AS j(value)
  WHERE s.subscriber_id = $1 ORDER BY e.date, j.value COLLATE "C"`;
const COUNT_BY_STATUS = 'SELECT status, count(*) AS n FROM subscribers GROUP BY status';
const ACTIVE_PAGE = "SELECT * FROM subscribers WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2";
const EXPORT_PAGE = `SELECT s.id, s.email, s.status,
    coalesce((SELECT array_agg(t.topic ORDER BY t.topic) FROM subscriber_topics t WHERE t.subscriber_id = s.id), '{}') AS topics,
    s.timezone, s.delivery_hour, s.frequency, s.paused, s.created_at, s.confirmed_at
  FROM subscribers s WHERE s.id > $1 AND ($2::text IS NULL OR s.status = $2) ORDER BY s.id LIMIT $3`;
// Every status gets a row, zero included, as on SQLite.
const RECORD_COUNTS = `INSERT INTO subscriber_counts (date, status, n)
  SELECT $1::date, st.status, (SELECT count(*) FROM subscribers s WHERE s.status = st.status)
  FROM unnest(ARRAY['pending', 'active', 'unsubscribed', 'bounced']) AS st(status)
  ON CONFLICT (date, status) DO UPDATE SET n = excluded.n`;
const ACTIVE_HISTORY = "SELECT date, n FROM subscriber_counts WHERE status = 'active' ORDER BY date DESC LIMIT $1";
const INGESTED = 'SELECT source, coalesce(sum(inserted), 0) AS n FROM ingest_runs GROUP BY source ORDER BY source';
const PAPERS = 'SELECT count(*) AS n FROM papers';
const DELIVERIES_BY_STATUS = 'SELECT status, count(*) AS n FROM deliveries GROUP BY status';
const LAST_OK = "SELECT started_at, finished_at FROM job_runs WHERE job = $1 AND status = 'ok' ORDER BY finished_at DESC LIMIT 1";
const MIGRATIONS = 'SELECT version FROM schema_migrations ORDER BY version';
/** Single-column foreign keys pointing at a table: the child as a SQL name (regclass text) and its plain name. */
const REFERENCES_TO = `SELECT c.conrelid::regclass::text AS sql_name, cl.relname AS "table", a.attname AS "from", af.attname AS "to"
  FROM pg_constraint c
  JOIN pg_class cl ON cl.oid = c.conrelid
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
  WHERE c.contype = 'f' AND c.confrelid = $1::regclass AND cardinality(c.conkey) = 1
  ORDER BY cl.relname`;

const zeroCounts = (): Record<SubscriberStatus, number> => ({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });
const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

async function setTopics(c: Queryable, id: number, topics: readonly string[]): Promise<void> {
  await c.query(CLEAR_TOPICS, [id]);
  if (topics.length) await c.query(ADD_TOPICS, [id, [...topics]]);
}

const setStatus = (c: Queryable, id: number, status: SubscriberStatus, now: string, reason: string | null = null) =>
  c.query(SET_STATUS, [id, status, now, reason]);

const setPreferences = (c: Queryable, id: number, p: DeliveryPreferences, now: string) =>
  c.query(SET_PREFERENCES, [id, p.timezone, p.hour, p.frequency, p.paused, now]);

const insertValues = (s: NewSubscriber) => [
  s.email,
  s.status,
  s.now,
  s.status === 'active' ? s.now : null,
  s.timezone ?? null,
  s.hour ?? null,
  s.frequency ?? 'daily',
  s.paused ?? false,
];

async function create(c: PgClient, s: NewSubscriber): Promise<number> {
  const { id } = (await one<{ id: number }>(c, `${INSERT} RETURNING id`, insertValues(s)))!;
  if (s.topics) await setTopics(c, id, s.topics);
  return id;
}

async function subscribeOne(c: PgClient, request: SubscribeRequest, terms: SubscribeTerms): Promise<SubscribeOutcome> {
  const { now } = terms;
  let sub = await one<Subscriber>(c, BY_EMAIL_LOCKED, [request.email]);
  if (!sub) {
    const inserted = await one<{ id: number }>(c, INSERT_PENDING_IF_NEW, [request.email, now, request.timezone ?? null, request.hour ?? null]);
    if (inserted) {
      if (request.topics) await setTopics(c, inserted.id, request.topics);
      return { subscriberId: inserted.id, email: request.email, action: 'created' };
    }
    sub = (await one<Subscriber>(c, BY_EMAIL_LOCKED, [request.email]))!;
  }
  // Active addresses get nothing (no mail, no change); bounced ones stay bounced until an admin resets them.
  if (sub.status === 'active' || sub.status === 'bounced') return { subscriberId: sub.id, email: sub.email, action: 'ignored' };
  if (sub.status === 'unsubscribed') await setStatus(c, sub.id, 'pending', now);
  if (request.topics) await setTopics(c, sub.id, request.topics);
  if (request.timezone !== undefined || request.hour !== undefined)
    await setPreferences(c, sub.id, { timezone: request.timezone ?? sub.timezone, hour: request.hour ?? sub.delivery_hour, frequency: sub.frequency, paused: sub.paused }, now);
  const last = sub.confirm_sent_at ? Date.parse(sub.confirm_sent_at) : Number.NEGATIVE_INFINITY;
  if (Date.parse(now) - last < terms.resendMinutes * 60_000) return { subscriberId: sub.id, email: sub.email, action: 'throttled' };
  // The window is taken in the same transaction that decided to send: two racing requests send one email.
  await c.query(TAKE_WINDOW, [sub.id, now]);
  return { subscriberId: sub.id, email: sub.email, action: 'renewed' };
}

function checkRow(sub: Subscriber | undefined, now: string): ConfirmCheck {
  if (!sub) return { ok: false, reason: 'invalid' };
  if (sub.status !== 'pending') return { ok: false, reason: 'used', subscriberId: sub.id, active: sub.status === 'active' };
  if (!sub.confirm_expires_at || sub.confirm_expires_at <= now) return { ok: false, reason: 'expired' };
  return { ok: true, subscriberId: sub.id };
}

interface PgForeignKeyRef {
  sql_name: string;
  table: string;
  from: string;
  to: string;
}

const referencesTo = (c: Queryable, parent: string) => all<PgForeignKeyRef>(c, REFERENCES_TO, [parent]);

// Deletes children before parents (as on SQLite), so every row removed is counted and a table added later
// without ON DELETE CASCADE is covered too.
async function purge(c: PgClient, table: string, where: string, params: unknown[], depth: number): Promise<number> {
  if (depth > 8) throw new Error(`foreign keys nest too deep below ${table}`);
  let removed = 0;
  for (const ref of await referencesTo(c, table)) {
    if (ref.sql_name === table) continue; // a self-reference is removed with the row itself
    removed += await purge(c, ref.sql_name, `${quote(ref.from)} IN (SELECT ${quote(ref.to)} FROM ${table} WHERE ${where})`, params, depth + 1);
  }
  return removed + ((await c.query(`DELETE FROM ${table} WHERE ${where}`, params)).rowCount ?? 0);
}

export function createPostgresSubscriberStore(pool: PgPool): SubscriberStore {
  const countByStatus = async (q: Queryable = pool) => {
    const counts = zeroCounts();
    for (const r of await all<{ status: SubscriberStatus; n: number }>(q, COUNT_BY_STATUS)) counts[r.status] = r.n;
    return counts;
  };

  return {
    getSubscriber: (id) => one<Subscriber>(pool, BY_ID, [id]),
    getSubscriberByEmail: (email) => one<Subscriber>(pool, BY_EMAIL, [email]),
    subscriberTopics: async (id) => (await all<{ topic: string }>(pool, TOPICS, [id])).map((r) => r.topic),
    createSubscriber: (s) => inTransaction(pool, (c) => create(c, s)),
    async setSubscriberStatus(id, status, now, reason) {
      await setStatus(pool, id, status, now, reason ?? null);
    },
    setSubscriberTopics: (id, topics) => inTransaction(pool, (c) => setTopics(c, id, topics)),
    subscribe: (request, terms) => inTransaction(pool, (c) => subscribeOne(c, request, terms)),
    subscribeBatch: (items) =>
      inTransaction(pool, async (c) => {
        const out: (SubscribeOutcome | RequestFailed)[] = [];
        for (const { request, terms } of items) {
          try {
            out.push(await inSavepoint(c, () => subscribeOne(c, request, terms)));
          } catch (err) {
            if (!isPgRequestError(err)) throw err; // the database's condition: the whole batch waits
            out.push({ failed: err });
          }
        }
        return out;
      }),
    async issueConfirmToken(id, windowAt, hash, expiresAt) {
      return (await pool.query(ISSUE_TOKEN, [id, windowAt, hash, expiresAt])).rowCount === 1;
    },
    async releaseConfirmWindow(id, windowAt) {
      await pool.query(RELEASE_WINDOW, [id, windowAt]);
    },
    checkConfirmation: async (hash, now) => checkRow(await one<Subscriber>(pool, BY_CONFIRM_HASH, [hash]), now),
    confirmSubscriber: (hash, now) =>
      inTransaction(pool, async (c) => {
        const check = checkRow(await one<Subscriber>(c, BY_CONFIRM_HASH_LOCKED, [hash]), now);
        if (check.ok) await setStatus(c, check.subscriberId, 'active', now);
        return check;
      }),
    unsubscribeSubscriber: (id, now, reason = 'unsubscribed') =>
      inTransaction(pool, async (c) => {
        const sub = await one<Subscriber>(c, BY_ID_LOCKED, [id]);
        if (!sub) return 'unknown' as const;
        if (sub.status !== 'active' && sub.status !== 'pending') return 'already' as const;
        await setStatus(c, id, 'unsubscribed', now);
        // Anything not yet claimed by a sender stops at once.
        await c.query(SKIP_PENDING, [id, reason, now]);
        return 'unsubscribed' as const;
      }),
    updateSubscriberPreferences: (id, p, now) =>
      inTransaction(pool, async (c) => {
        const sub = await one<Subscriber>(c, BY_ID_LOCKED, [id]);
        if (!sub) return false;
        await setTopics(c, id, p.topics);
        await setPreferences(c, id, p, now);
        if (p.paused && !sub.paused) await c.query(SKIP_PENDING, [id, 'paused', now]);
        return true;
      }),
    resumeSubscriber: (id, now) =>
      inTransaction(pool, async (c) => {
        const sub = await one<Subscriber>(c, BY_ID_LOCKED, [id]);
        if (!sub) return 'unknown' as const;
        if (sub.status === 'active') return 'active' as const;
        if (sub.status !== 'unsubscribed' || !sub.confirmed_at) return 'not_allowed' as const;
        await setStatus(c, id, 'active', now);
        return 'active' as const;
      }),
    // REPEATABLE READ: every part of the export is read from one snapshot.
    subscriberExport: (id) =>
      inTransaction(pool, async (c): Promise<SubscriberExport | undefined> => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const subscriber = await one<Subscriber>(c, BY_ID, [id]);
        if (!subscriber) return undefined;
        const otherRecords: SubscriberExport['otherRecords'] = {};
        for (const ref of await referencesTo(c, 'subscribers')) {
          if (EXPORTED_TABLES.has(ref.table)) continue;
          const rows = await all<Record<string, unknown>>(c, `SELECT * FROM ${ref.sql_name} WHERE ${quote(ref.from)} = $1`, [id]);
          if (rows.length) otherRecords[ref.table] = rows;
        }
        return {
          subscriber,
          topics: (await all<{ topic: string }>(c, TOPICS, [id])).map((r) => r.topic),
          deliveries: await all<SubscriberDelivery>(c, DELIVERIES_OF, [id]),
          sentPapers: await all<{ paper_id: string; edition_date: string }>(c, SENT_PAPERS_OF, [id]),
          otherRecords,
        };
      }),
    deleteSubscriber: (id) =>
      inTransaction(pool, async (c) => ((await one(c, BY_ID_LOCKED, [id])) ? purge(c, 'subscribers', 'id = $1', [id], 0) : 0)),
    countSubscribersByStatus: () => countByStatus(),
    activeSubscribersPage: (afterId, limit) => all<Subscriber>(pool, ACTIVE_PAGE, [afterId, limit]),
    importSubscribers: (rows, o) =>
      inTransaction(pool, async (c) => {
        const out: ImportOutcome = { added: 0, existing: 0, failed: [] };
        for (const row of rows) {
          if (await one(c, BY_EMAIL, [row.email])) {
            out.existing++;
            continue;
          }
          if (o.dryRun) {
            out.added++;
            continue;
          }
          try {
            await inSavepoint(c, () => create(c, row));
            out.added++;
          } catch (err) {
            if (!isPgRequestError(err)) throw err;
            out.failed.push({ line: row.line, error: describeError(err) });
          }
        }
        return out;
      }),
    exportSubscribersPage: (afterId, status, limit) => all<ExportedSubscriber>(pool, EXPORT_PAGE, [afterId, status, limit]),
    async recordSubscriberCounts(date) {
      await pool.query(RECORD_COUNTS, [date]);
    },
    activeSubscribersHistory: async (days) => (await all<{ date: string; n: number }>(pool, ACTIVE_HISTORY, [days])).reverse(),
    async pingDatabase() {
      await pool.query('SELECT 1');
    },
    async probeWrite(now) {
      await pool.query('INSERT INTO health_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at', [now]);
    },
    appliedMigrations: async () => (await all<{ version: number }>(pool, MIGRATIONS)).map((r) => r.version),
    async metricsCounts() {
      const [ingested, papers, deliveries, subscribers] = await Promise.all([
        all<{ source: string; n: number }>(pool, INGESTED),
        one<{ n: number }>(pool, PAPERS),
        all<{ status: string; n: number }>(pool, DELIVERIES_BY_STATUS),
        countByStatus(),
      ]);
      return {
        ingestedBySource: ingested,
        papersStored: papers!.n,
        deliveriesByStatus: Object.fromEntries(deliveries.map((r) => [r.status, r.n])),
        subscribersByStatus: subscribers,
      };
    },
    lastSuccessfulRun: (job) => one<{ started_at: string; finished_at: string }>(pool, LAST_OK, [job]),
  };
}
