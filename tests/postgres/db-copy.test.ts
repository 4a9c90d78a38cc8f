// `papers db copy --to postgres://…` on the demo database (the bundled sample week ingested, subscribers with topics
// and a confirmation token, the 2026-08-21 edition prepared and sent to the outbox): every table's rows arrive, ids,
// times, flags and JSON intact; a non-empty target is refused; a value that cannot be converted copies nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { openApp } from '../../src/app.js';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { papers } from '../helpers/cli.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { openDatabase } from '../../src/db/open.js';
import { copySqliteToPostgres, nonEmptyTables } from '../../src/db/copy.js';
import { describePostgresUrl } from '../../src/db/postgres/pool.js';

const SAMPLE = fileURLToPath(new URL('../../src/sample-data/hf-daily/', import.meta.url));
const NOW = '2026-08-21T07:00:00.000Z';
const TOKEN_HASH = createHash('sha256').update('confirm-token-of-pending-reader').digest('hex');

let app: TestApp;
const targets: TestDatabase[] = [];
let demoIds: { demo: number; pending: number; paused: number; evening: number; gone: number };

async function emptyTarget(): Promise<TestDatabase> {
  const t = await createEmptyDatabase();
  targets.push(t);
  return t;
}

/** The tables a copy carries, with their row counts: not the FTS tables, schema_migrations, the subscribe spool or the counts by status (SQLite's own). */
function sqliteCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'papers_fts%' AND name NOT IN ('schema_migrations', 'subscribe_spool', 'deliveries_by_status', 'subscribers_by_status')").all() as { name: string }[]).map((r) => r.name);
    return Object.fromEntries(names.map((n) => [n, (db.prepare(`SELECT count(*) AS n FROM "${n}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

async function pgCounts(t: TestDatabase, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of tables) out[n] = (await t.pool.query(`SELECT count(*) AS n FROM "${n}"`)).rows[0].n as number;
  return out;
}

beforeAll(async () => {
  // The demo's data path in-process: the bundled sample, the morning after the sample week.
  app = createTestApp({ FILE_SOURCE_PATH: SAMPLE }, { clock: fixedClock(NOW) });
  const repo = app.subscriptions.repo;
  const demo = repo.create({ email: 'demo@example.com', status: 'active', now: NOW, topics: ['agents', 'diffusion'] });
  const evening = repo.create({ email: 'Evening.Reader@Example.org', status: 'active', now: NOW, timezone: 'Asia/Tokyo', hour: 19, topics: ['long context', 'cs.CL'] });
  const paused = repo.create({ email: 'paused@example.org', status: 'active', now: NOW, frequency: 'weekly', topics: ['robot'] });
  repo.setPreferences(paused, { timezone: null, hour: null, frequency: 'weekly', paused: true }, NOW);
  const pending = repo.create({ email: 'pending@example.org', status: 'pending', now: NOW });
  // Its confirmation mailed: the request took the window, the token went out with the email.
  repo.subscribe({ email: 'pending@example.org' }, { now: NOW, resendMinutes: 60 });
  expect(repo.issueConfirmToken(pending, NOW, TOKEN_HASH, '2026-08-23T07:00:00.000Z')).toBe(true);
  const gone = repo.create({ email: 'gone@example.org', status: 'active', now: NOW });
  repo.setStatus(gone, 'unsubscribed', NOW);
  demoIds = { demo, pending, paused, evening, gone };
  const r = await runDailyJob(app, { date: '2026-08-21' });
  expect(r.edition.status).toBe('ready');
  expect(r.send?.sent).toBeGreaterThan(0);
});
afterAll(async () => {
  await Promise.all(targets.map((t) => t.drop()));
  await app?.cleanup();
});

describe('papers db copy', () => {
  it('copies the demo database whole: row counts per table printed and equal, values intact', async () => {
    const target = await emptyTarget();
    const r = await papers(['db', 'copy', '--to', target.url], { DATABASE_PATH: app.config.databasePath });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);

    // The printed table: one line per table, SQLite's count beside PostgreSQL's.
    const source = sqliteCounts(app.config.databasePath);
    const printed = Object.fromEntries(
      r.stdout
        .split('\n')
        .map((l) => /^(\w+)\s+(\d+)\s+(\d+)$/.exec(l))
        .filter((m) => m !== null)
        .map((m) => [m[1]!, [Number(m[2]), Number(m[3])]]),
    );
    expect(Object.keys(printed).sort()).toEqual(Object.keys(source).sort());
    for (const [table, n] of Object.entries(source)) expect(printed[table], table).toEqual([n, n]);
    const total = Object.values(source).reduce((a, b) => a + b, 0);
    expect(r.stdout).toContain(`copied ${total} rows in ${Object.keys(source).length} tables`);
    // Counted again here, not only by the command: the demo has papers, observations, an edition and its ledger.
    expect(await pgCounts(target, Object.keys(source))).toEqual(source);
    for (const t of ['papers', 'observations', 'subscribers', 'subscriber_topics', 'editions', 'edition_papers', 'deliveries', 'sent_papers', 'job_runs', 'ingest_runs'])
      expect(source[t], t).toBeGreaterThan(0);

    const sqlite = openDatabase(app.config.databasePath, { readonly: true });
    try {
      // Subscribers: address (its case kept, matched without case), status, flags, times, token hash.
      const subs = await target.pool.query('SELECT * FROM subscribers ORDER BY id');
      const liteSubs = sqlite.prepare('SELECT * FROM subscribers ORDER BY id').all() as Record<string, unknown>[];
      expect(subs.rows.map((s) => [s.id, s.email, s.status, s.paused, s.confirm_token_hash])).toEqual(
        liteSubs.map((s) => [s.id, s.email, s.status, s.paused === 1, s.confirm_token_hash]),
      );
      const pending = subs.rows.find((s) => s.id === demoIds.pending)!;
      expect(pending).toMatchObject({ status: 'pending', confirm_token_hash: TOKEN_HASH, confirm_expires_at: '2026-08-23T07:00:00.000Z', created_at: NOW });
      expect(subs.rows.find((s) => s.id === demoIds.paused)).toMatchObject({ paused: true, frequency: 'weekly' });
      expect(subs.rows.find((s) => s.id === demoIds.evening)).toMatchObject({ email: 'Evening.Reader@Example.org', timezone: 'Asia/Tokyo', delivery_hour: 19 });
      expect(subs.rows.find((s) => s.id === demoIds.gone)).toMatchObject({ status: 'unsubscribed', unsubscribed_at: NOW });
      expect((await target.pool.query('SELECT id FROM subscribers WHERE email = $1', ['evening.reader@example.org'])).rows).toEqual([{ id: demoIds.evening }]);
      const topics = await target.pool.query('SELECT subscriber_id, topic FROM subscriber_topics ORDER BY subscriber_id, topic');
      expect(topics.rows).toEqual(sqlite.prepare('SELECT subscriber_id, topic FROM subscriber_topics ORDER BY subscriber_id, topic').all());

      // Deliveries: Message-ID, status, times and the frozen selection (jsonb, equal as JSON).
      const liteDeliveries = sqlite.prepare('SELECT * FROM deliveries ORDER BY id').all() as Record<string, unknown>[];
      const deliveries = (await target.pool.query('SELECT * FROM deliveries ORDER BY id')).rows;
      expect(deliveries.map((d) => [d.id, d.message_id, d.status, d.kind, d.due_at, d.sent_at, d.attempts])).toEqual(
        liteDeliveries.map((d) => [d.id, d.message_id, d.status, d.kind, d.due_at, d.sent_at, d.attempts]),
      );
      expect(deliveries.map((d) => d.selection_json)).toEqual(liteDeliveries.map((d) => JSON.parse(d.selection_json as string)));
      const demoDelivery = deliveries.find((d) => d.subscriber_id === demoIds.demo)!;
      expect(demoDelivery).toMatchObject({ status: 'sent', message_id: expect.stringMatching(/^<digest-2026-08-21-/) });
      expect(demoDelivery.selection_json.map((s: { title: string }) => s.title)).toEqual(['Top trending', 'For you: agents', 'For you: diffusion']);
      expect(new Set(deliveries.map((d) => d.status))).toEqual(new Set(['sent', 'pending'])); // the evening reader waits for 19:00 Tokyo

      const sent = (await target.pool.query('SELECT edition_id, subscriber_id, papers_json FROM sent_papers ORDER BY 1, 2')).rows;
      expect(sent).toEqual(
        (sqlite.prepare('SELECT edition_id, subscriber_id, papers_json FROM sent_papers ORDER BY 1, 2').all() as { papers_json: string }[]).map((s) => ({ ...s, papers_json: JSON.parse(s.papers_json) })),
      );
      expect((await target.pool.query('SELECT date FROM editions')).rows).toEqual([{ date: '2026-08-21' }]);
      const ep = (await target.pool.query('SELECT paper_id, rank, score, snapshot_json FROM edition_papers ORDER BY rank')).rows;
      const liteEp = sqlite.prepare('SELECT paper_id, rank, score, snapshot_json FROM edition_papers ORDER BY rank').all() as { snapshot_json: string }[];
      expect(ep).toEqual(liteEp.map((e) => ({ ...e, snapshot_json: JSON.parse(e.snapshot_json) })));

      // Observations: ids and times equal as ISO strings.
      const obs = (await target.pool.query('SELECT id, paper_id, observed_at, upvotes, comments, github_stars FROM observations ORDER BY id')).rows;
      expect(obs).toEqual(sqlite.prepare('SELECT id, paper_id, observed_at, upvotes, comments, github_stars FROM observations ORDER BY id').all());
      expect(obs[0]!.observed_at).toBe(NOW);

      // Papers: dates, times and JSON lists; the generated columns computed by PostgreSQL.
      const paper = (await target.pool.query("SELECT * FROM papers WHERE daily_date IS NOT NULL ORDER BY id LIMIT 1")).rows[0];
      const litePaper = sqlite.prepare('SELECT * FROM papers WHERE id = ?').get(paper.id) as Record<string, string>;
      expect(paper).toMatchObject({
        title: litePaper.title,
        daily_date: litePaper.daily_date,
        published_at: new Date(litePaper.published_at!).toISOString(),
        first_seen_at: litePaper.first_seen_at,
        authors_json: JSON.parse(litePaper.authors_json!),
        ai_keywords_json: JSON.parse(litePaper.ai_keywords_json!),
        appeared_at: `${litePaper.daily_date}T00:00:00.000Z`,
      });
      expect(typeof paper.search).toBe('string');
    } finally {
      sqlite.close();
    }

    // Identity sequences continue after the copied ids.
    const maxId = Math.max(...Object.values(demoIds));
    const next = await target.pool.query("INSERT INTO subscribers (email, created_at, updated_at) VALUES ('new@example.org', now(), now()) RETURNING id");
    expect(next.rows[0].id).toBe(maxId + 1);
    const nextObs = await target.pool.query("INSERT INTO observations (paper_id, source, observed_at) SELECT id, 'hf', now() FROM papers LIMIT 1 RETURNING id");
    expect(nextObs.rows[0].id).toBe(source.observations! + 1);
  });

  it('the moved install carries on from PostgreSQL: the pending reader confirms, the evening reader gets the waiting digest, the day is not sent twice', async () => {
    const target = await emptyTarget();
    expect((await papers(['db', 'copy', '--to', target.url], { DATABASE_PATH: app.config.databasePath })).code).toBe(0);
    // The same install, now on DATABASE_URL, at 19:00 in Tokyo (10:00 UTC): the evening reader's copy is due.
    const moved = await openApp(testConfig(app.dir, { DATABASE_URL: target.url, FILE_SOURCE_PATH: SAMPLE, OUTBOX_DIR: join(app.dir, 'outbox-moved') }), {
      clock: fixedClock('2026-08-21T10:00:00.000Z'),
    });
    try {
      expect(moved.store.engine).toBe('postgres');
      // The confirmation token issued on SQLite works on PostgreSQL (its hash was copied).
      expect(await moved.subscriptions.confirm('confirm-token-of-pending-reader')).toEqual({ ok: true, subscriberId: demoIds.pending });
      expect((await moved.store.getSubscriber(demoIds.pending))?.status).toBe('active');
      // Rerunning the day: the edition is the copied one (not prepared again), and only the waiting copy goes out.
      const again = await runDailyJob(moved, { date: '2026-08-21', skipIngest: true });
      expect(again.edition).toMatchObject({ status: 'ready', created: false });
      expect(again.send).toMatchObject({ sent: 1, failed: 0 });
      const rows = await target.pool.query<{ subscriber_id: number; status: string }>('SELECT subscriber_id, status FROM deliveries ORDER BY subscriber_id');
      expect(rows.rows.every((r) => r.status === 'sent')).toBe(true);
      expect(rows.rows.map((r) => r.subscriber_id)).toContain(demoIds.evening);
      // The never-twice ledger has every reader's papers, the evening reader's included.
      const ledger = await target.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sent_papers');
      expect(ledger.rows[0]!.n).toBe(rows.rows.length);
    } finally {
      await moved.close();
    }
  });

  it('refuses a target that holds rows, in one line with exit 2, and changes nothing there', async () => {
    const target = await createTestDatabase();
    targets.push(target);
    await target.pool.query("INSERT INTO health_probe (id, at) VALUES (1, now())");
    const r = await papers(['db', 'copy', '--to', target.url], { DATABASE_PATH: app.config.databasePath });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${describePostgresUrl(target.url)} is not empty (rows in health_probe): db copy only fills an empty database\n`);
    expect(await nonEmptyTables(target.pool)).toEqual(['health_probe']);
  });

  it('refuses a database holding tables of something else before giving it our schema', async () => {
    const target = await emptyTarget();
    await target.pool.query('CREATE TABLE orders (id integer); INSERT INTO orders VALUES (1)');
    const r = await papers(['db', 'copy', '--to', target.url], { DATABASE_PATH: app.config.databasePath });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty \(rows in orders\)/);
    expect((await target.pool.query("SELECT to_regclass('schema_migrations') AS t")).rows[0].t).toBeNull();
  });

  it('a value that is not what its column says copies nothing and names table and column', async () => {
    const bad = join(app.dir, 'bad.db');
    await app.db.backup(bad);
    const copy = new Database(bad);
    copy.prepare("UPDATE observations SET observed_at = 'yesterday' WHERE id = (SELECT max(id) FROM observations)").run();
    copy.close();
    const target = await createTestDatabase();
    targets.push(target);
    const source = openDatabase(bad);
    try {
      await expect(copySqliteToPostgres(source, target.pool)).rejects.toMatchObject({
        code: 'COPY_BAD_VALUE',
        message: 'observations.observed_at: "yesterday" is not an ISO-8601 time',
      });
    } finally {
      source.close();
    }
    // One transaction: the tables copied before observations were rolled back too.
    expect(await nonEmptyTables(target.pool)).toEqual([]);
  });

  it('a SQLite table without a PostgreSQL twin stops the copy instead of leaving its rows behind', async () => {
    const extra = join(app.dir, 'extra.db');
    await app.db.backup(extra);
    const copy = new Database(extra);
    copy.exec("CREATE TABLE newer_feature (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO newer_feature (x) VALUES ('kept')");
    copy.close();
    const target = await createTestDatabase();
    targets.push(target);
    const source = openDatabase(extra);
    try {
      await expect(copySqliteToPostgres(source, target.pool)).rejects.toMatchObject({ code: 'COPY_SCHEMA_MISMATCH', message: expect.stringContaining('newer_feature') });
    } finally {
      source.close();
    }
    expect(await nonEmptyTables(target.pool)).toEqual([]);
  });

  it('refuses to copy while subscribe requests wait in the SQLite spool (they would be left behind), and copies nothing', async () => {
    const spooled = join(app.dir, 'spooled.db');
    await app.db.backup(spooled);
    const copy = new Database(spooled);
    copy.prepare('INSERT INTO subscribe_spool (received_at, email, request) VALUES (?, ?, ?)').run(NOW, 'late@example.org', '{"email":"late@example.org"}');
    copy.close();
    const target = await createTestDatabase();
    targets.push(target);
    const source = openDatabase(spooled);
    try {
      await expect(copySqliteToPostgres(source, target.pool)).rejects.toMatchObject({ code: 'COPY_SPOOL_NOT_EMPTY', message: expect.stringContaining('1 subscribe request') });
    } finally {
      source.close();
    }
    expect(await nonEmptyTables(target.pool)).toEqual([]);
  });
});
