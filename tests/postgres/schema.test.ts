// The PostgreSQL schema (migrations/postgres) against the one the SQLite migrations produce, read from both catalogs:
// the same tables and columns, NOT NULLs, defaults, primary keys, UNIQUEs, foreign keys with their ON DELETE, CHECKs
// and indexes; column types by our conventions (*_at timestamptz, *_json jsonb, flags boolean). A SQLite migration
// without its PostgreSQL twin fails here, naming what is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

let lite: Db;
let pg: TestDatabase;
beforeAll(async () => {
  lite = openDatabase(':memory:');
  migrate(lite);
  pg = await createTestDatabase();
});
afterAll(async () => {
  lite?.close();
  await pg?.drop();
});

type Column = { name: string; type: string; notnull: number; dflt_value: string | null; pk: number };

function liteTables(): string[] {
  const rows = lite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; sql: string }[];
  const fts = rows.filter((r) => r.sql.startsWith('CREATE VIRTUAL TABLE')).map((r) => r.name);
  // subscribe_spool is SQLite's intake's own (PostgreSQL's intake records every batch at once), the counts by status
  // its triggers' (PostgreSQL counts on its server): no twins.
  return rows
    .map((r) => r.name)
    .filter((n) => !['subscribe_spool', 'deliveries_by_status', 'subscribers_by_status'].includes(n) && !fts.some((f) => n === f || n.startsWith(`${f}_`)))
    .sort();
}

async function q<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  return (await pg.pool.query(sql, values)).rows as T[];
}

async function pgColumns(table: string) {
  return q<{ name: string; type: string; notnull: boolean; hasdef: boolean; identity: string; generated: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull, atthasdef AS hasdef,
            attidentity AS identity, attgenerated AS generated
     FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
}

const constraints = (table: string, type: string) =>
  q<{ def: string }>("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = $2", [table, type]);

/** What a column's type must be on PostgreSQL, from its SQLite declaration and our naming conventions. */
function expectedType(table: string, c: Column): string[] {
  if (c.name.endsWith('_json')) return ['jsonb'];
  if (c.name.endsWith('_at') || c.name === 'at' || c.name === 'since') return ['timestamp with time zone'];
  if (c.name === 'date' || c.name === 'daily_date' || c.name === 'scheduled_for') return ['date'];
  if (table === 'subscribers' && c.name === 'email') return ['citext'];
  if (c.name === 'paused') return ['boolean'];
  if (c.type === 'INTEGER') return c.pk && c.name === 'id' && table !== 'send_pause' && table !== 'health_probe' ? ['bigint'] : ['integer', 'bigint'];
  if (c.type === 'REAL') return ['double precision'];
  return ['text'];
}

describe('the PostgreSQL schema equals the SQLite one', () => {
  it('has the same tables (SQLite’s full-text tables aside)', async () => {
    const pgTables = (await q<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.t);
    expect(pgTables).toEqual(liteTables());
  });

  it('has the same columns, NOT NULLs and defaults, typed by our conventions; ids are identities', async () => {
    // schema_migrations is each migrator's own (PostgreSQL's stamps applied_at itself).
    for (const table of liteTables().filter((t) => t !== 'schema_migrations')) {
      const liteCols = lite.pragma(`table_info("${table}")`) as Column[];
      const pgCols = (await pgColumns(table)).filter((c) => c.generated === '');
      expect(pgCols.map((c) => c.name), table).toEqual(liteCols.map((c) => c.name));
      for (const c of liteCols) {
        const p = pgCols.find((x) => x.name === c.name)!;
        const where = `${table}.${c.name}`;
        expect(p.notnull, where).toBe(c.notnull === 1 || c.pk > 0);
        expect(p.hasdef, where).toBe(c.dflt_value !== null);
        expect(expectedType(table, c), where).toContain(p.type);
        // SQLite's INTEGER PRIMARY KEY numbers rows itself; PostgreSQL's twin is an identity (singletons aside).
        const rowid = c.pk === 1 && c.type === 'INTEGER' && liteCols.filter((x) => x.pk).length === 1 && !['send_pause', 'health_probe'].includes(table);
        expect(p.identity !== '', where).toBe(rowid);
      }
    }
  });

  it('has the same primary keys, UNIQUEs, foreign keys (with ON DELETE) and number of CHECKs', async () => {
    const onDelete: Record<string, string> = { CASCADE: 'ON DELETE CASCADE', 'NO ACTION': '' };
    for (const table of liteTables()) {
      const cols = lite.pragma(`table_info("${table}")`) as Column[];
      const pk = cols.filter((c) => c.pk).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      expect((await constraints(table, 'p')).map((r) => r.def), table).toEqual([`PRIMARY KEY (${pk.join(', ')})`]);

      const uniques = (lite.pragma(`index_list("${table}")`) as { name: string; origin: string }[])
        .filter((i) => i.origin === 'u')
        .map((i) => `UNIQUE (${(lite.pragma(`index_info("${i.name}")`) as { name: string }[]).map((c) => c.name).join(', ')})`);
      expect((await constraints(table, 'u')).map((r) => r.def).sort(), table).toEqual(uniques.sort());

      const fks = (lite.pragma(`foreign_key_list("${table}")`) as { table: string; from: string; to: string; on_delete: string }[]).map((f) =>
        `FOREIGN KEY (${f.from}) REFERENCES ${f.table}(${f.to}) ${onDelete[f.on_delete]}`.trim(),
      );
      expect((await constraints(table, 'f')).map((r) => r.def).sort(), table).toEqual(fks.sort());

      const sql = (lite.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(table) as { sql: string }).sql;
      expect((await constraints(table, 'c')).length, `CHECKs of ${table}`).toBe((sql.match(/\bCHECK\s*\(/gi) ?? []).length);
    }
  });

  it('has every index SQLite has, by name, with the same columns (the appeared-at expression as a generated column)', async () => {
    const pgIndexes = new Map((await q<{ name: string; def: string }>("SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public'")).map((r) => [r.name, r.def]));
    const created = lite.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string; tbl_name: string }[];
    expect(created.length).toBeGreaterThan(10);
    for (const i of created) {
      const def = pgIndexes.get(i.name);
      expect(def, i.name).toBeDefined();
      const cols = (lite.pragma(`index_xinfo("${i.name}")`) as { name: string | null; key: number; cid: number }[]).filter((c) => c.key === 1);
      const names = cols.map((c) => (c.cid === -2 ? 'appeared_at' : c.name));
      expect(def, i.name).toContain(`ON public.${i.tbl_name} USING btree (${names.join(', ')})`);
    }
    expect(pgIndexes.get('deliveries_outstanding')).toMatch(/WHERE \(status = ANY \(ARRAY\['pending'::text, 'sending'::text\]\)\)$/);
    expect(pgIndexes.get('papers_search')).toBe('CREATE INDEX papers_search ON public.papers USING gin (search)');
  });
});
