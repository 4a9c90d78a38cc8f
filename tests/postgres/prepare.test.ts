// Preparing an edition on PostgreSQL (prepareEditionOnStore): the recorded Hugging Face days ingested into SQLite with
// an audience (topics, weekly readers, a paused one, profiles, a ledger and an outstanding delivery of the previous
// edition), the same rows copied into PostgreSQL (src/db/copy.ts). The edition prepared there has the same subject,
// papers and deliveries (each reader's selection, due time, Message-ID, kind) as SQLite's own preparation writes; it is
// resumable after a stop (no duplicates, it completes), and a second preparation of it meanwhile gets JOB_LOCKED.
// The Store path on SQLite (its preparation area) writes the same too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { openDatabase } from '../../src/db/open.js';
import { copySqliteToPostgres } from '../../src/db/copy.js';
import { createProfilesRepo } from '../../src/db/profiles-repo.js';
import { openPostgres } from '../../src/db/postgres/pool.js';
import { postgresStore, sqliteStore, type Store } from '../../src/db/store.js';
import { prepareEdition, prepareLockName } from '../../src/digest/prepare.js';
import { prepareEditionOnStore } from '../../src/digest/prepare-on-store.js';

const DATE = '2026-08-21'; // a Friday: WEEKLY_DIGEST_DAY below, so weekly readers get the week's best too
const NOW = '2026-08-21T07:00:00.000Z';
const PREVIOUS = '2026-08-20';
const N = 120;
// Topics both engines match alike on these days: arXiv categories, and a phrase whose full-text matches both rank in
// the same order here. (bm25 and ts_rank_cd order closely tied papers differently, tests/postgres/topics.test.ts, and a
// "For you" section shows the top three: "agents" or "long context" would differ by such a tie, not by the preparation.)
const TOPICS = [['cs.CV'], ['video generation'], ['cs.CL', 'video generation'], [], ['cs.CV', 'cs.CL']];

let app: TestApp;
let sqliteCopy: ReturnType<typeof tempDir>;
/** What SQLite's own preparation wrote. */
let expected: Snapshot;
const clock = fixedClock(NOW);
const stores: Store[] = [];

type Snapshot = { subject: string; audienceMaxId: number; papers: unknown[]; deliveries: unknown[] };

