// Issue 14: an edition for a large audience is prepared in short steps that yield to the event loop (it used to be one
// transaction holding the loop and the write lock for seconds: 11.5 s at 100,000 subscribers), with its audience
// frozen at the start, resumable after kill -9 without duplicates, and never prepared by two processes at once.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition, prepareEditionInSteps, weeklyTrend } from '../../src/digest/prepare.js';
import { rankOffThread } from '../../src/digest/prepare-thread.js';
import { rankEdition } from '../../src/rank/edition.js';
import { createCandidatesRepo } from '../../src/db/candidates-repo.js';
import { createLogger } from '../../src/lib/logger.js';
import { openDatabase } from '../../src/db/open.js';
import { createSubscribersRepo } from '../../src/db/subscribers-repo.js';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPath } from '../helpers/entries.js';

const DATE = '2026-08-21';
const NOW = '2026-08-21T07:00:00.000Z';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The app with the recorded papers and `n` active readers (ids 1…n), plus one still-pending address (id n + 1). */
async function audience(n: number): Promise<{ app: TestApp; clock: ReturnType<typeof fixedClock>; pendingId: number }> {
  const clock = fixedClock(NOW);
  const app = createTestApp({}, { clock });
  cleanups.push(() => app.cleanup());
  await runIngest({ ...app, sources: app.sources() }, { days: app.config.sources.hfDays });
  app.db
    .transaction(() => {
      for (let i = 1; i <= n; i++) app.subscriptions.repo.create({ email: `reader${i}@example.org`, status: 'active', now: NOW, topics: i % 3 ? ['agents'] : [] });
    })
    .immediate();
  const pendingId = app.subscriptions.repo.create({ email: 'pending@example.org', status: 'pending', now: NOW });
  return { app, clock, pendingId };
}

const deliveriesOf = (app: TestApp, editionId: number) =>
  app.db.prepare('SELECT count(*) AS n, count(DISTINCT subscriber_id) AS distinct_n, max(subscriber_id) AS max_id FROM deliveries WHERE edition_id = ?').get(editionId) as {
    n: number;
    distinct_n: number;
    max_id: number;
  };
const hasDelivery = (app: TestApp, editionId: number, subscriberId: number) =>
  app.db.prepare('SELECT 1 FROM deliveries WHERE edition_id = ? AND subscriber_id = ?').get(editionId, subscriberId) !== undefined;

