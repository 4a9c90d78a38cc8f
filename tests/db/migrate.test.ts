// Migrations apply in order, once each, on a real SQLite file, with the pragmas we rely on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, writeFileSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openDatabase, WAL_KEPT_BYTES } from '../../src/db/open.js';
import { appliedMigrationVersions, migrate, readMigrations, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { PG_MIGRATIONS_DIR } from '../../src/db/postgres/migrate.js';
import { tempDir } from '../helpers/app.js';

describe('migrate', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it('applies every migration once and records it', () => {
    const db = openDatabase(join(t.dir, 'a.db'));
    const first = migrate(db);
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
    expect(first).toHaveLength(files.length);
    expect(migrate(db)).toEqual([]);
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual(files.map((f) => Number(f.slice(0, 4))).sort((a, b) => a - b));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(WAL_KEPT_BYTES); // a WAL that starts over is cut back
    db.close();
    // Re-opening the same file finds it up to date.
    const again = openDatabase(join(t.dir, 'a.db'));
    expect(migrate(again)).toEqual([]);
    again.close();
  });

  it('rolls a failing migration back whole and names it', () => {
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);');
    const db = openDatabase(join(t.dir, 'b.db'));
    expect(() => migrate(db, dir)).toThrow(/0002_broken/);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toContain('a');
    expect(tables).not.toContain('b');
    db.close();
  });

  it('orders by number, not by name, and a gap in the numbers is fine', () => {
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    // Each migration depends on the one before: only numeric order works.
    writeFileSync(join(dir, '0010_c.sql'), 'INSERT INTO log VALUES (10);');
    writeFileSync(join(dir, '0002_b.sql'), 'INSERT INTO log VALUES (2);');
    writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE log (v INTEGER);');
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    expect(readMigrations(dir).map((m) => m.version)).toEqual([1, 2, 10]);
    const db = openDatabase(join(t.dir, 'c.db'));
    expect(migrate(db, dir)).toEqual(['0001_a', '0002_b', '0010_c']);
    expect(db.prepare('SELECT v FROM log ORDER BY rowid').pluck().all()).toEqual([2, 10]);
    db.close();
  });

  it('applies the repository migrations 0001, 0002, 0003, 0005, 0007 in that order (the gaps are never filled)', () => {
    const shipped = ['0001_init', '0002_http_cache_body', '0003_ranking_indexes', '0005_send_workers', '0007_job_runs_ops'];
    const names = readMigrations().map((m) => m.name);
    // Later migrations may follow; the shipped ones keep their numbers and names forever.
    expect(names.slice(0, shipped.length)).toEqual(shipped);
    expect(readMigrations().slice(shipped.length).every((m) => m.version > 7)).toBe(true);
  });

  it('applies a migration by its number: a file numbered into a gap still runs on a database past it', () => {
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE log (v INTEGER);');
    writeFileSync(join(dir, '0007_c.sql'), 'INSERT INTO log VALUES (7);');
    const db = openDatabase(join(t.dir, 'd.db'));
    expect(migrate(db, dir)).toEqual(['0001_a', '0007_c']);
    // Why a new migration must take a number above every shipped one: this database runs 0004 after 0007.
    writeFileSync(join(dir, '0004_b.sql'), 'INSERT INTO log VALUES (4);');
    expect(migrate(db, dir)).toEqual(['0004_b']);
    expect(db.prepare('SELECT v FROM log ORDER BY rowid').pluck().all()).toEqual([7, 4]);
    db.close();
  });

  it('refuses two files with one number, and a .sql file it would otherwise skip', () => {
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '0008_from_one_branch.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '0008_from_another.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(expect.objectContaining({ code: 'MIGRATION_DUPLICATE', message: expect.stringContaining('0008_from_another, 0008_from_one_branch') }));
    renameSync(join(dir, '0008_from_another.sql'), join(dir, '9_misnamed.sql'));
    expect(() => readMigrations(dir)).toThrow(expect.objectContaining({ code: 'MIGRATION_BAD_NAME', message: expect.stringContaining('9_misnamed.sql') }));
  });

  it('finds a database migrated when the files lay directly in migrations/ up to date: nothing applied again', () => {
    // The old layout (migrations/NNNN_name.sql, before migrations/sqlite/) rebuilt from the same files, and migrated
    // by the runner as it ran then: the rows below are what every database migrated before the move holds.
    const oldLayout = join(t.dir, 'old', 'migrations');
    mkdirSync(join(oldLayout, 'postgres'), { recursive: true });
    const shipped = readdirSync(MIGRATIONS_DIR).filter((f) => Number(f.slice(0, 4)) <= 15 && f.endsWith('.sql'));
    for (const f of shipped) copyFileSync(join(MIGRATIONS_DIR, f), join(oldLayout, f));
    const db = openDatabase(join(t.dir, 'old.db'));
    migrate(db, oldLayout);
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).toEqual(
      [
        '0001_init', '0002_http_cache_body', '0003_ranking_indexes', '0005_send_workers', '0007_job_runs_ops',
        '0008_ingest_part_failures', '0009_sent_papers_on_acceptance', '0010_weekly_deliveries', '0011_send_pause',
        '0012_health_probe', '0014_reader_profiles', '0015_edition_preparing',
      ].map((name) => ({ version: Number(name.slice(0, 4)), name })),
    );
    db.close();

    const reopened = openDatabase(join(t.dir, 'old.db'));
    // Nothing it holds is applied again; only what came after the move (0016 on) is.
    expect(migrate(reopened)).toEqual(readdirSync(MIGRATIONS_DIR).filter((f) => Number(f.slice(0, 4)) > 15 && f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort());
    const applied = appliedMigrationVersions(reopened);
    expect(readMigrations().filter((m) => !applied.has(m.version))).toEqual([]);
    reopened.close();
  });

  it('0017 counts the statuses a database already holds, and its triggers keep them from then on', () => {
    // A database as it stood before 0017, with readers and deliveries in several statuses.
    const before = join(t.dir, 'before');
    mkdirSync(before);
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => Number(f.slice(0, 4)) <= 16 && f.endsWith('.sql'))) copyFileSync(join(MIGRATIONS_DIR, f), join(before, f));
    const db = openDatabase(join(t.dir, 'counts.db'));
    migrate(db, before);
    const now = '2026-08-21T07:00:00.000Z';
    const addSubscriber = db.prepare('INSERT INTO subscribers (email, status, created_at, updated_at) VALUES (?, ?, ?, ?)');
    const statuses = ['active', 'active', 'active', 'pending', 'unsubscribed', 'bounced'];
    statuses.forEach((st, i) => addSubscriber.run(`m${i}@example.org`, st, now, now));
    db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', ?, 'ready', 'Digest')").run(now);
    const addDelivery = db.prepare(
      "INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at) VALUES (1, ?, ?, '[]', ?, ?, ?)",
    );
    ['sent', 'sent', 'failed', 'pending', 'skipped'].forEach((st, i) => addDelivery.run(i + 1, st, now, `<m${i}@x>`, now));
    expect(migrate(db)).toEqual(readdirSync(MIGRATIONS_DIR).filter((f) => Number(f.slice(0, 4)) > 16 && f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort());

    const kept = (tbl: string) =>
      Object.fromEntries(
        (tbl === 'subscribers'
          ? (db.prepare('SELECT status, n FROM subscribers_by_status WHERE n > 0').all() as { status: string; n: number }[])
          : (db.prepare('SELECT status, sum(n) AS n FROM deliveries_by_status GROUP BY status HAVING sum(n) > 0').all() as { status: string; n: number }[])
        ).map((r) => [r.status, r.n]),
      );
    const scanned = (tbl: string) =>
      Object.fromEntries((db.prepare(`SELECT status, count(*) AS n FROM ${tbl} GROUP BY status`).all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    expect(kept('subscribers')).toEqual({ active: 3, pending: 1, unsubscribed: 1, bounced: 1 });
    expect(kept('deliveries')).toEqual({ sent: 2, failed: 1, pending: 1, skipped: 1 });
    // From here on the triggers: an insert, a change of status, a row that goes.
    addSubscriber.run('m9@example.org', 'pending', now, now);
    db.prepare("UPDATE subscribers SET status = 'active' WHERE status = 'pending'").run();
    addDelivery.run(7, 'pending', now, '<m9@x>', now);
    db.prepare("UPDATE deliveries SET status = 'sent' WHERE status IN ('pending', 'failed')").run();
    db.prepare('DELETE FROM deliveries WHERE subscriber_id = 5').run();
    for (const tbl of ['subscribers', 'deliveries']) expect(kept(tbl)).toEqual(scanned(tbl));
    expect(kept('deliveries')).toEqual({ sent: 5 });
    // An edition that goes takes its deliveries (a cascade, which fires the delete trigger) and its counts.
    db.prepare('DELETE FROM editions WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM deliveries_by_status').get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps every migration in its engine\'s folder: a .sql file directly in migrations/ would never run', () => {
    // A branch written before the move that adds migrations/NNNN_x.sql merges without a conflict; this catches it.
    const root = dirname(MIGRATIONS_DIR);
    expect(dirname(PG_MIGRATIONS_DIR)).toBe(root);
    expect(readdirSync(root).filter((f) => f.endsWith('.sql'))).toEqual([]);
  });

  it('gives a number found in both engines\' folders one name: twins, never two changes', () => {
    const sqlite = new Map(readMigrations().map((m) => [m.version, m.name]));
    const twins = readMigrations(PG_MIGRATIONS_DIR).filter((m) => m.version > 1 && sqlite.has(m.version));
    // postgres/0001_init stands for SQLite's 0001…0012 (PostgreSQL started there); from 0014 the numbers are shared.
    expect(twins.length).toBeGreaterThan(0);
    for (const m of twins) expect(m.name).toBe(sqlite.get(m.version));
  });
});