beforeAll(async () => {
  app = createTestApp({ WEEKLY_DIGEST_DAY: 'friday' }, { clock });
  await runIngest({ ...app, sources: app.sources() }, { days: app.config.sources.hfDays });
  const db = app.db;
  // HF entries carry no arXiv categories: the video papers get one, the reasoning and language ones another.
  db.prepare("INSERT INTO paper_categories (paper_id, category) SELECT id, 'cs.CV' FROM papers WHERE title LIKE '%Video%'").run();
  db.prepare("INSERT INTO paper_categories (paper_id, category) SELECT id, 'cs.CL' FROM papers WHERE title LIKE '%Reason%' OR title LIKE '%Language%'").run();
  const ids = (db.prepare("SELECT id FROM papers WHERE daily_date >= '2026-08-17' ORDER BY id").all() as { id: string }[]).map((r) => r.id);
  expect(ids.length).toBeGreaterThan(20);
  const profiles = createProfilesRepo(db);
  db.transaction(() => {
    for (let i = 1; i <= N; i++) {
      const id = app.subscriptions.repo.create({
        email: `reader${i}@example.org`,
        status: 'active',
        now: '2026-08-01T00:00:00.000Z',
        topics: TOPICS[i % TOPICS.length]!,
        frequency: i % 4 === 0 ? 'weekly' : 'daily',
        paused: i % 17 === 0,
        ...(i % 6 === 0 ? { timezone: 'America/New_York', hour: 8 } : {}),
      });
      // Every third reader has a profile: liked papers of the week (one imported only, by title), one "less like this".
      if (i % 3 === 0) {
        profiles.importPapers(id, [{ paperId: ids[i % ids.length]! }, { paperId: ids[(i * 7) % ids.length]! }, { paperId: '2601.99999', title: 'Agents that plan long videos', abstract: 'Video agents.' }], 'list', NOW);
        profiles.setSignal(id, ids[(i * 5) % ids.length]!, -1, 'email', NOW);
      }
    }
  })();
  app.subscriptions.repo.create({ email: 'pending@example.org', status: 'pending', now: NOW });
  // The previous edition: readers 1…30 were sent its first papers (the ledger), reader 31's delivery is outstanding.
  const prev = Number(db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', 'Previous')").run(PREVIOUS, '2026-08-20T07:00:00.000Z').lastInsertRowid);
  for (let s = 1; s <= 30; s++) db.prepare('INSERT INTO sent_papers (edition_id, subscriber_id, papers_json) VALUES (?, ?, ?)').run(prev, s, JSON.stringify(ids.slice(s % 5, (s % 5) + 6)));
  db.prepare(
    "INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at) VALUES (?, 31, 'pending', ?, ?, '<m31>', ?)",
  ).run(prev, JSON.stringify([{ kind: 'trending', title: 'Top', papers: ids.slice(0, 8).map((id) => ({ id, reason: 'r' })) }]), NOW, NOW);

  // The rows as they are before any preparation (each PostgreSQL test copies them into a database of its own), then
  // SQLite's own preparation.
  sqliteCopy = tempDir('prepare-store-');
  db.pragma('wal_checkpoint(TRUNCATE)');
  copyFileSync(app.config.databasePath, join(sqliteCopy.dir, 'before.db'));
  const own = prepareEdition(app, DATE, app.prepareSettings);
  expect(own.edition.status).toBe('ready');
  expected = snapshotOf(
    own.edition,
    db.prepare('SELECT paper_id, rank, score, reason, snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY paper_id').all(own.edition.id),
    db.prepare('SELECT subscriber_id, status, selection_json, due_at, message_id, kind FROM deliveries WHERE edition_id = ? ORDER BY subscriber_id').all(own.edition.id),
  );
}, 120_000);

afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
  await app?.cleanup();
  sqliteCopy?.cleanup();
});

/** Rows as both engines give them: JSON parsed (jsonb orders keys its own way), numbers as numbers. */
function snapshotOf(edition: { subject: string; audience_max_id: number | null }, papers: unknown[], deliveries: unknown[]): Snapshot {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    subject: edition.subject,
    audienceMaxId: Number(edition.audience_max_id),
    papers: (papers as Record<string, unknown>[]).map((p) => ({ ...p, snapshot_json: parse(p.snapshot_json) })),
    deliveries: (deliveries as Record<string, unknown>[]).map((d) => ({ ...d, subscriber_id: Number(d.subscriber_id), selection_json: parse(d.selection_json) })),
  };
}

/** A fresh PostgreSQL database holding the rows as they were before any preparation, and a store on it. */
async function freshPostgres(): Promise<{ store: Store; url: string }> {
  const db = await createTestDatabase();
  databases.push(db);
  const source = openDatabase(join(sqliteCopy.dir, 'before.db'));
  try {
    await copySqliteToPostgres(source, db.pool);
  } finally {
    source.close();
  }
  return { store: postgresStore(db.pool), url: db.url };
}
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases.splice(0)) await db.drop();
});

async function pgSnapshot(url: string, editionId: number): Promise<Snapshot> {
  const pool = await openPostgres(url, { max: 1 });
  try {
    const e = (await pool.query('SELECT subject, audience_max_id FROM editions WHERE id = $1', [editionId])).rows[0];
    const papers = (await pool.query('SELECT paper_id, rank, score, reason, snapshot_json FROM edition_papers WHERE edition_id = $1 ORDER BY paper_id', [editionId])).rows;
    const deliveries = (
      await pool.query('SELECT subscriber_id, status, selection_json, due_at, message_id, kind FROM deliveries WHERE edition_id = $1 ORDER BY subscriber_id', [editionId])
    ).rows;
    return snapshotOf(e, papers, deliveries);
  } finally {
    await pool.end();
  }
}