describe('preparing an edition in steps', () => {
  it('yields to the event loop after every page; subscribes and unsubscribes commit between steps; the audience is frozen', async () => {
    // How long a step holds the loop is a matter of time, measured by `npm run bench:prepare` (max event-loop delay,
    // target ≤ 250 ms at 1,000,000 readers). Here, by counts: with a zero budget every step is over at its first
    // reader, never more than a page, and the loop turns between every two steps.
    const N = 400;
    const PAGE_SIZE = 100;
    const INTAKE_EVERY = 50;
    const { app, clock, pendingId } = await audience(N);
    // A subscribe through the intake thread, written before the preparation starts (the thread is started by then).
    app.subscriptions.subscribe({ email: 'late-early@example.org' });
    await app.subscriptions.drain();
    // Another connection, as the intake thread's is, written from this thread between two steps: if a step still
    // held the write lock then, the write would wait for it in vain and fail with SQLITE_BUSY (the other threads,
    // intake and checkpoints, hold it only briefly).
    const other = openDatabase(app.config.databasePath);
    cleanups.push(() => void other.close());
    const otherSubscribers = createSubscribersRepo(other);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    cleanups.push(() => void (ticking = false));
    const steps: { turns: number; preparedThrough: number }[] = [];
    const result = await prepareEditionInSteps(app, DATE, app.prepareSettings, {
      pageSize: PAGE_SIZE,
      stepBudgetMs: 0,
      onStep: ({ preparedThrough }) => {
        steps.push({ turns, preparedThrough });
        // A new reader subscribes between every two steps on the other connection, and now and then through the
        // intake thread (each of those is also a confirmation email).
        otherSubscribers.create({ email: `late-step${steps.length}@example.org`, status: 'active', now: clock.now().toISOString() });
        if (steps.length % INTAKE_EVERY === 1) app.subscriptions.subscribe({ email: `late-intake${steps.length}@example.org` });
        if (steps.length !== 1) return;
        // After the start: a reader not yet prepared leaves, and the pending address is confirmed (an hour later).
        clock.advance(3_600_000);
        // onStep runs between two steps, synchronously: the store's own (synchronous) SQLite core writes here.
        app.subscriptions.repo.setStatus(N, 'unsubscribed', clock.now().toISOString());
        app.subscriptions.repo.setStatus(pendingId, 'active', clock.now().toISOString());
      },
    });
    ticking = false;
    await app.subscriptions.drain();

    expect(result.edition.status).toBe('ready');
    // Never more than a page of readers a step, and the event loop ran between every two steps.
    expect(steps.length).toBeGreaterThanOrEqual(N / PAGE_SIZE);
    steps.forEach((step, i) => {
      const before = steps[i - 1] ?? { turns: -1, preparedThrough: 0 };
      expect(step.preparedThrough - before.preparedThrough, `step ${i + 1}`).toBeLessThanOrEqual(PAGE_SIZE);
      expect(step.turns, `event-loop turns before step ${i + 1}`).toBeGreaterThan(before.turns);
    });
    // The automatic checkpoint, off while the helper thread checkpointed, is back on.
    expect(app.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // Frozen: readers 1…N-1 (N left before their turn); the address confirmed after the start and the ones that
    // subscribed meanwhile are not in it.
    const d = deliveriesOf(app, result.edition.id);
    expect(d).toEqual({ n: N - 1, distinct_n: N - 1, max_id: N - 1 });
    expect(hasDelivery(app, result.edition.id, pendingId)).toBe(false);
    // The audience's last id is the largest when it started (the subscribe written before it is pending, with a larger
    // id than the pending address); every one of them was walked.
    expect(result.edition.audience_max_id).toBeGreaterThan(pendingId);
    expect(result.edition.prepared_through).toBe(result.edition.audience_max_id);
    const late = app.db
      .prepare("SELECT count(*) AS n, count(d.id) AS delivered FROM subscribers s LEFT JOIN deliveries d ON d.subscriber_id = s.id AND d.edition_id = ? WHERE s.email LIKE 'late%'")
      .get(result.edition.id) as { n: number; delivered: number };
    expect(late).toEqual({ n: 1 + steps.length + Math.ceil(steps.length / INTAKE_EVERY), delivered: 0 });
    // A second call changes nothing.
    expect(prepareEdition(app, DATE, app.prepareSettings)).toMatchObject({ created: false, deliveries: 0 });
  }, 120_000);

  it('keeps the WAL short: past its bound the steps wait for a checkpoint that copies all of it and cuts the WAL file, off the event loop', async () => {
    // A PASSIVE checkpoint while the steps commit never catches up with them, and a WAL starts over only once all of
    // it is copied: without the wait the WAL file grew by everything the preparation wrote (2.2 GB at a million). Its
    // file never shrinks below the largest it was (until it starts over past journal_size_limit), so its size after
    // each step is the WAL's high-water mark.
    const { app } = await audience(20_000); // ~22 MB written: enough to pass a small bound many times
    const wal = `${app.config.databasePath}-wal`;
    const before = statSync(app.config.databasePath).size;
    let largest = 0;
    let held = 0;
    const afterWaits: number[] = [];
    const r = await prepareEditionInSteps(app, DATE, app.prepareSettings, {
      pageSize: 25,
      checkpointEveryMs: 0, // one after every step (one at a time): the bound, not the clock, decides the waits
      walHoldBytes: 256 * 1024,
      onStep: () => void (largest = Math.max(largest, existsSync(wal) ? statSync(wal).size : 0)),
      onCheckpoint: (c) => {
        if (!c.held) return;
        held++;
        // The helper started the WAL over and cut its file: the server thread's next commit has nothing to cut.
        afterWaits.push(existsSync(wal) ? statSync(wal).size : 0);
      },
    });
    expect(r.deliveries).toBe(20_000);
    expect(afterWaits.filter((size) => size > 0)).toEqual([]); // every wait (held > 1, below) left an empty WAL file
    // After the last wait only the release of the edition's lock was written: the WAL the send starts with is small.
    expect(statSync(wal).size).toBeLessThan(256 * 1024);
    app.db.pragma('wal_checkpoint(TRUNCATE)');
    const written = statSync(app.config.databasePath).size - before;
    expect(held).toBeGreaterThan(1); // besides the last, at the end
    // (Without the waits — walHoldBytes: Infinity — the largest was 24.9 MB for 22.7 MB written; with them 5 MB.)
    // Everything the preparation wrote went through the WAL; the WAL itself stayed a fraction of it.
    expect(written).toBeGreaterThan(2 * 1024 * 1024);
    expect(largest).toBeLessThan(written / 3);
  });

  it('kill -9 mid-preparation: a second process cannot prepare it meanwhile; the next run completes it, no duplicates, same audience', async () => {
    // The child prepares 5 readers a page, about a page a step: it is a few dozen readers in when it is killed (78 on
    // a machine loaded 8 times over; ~1,000 with 20 a page), far from the end of the 5,000.
    const N = 5_000;
    const { app, clock, pendingId } = await audience(N);
    const child = spawn(process.execPath, [entryPath('prepare-child')], {
      env: {
        PATH: process.env.PATH ?? '',
        ENV_FILE: 'none',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_PATH: app.config.databasePath,
        PUBLIC_BASE_URL: app.config.publicBaseUrl,
        SECRET_KEY: app.config.secretKey,
        FILE_SOURCE_PATH: app.config.sources.filePath,
        MAIL_FROM: app.config.mail.from,
        PREPARE_NOW: NOW,
        PREPARE_DATE: DATE,
        PREPARE_PAGE_SIZE: '5',
        PREPARE_STEP_MS: '1',
        // 20 ms after each step: 1,000 steps take at least 20 s, far more than the test needs before its kill.
        PREPARE_STEP_PAUSE_MS: '20',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    cleanups.push(() => void child.kill('SIGKILL'));
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    // Wait until it has committed a few steps.
    await new Promise<void>((resolve, reject) => {
      let lines = 0;
      createInterface({ input: child.stdout! }).on('line', (l) => {
        if (l.startsWith('step ') && ++lines === 5) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    // This process cannot prepare the edition the child is preparing.
    expect(() => prepareEdition(app, DATE, app.prepareSettings)).toThrow(expect.objectContaining({ code: 'JOB_LOCKED' }));
    child.kill('SIGKILL');
    await exited;

    // What the dead run left: a 'preparing' edition part-way through its audience.
    const left = app.db.prepare('SELECT * FROM editions WHERE date = ?').get(DATE) as { id: number; status: string; prepared_through: number; audience_max_id: number };
    expect(left.status).toBe('preparing');
    expect(left.audience_max_id).toBe(pendingId);
    expect(left.prepared_through).toBeGreaterThan(0);
    expect(left.prepared_through).toBeLessThan(N);
    const before = deliveriesOf(app, left.id).n;
    expect(before).toBeGreaterThan(0);

    // After the crash, an hour later: the pending address is confirmed and a new reader subscribes. Neither is in
    // the audience frozen at the start.
    clock.advance(3_600_000);
    app.subscriptions.repo.setStatus(pendingId, 'active', clock.now().toISOString());
    const newcomer = app.subscriptions.repo.create({ email: 'newcomer@example.org', status: 'active', now: clock.now().toISOString() });
    // The next run resumes it (the dead holder's lock is taken over at once: its process is gone).
    const resumed = prepareEdition(app, DATE, app.prepareSettings);
    expect(resumed).toMatchObject({ created: true, resumed: true, edition: { id: left.id, status: 'ready' } });
    expect(resumed.deliveries + resumed.skipped).toBe(N - before);
    expect(deliveriesOf(app, left.id)).toEqual({ n: N, distinct_n: N, max_id: N });
    expect(hasDelivery(app, left.id, pendingId)).toBe(false);
    expect(hasDelivery(app, left.id, newcomer)).toBe(false);
    // Every paper any delivery shows is in the edition's papers (the steps stored them as they went).
    const missing = app.db
      .prepare(
        `SELECT count(*) AS n FROM deliveries d, json_each(d.selection_json) s, json_each(s.value, '$.papers') p
         WHERE d.edition_id = ? AND NOT EXISTS (SELECT 1 FROM edition_papers ep WHERE ep.edition_id = d.edition_id AND ep.paper_id = json_extract(p.value, '$.id'))`,
      )
      .get(left.id) as { n: number };
    expect(missing.n).toBe(0);
  }, 120_000);

  it('migration 0015 rebuilds editions keeping every edition, delivery, paper and ledger row (foreign keys off for it only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of readdirSync(MIGRATIONS_DIR)) if (/^\d{4}_.*\.sql$/.test(f) && f < '0015') copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
    const db = openDatabase(':memory:');
    cleanups.push(() => void db.close());
    migrate(db, dir);
    db.exec(`INSERT INTO subscribers (id, email, status, created_at, updated_at) VALUES (1, 'a@example.org', 'active', '${NOW}', '${NOW}');
      INSERT INTO papers (id, title, first_seen_at, updated_at) VALUES ('2608.00001', 'A paper', '${NOW}', '${NOW}');
      INSERT INTO editions (id, date, prepared_at, status, subject) VALUES (7, '${DATE}', '${NOW}', 'ready', 'S');
      INSERT INTO edition_papers VALUES (7, '2608.00001', 1, 1.0, 'r', '{}');
      INSERT INTO deliveries (edition_id, subscriber_id, selection_json, due_at, message_id, updated_at) VALUES (7, 1, '[]', '${NOW}', '<m>', '${NOW}');
      INSERT INTO sent_papers VALUES (7, 1, '["2608.00001"]');`);
    expect(migrate(db)[0]).toBe('0015_edition_preparing'); // (later migrations follow it)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT * FROM editions').all()).toEqual([
      { id: 7, date: DATE, prepared_at: NOW, status: 'ready', reason: null, subject: 'S', audience_max_id: null, audience_at: null, prepared_through: null },
    ]);
    for (const t of ['edition_papers', 'deliveries', 'sent_papers']) expect((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, t).toBe(1);
    // The children still reference the rebuilt table: deleting the edition cascades as before.
    db.prepare('DELETE FROM editions WHERE id = 7').run();
    for (const t of ['edition_papers', 'deliveries', 'sent_papers']) expect((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, t).toBe(0);
    expect(() => db.prepare("INSERT INTO editions (date, prepared_at, status) VALUES ('2026-08-22', ?, 'preparing')").run(NOW)).not.toThrow();
    expect(() => db.prepare("INSERT INTO editions (date, prepared_at, status) VALUES ('2026-08-23', ?, 'other')").run(NOW)).toThrow(/CHECK/);
  });

  it('ranked on the helper thread and handed over in parts, the edition is the one ranked on the server thread', async () => {
    const { app, clock } = await audience(300);
    const s = app.prepareSettings;
    const settings = { candidateWindowDays: s.candidateWindowDays, trend: s.trend, timezone: s.timezone, defaultHour: s.defaultHour };
    const trends = [s.trend, weeklyTrend(s.trend)];
    const here = rankEdition(createCandidatesRepo(app.db), DATE, settings);
    expect(here.candidates.length).toBeGreaterThan(14);
    // Parts of 7 papers: the lists are put back together in order, each trend's alike.
    const pre = await rankOffThread({ databasePath: app.db.name, date: DATE, settings, trends, partSize: 7 });
    expect(pre.candidates.map((c) => c.id)).toEqual(here.candidates.map((c) => c.id));
    expect(pre.trending[0]!.list).toEqual(here.trending);
    expect(pre.trending[1]!.list).toEqual(here.withTrend(weeklyTrend(s.trend)).trending);
    // Each candidate keeps, in order, the observations that decide its latest comments and stars.
    const last = (c: (typeof here.candidates)[number], k: 'comments' | 'githubStars') => c.observations.filter((o) => o[k] !== null).at(-1);
    here.candidates.forEach((c, i) => {
      const crossed = pre.candidates[i]!;
      expect(crossed.observations.every((o) => c.observations.some((f) => JSON.stringify(f) === JSON.stringify(o)))).toBe(true);
      expect(last(crossed, 'comments')).toEqual(last(c, 'comments'));
      expect(last(crossed, 'githubStars')).toEqual(last(c, 'githubStars'));
      expect(crossed.observations.some((o) => o.upvotes !== null || o.comments !== null)).toBe(c.observations.some((o) => o.upvotes !== null || o.comments !== null));
      expect(crossed.late).toEqual(c.late);
    });

    // The whole edition: prepared here in one go, then (rows removed) in steps with the ranking from the thread.
    const rows = (id: number) => ({
      papers: app.db.prepare('SELECT paper_id, rank, score, reason, snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY paper_id').all(id),
      deliveries: app.db.prepare('SELECT subscriber_id, status, selection_json, due_at, message_id, kind FROM deliveries WHERE edition_id = ? ORDER BY subscriber_id').all(id),
    });
    const first = prepareEdition(app, DATE, s);
    const expected = rows(first.edition.id);
    expect(expected.papers.length).toBeGreaterThan(0);
    expect(expected.deliveries.length).toBe(300);
    app.db.transaction(() => {
      for (const t of ['deliveries', 'edition_papers', 'editions']) app.db.prepare(`DELETE FROM ${t} WHERE ${t === 'editions' ? 'id' : 'edition_id'} = ?`).run(first.edition.id);
    })();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const again = await prepareEditionInSteps({ db: app.db, clock, logger }, DATE, s);
    expect(lines.some((l) => l.includes('"edition.prepared"'))).toBe(true);
    expect(lines.some((l) => l.includes('rank_thread_failed'))).toBe(false); // ranked on the thread indeed
    expect(rows(again.edition.id)).toEqual(expected);
  }, 60_000);
});
