// PostgreSQL migrations: applied in numeric order, once each, each in its own transaction, recorded; two
// instances migrating one database at the same moment apply each migration once (the advisory lock).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/app.js';
import { appliedPostgresMigrations, migratePostgres, PG_MIGRATIONS_DIR } from '../../src/db/postgres/migrate.js';
import { readMigrations } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres/pool.js';

const dbs: TestDatabase[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  while (dirs.length) dirs.pop()!.cleanup();
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

async function fresh(): Promise<TestDatabase> {
  const d = await createTestDatabase({ migrate: false });
  dbs.push(d);
  return d;
}

function migrationsDir(files: Record<string, string>): string {
  const t = tempDir('pg-migrations-');
  dirs.push(t);
  const dir = join(t.dir, 'postgres');
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const tables = async (d: TestDatabase) =>
  (await d.pool.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);

describe('migratePostgres', () => {
  it('applies every migration of migrations/postgres once and records it', async () => {
    const d = await fresh();
    const files = readMigrations(PG_MIGRATIONS_DIR);
    expect(await appliedPostgresMigrations(d.pool)).toEqual([]);
    expect(await migratePostgres(d.pool)).toEqual(files.map((m) => m.name));
    expect(await migratePostgres(d.pool)).toEqual([]);
    expect(await appliedPostgresMigrations(d.pool)).toEqual(files.map((m) => m.version));
    const { rows } = await d.pool.query<{ applied_at: string }>('SELECT applied_at FROM schema_migrations');
    expect(rows[0]!.applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await tables(d)).toContain('deliveries');
  });

  it('orders by number, not by name; a gap is fine; a failing migration rolls back whole and is named', async () => {
    const d = await fresh();
    const dir = migrationsDir({
      '0010_c.sql': 'INSERT INTO log VALUES (10);',
      '0002_b.sql': 'INSERT INTO log VALUES (2);',
      '0001_a.sql': 'CREATE TABLE log (v integer);',
      '0011_broken.sql': 'CREATE TABLE half (x integer); INSERT INTO nowhere VALUES (1);',
      'README.md': 'not a migration',
    });
    await expect(migratePostgres(d.pool, dir)).rejects.toMatchObject({ code: 'MIGRATION_FAILED', message: expect.stringMatching(/^migration 0011_broken failed: relation "nowhere" does not exist/) });
    expect((await d.pool.query('SELECT v FROM log')).rows).toEqual([{ v: 2 }, { v: 10 }]);
    expect(await appliedPostgresMigrations(d.pool)).toEqual([1, 2, 10]);
    expect(await tables(d)).not.toContain('half');
    // The lock went with the failed run: fixed, the next run applies the rest.
    writeFileSync(join(dir, '0011_broken.sql'), 'CREATE TABLE half (x integer);');
    expect(await migratePostgres(d.pool, dir)).toEqual(['0011_broken']);
  });

  it('two instances starting at once: one applies each migration, the other waits and finds them applied', async () => {
    const d = await fresh();
    // 0001 waits on a gate (an advisory lock this test holds), so the first migrator is held mid-migration.
    const dir = migrationsDir({
      '0001_gate.sql': 'SELECT pg_advisory_xact_lock(4242); CREATE TABLE log (v integer); INSERT INTO log VALUES (1);',
      '0002_more.sql': 'INSERT INTO log VALUES (2);',
    });
    const gate = new pg.Client({ connectionString: d.url });
    await gate.connect();
    const other = await openPostgres(d.url, { max: 2, applicationName: 'papers-second-instance' });
    try {
      await gate.query('SELECT pg_advisory_lock(4242)');
      const first = migratePostgres(d.pool, dir);
      await waitFor(d, "application_name = 'papers-tests' AND wait_event_type = 'Lock' AND query LIKE '%4242%'");
      const second = migratePostgres(other, dir);
      // The second instance waits for the migration lock while the first is inside 0001.
      await waitFor(d, "application_name = 'papers-second-instance' AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%'");
      await gate.query('SELECT pg_advisory_unlock(4242)');
      expect(await first).toEqual(['0001_gate', '0002_more']);
      expect(await second).toEqual([]);
      expect((await d.pool.query('SELECT v FROM log ORDER BY v')).rows).toEqual([{ v: 1 }, { v: 2 }]);
      expect((await d.pool.query('SELECT count(*) AS n FROM schema_migrations')).rows[0]).toEqual({ n: 2 });
    } finally {
      await gate.end();
      await other.end();
    }
  });
});

/** Until pg_stat_activity shows a session matching `where` (each look is a query; no fixed sleep decides). */
async function waitFor(d: TestDatabase, where: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await d.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND ${where}`);
    if (rows.length) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no session in pg_stat_activity with ${where}`);
}