const deps = (store: Store) => ({ store, clock, logger: silentLogger() });

describe('preparing an edition on PostgreSQL', () => {
  it('writes the same subject, edition papers and deliveries as SQLite’s own preparation', async () => {
    const { store, url } = await freshPostgres();
    const r = await prepareEditionOnStore(deps(store), DATE, app.prepareSettings, { pageSize: 40 });
    expect(r).toMatchObject({ created: true, edition: { status: 'ready', date: DATE } });
    expect(r.resumed).toBeUndefined();
    const got = await pgSnapshot(url, r.edition.id);
    // The audience: every active reader (the pending address has a larger id but is not in it), paused ones without a delivery.
    expect(expected.deliveries.length).toBe(N - Math.floor(N / 17));
    expect(expected.deliveries.some((d) => (d as { kind: string }).kind === 'weekly')).toBe(true);
    expect(expected.deliveries.some((d) => (d as { selection_json: { kind: string }[] }).selection_json.some((s) => s.kind === 'picked'))).toBe(true);
    expect(expected.deliveries.some((d) => (d as { selection_json: { kind: string }[] }).selection_json.some((s) => s.kind === 'topic'))).toBe(true);
    expect(got).toEqual(expected);
    expect(r.deliveries + r.skipped).toBe(expected.deliveries.length);
    // A second call changes nothing.
    expect(await prepareEditionOnStore(deps(store), DATE, app.prepareSettings)).toMatchObject({ created: false, deliveries: 0 });
  }, 60_000);

  it('stopped after one step, the next call resumes it: no duplicates, complete, the same deliveries', async () => {
    const { store, url } = await freshPostgres();
    const stop = new AbortController();
    let steps = 0;
    await expect(
      prepareEditionOnStore(deps(store), DATE, app.prepareSettings, {
        pageSize: 25,
        signal: stop.signal,
        onStep: () => {
          if (++steps === 1) stop.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'JOB_INTERRUPTED' });
    const left = await store.editionByDate(DATE);
    expect(left).toMatchObject({ status: 'preparing' });
    expect(left!.prepared_through).toBeGreaterThan(0);
    expect(left!.prepared_through).toBeLessThan(N);
    // The lock went with the stopped run: the next one takes it and resumes after prepared_through.
    const resumed = await prepareEditionOnStore(deps(store), DATE, app.prepareSettings, { pageSize: 25 });
    expect(resumed).toMatchObject({ created: true, resumed: true, edition: { id: left!.id, status: 'ready' } });
    const got = await pgSnapshot(url, left!.id);
    expect(got).toEqual(expected);
    expect(resumed.deliveries + resumed.skipped).toBeLessThan(expected.deliveries.length);
  }, 60_000);

  it('a second preparation of the edition meanwhile gets JOB_LOCKED (the advisory lock), and succeeds once it is free', async () => {
    const { store, url } = await freshPostgres();
    const other = postgresStore(await openPostgres(url, { max: 3 }));
    stores.push(other);
    const held = await other.acquireLock(prepareLockName(DATE), 'elsewhere:1:aaaaaaaa', { now: NOW, ttlMs: 60_000 });
    expect(held).toBeDefined();
    await expect(prepareEditionOnStore(deps(store), DATE, app.prepareSettings)).rejects.toMatchObject({ code: 'JOB_LOCKED' });
    expect(await store.editionByDate(DATE)).toBeUndefined();
    await held!.release();
    // Two at once from two processes' pools: one prepares it, the other is refused.
    const both = await Promise.allSettled([
      prepareEditionOnStore(deps(store), DATE, app.prepareSettings, { pageSize: 10 }),
      prepareEditionOnStore(deps(other), DATE, app.prepareSettings, { pageSize: 10 }),
    ]);
    const done = both.filter((b) => b.status === 'fulfilled');
    const refused = both.filter((b) => b.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused.map((b) => (b as PromiseRejectedResult).reason.code)).toEqual(['JOB_LOCKED']);
    const edition = (done[0] as PromiseFulfilledResult<{ edition: { id: number } }>).value.edition;
    expect(await pgSnapshot(url, edition.id)).toEqual(expected);
  }, 60_000);

  it('the audience freezes after every subscriber write in flight: one still open when the preparation starts is in it, whatever its id', async () => {
    const { store, url } = await freshPostgres();
    const writer = await openPostgres(url, { max: 2 });
    // A transaction writing an active reader stays open: its id comes from the sequence now, its row commits later…
    const open = await writer.connect();
    let committed = false;
    try {
      await open.query('BEGIN');
      const late = (await open.query<{ id: number }>(
        "INSERT INTO subscribers (email, status, created_at, updated_at, confirmed_at) VALUES ('late@example.org', 'active', $1, $1, $1) RETURNING id",
        [NOW],
      )).rows[0]!.id;
      // …while another reader, with a larger id, commits at once.
      const after = (await writer.query<{ id: number }>(
        "INSERT INTO subscribers (email, status, created_at, updated_at, confirmed_at) VALUES ('after@example.org', 'active', $1, $1, $1) RETURNING id",
        [NOW],
      )).rows[0]!.id;
      expect(after).toBeGreaterThan(late);
      let settled = false;
      const preparing = prepareEditionOnStore(deps(store), DATE, app.prepareSettings, { pageSize: 10 }).finally(() => (settled = true));
      // The freeze waits for the open transaction instead of drawing its line past an id not yet committed.
      await new Promise((r) => setTimeout(r, 400));
      expect(settled).toBe(false);
      await open.query('COMMIT');
      committed = true;
      const r = await preparing;
      expect(r.edition.audience_max_id).toBe(after);
      const readers = (await writer.query<{ subscriber_id: number }>('SELECT subscriber_id FROM deliveries WHERE edition_id = $1', [r.edition.id])).rows.map((d) => Number(d.subscriber_id));
      expect(readers).toContain(late);
      expect(readers).toContain(after);
    } finally {
      if (!committed) await open.query('ROLLBACK').catch(() => undefined);
      open.release();
      await writer.end();
    }
  }, 60_000);

  it('a date with nothing in its candidate window is an empty edition, decided anew when its date is prepared again', async () => {
    const { store } = await freshPostgres();
    const r = await prepareEditionOnStore(deps(store), '2027-03-01', app.prepareSettings);
    expect(r).toMatchObject({ created: true, deliveries: 0, edition: { status: 'empty', reason: 'no papers in the candidate window', date: '2027-03-01' } });
    // An empty edition holds nothing, so preparing its date again decides anew (here: told why it is empty).
    const again = await prepareEditionOnStore(deps(store), '2027-03-01', app.prepareSettings, { emptyReason: 'ingest failed' });
    expect(again.edition).toMatchObject({ status: 'empty', reason: 'ingest failed' });
    expect(again.edition.id).not.toBe(r.edition.id);
  }, 60_000);

  it('the Store path on SQLite writes the same edition too', async () => {
    copyFileSync(join(sqliteCopy.dir, 'before.db'), join(sqliteCopy.dir, 'copy.db'));
    const db = openDatabase(join(sqliteCopy.dir, 'copy.db'));
    const store = sqliteStore(db);
    stores.push(store);
    const r = await prepareEditionOnStore(deps(store), DATE, app.prepareSettings, { pageSize: 33 });
    expect(r.edition.status).toBe('ready');
    expect(
      snapshotOf(
        r.edition,
        db.prepare('SELECT paper_id, rank, score, reason, snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY paper_id').all(r.edition.id),
        db.prepare('SELECT subscriber_id, status, selection_json, due_at, message_id, kind FROM deliveries WHERE edition_id = ? ORDER BY subscriber_id').all(r.edition.id),
      ),
    ).toEqual(expected);
  }, 60_000);
});
