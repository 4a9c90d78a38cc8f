// Test harness for PostgreSQL: the server in PG_TEST_URL (default: the local one), a quick reachability probe, and
// a fresh migrated database per test file (CREATE DATABASE with a random name), dropped in afterAll. Migrated ones are
// copies of a template that the run's globalSetup migrated once (createMigratedTemplate): CREATE DATABASE … TEMPLATE
// copies its files, instead of every test database running every migration again.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type PgPool } from '../../src/db/postgres/pool.js';
import { migratePostgres } from '../../src/db/postgres/migrate.js';

/** A maintenance database on the test server; test databases are created beside it. */
export const PG_TEST_URL = process.env.PG_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export type PgProbe = { ok: true; url: string } | { ok: false; url: string; reason: string };

/** Whether the test server answers a query within a couple of seconds (the URL shown without a password). */
export async function pgAvailable(url = PG_TEST_URL): Promise<PgProbe> {
  const shown = redact(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, url: shown };
  } catch (err) {
    const e = err as { message?: string; code?: string; errors?: { message: string }[] };
    const reason = e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(err);
    return { ok: false, url: shown, reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  name: string;
  /** Connection URL of the new database (for the CLI, a second pool, child processes). */
  url: string;
  /** A pool on it (our type parsers), already migrated unless created with migrate: false. */
  pool: PgPool;
  /** Closes the pool and drops the database (also when other connections are still open). */
  drop(): Promise<void>;
}

/** A URL on the same server naming another database. */
export function databaseUrl(name: string, base = PG_TEST_URL): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A migrated database nobody connects to, for createTestDatabase to copy (a template must have no sessions while it
 * is copied). Returns its name and a function that drops it, with every test database copied from it (those kept
 * for reuse by the test workers, below).
 */
export async function createMigratedTemplate(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `papers_template_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const drop = async () => {
    for (const copy of await adminRows<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, '${name}_')`))
      await admin(`DROP DATABASE IF EXISTS ${copy.datname} WITH (FORCE)`);
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  const pool = await openPostgres(databaseUrl(name), { max: 1, applicationName: 'papers-tests' });
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    await drop();
    throw err;
  }
  await pool.end();
  return { name, drop };
}

/** The template the run's globalSetup provides (vitest's `pgTemplate`), if any. */
async function providedTemplate(): Promise<string | undefined> {
  const { inject } = await import('vitest');
  return inject('pgTemplate');
}

/**
 * Copies of the template that a test has finished with, emptied, for the next test of this worker process: copying
 * the template costs ~0.4 s and dropping a database ~0.1 s, emptying one a few milliseconds, and a suite runs a
 * hundred such tests. The template's globalSetup drops them at the end of the run.
 */
const spares: { name: string; shape: string }[] = [];

/**
 * A fresh database with a random name; migrated by our migrations unless `migrate: false` (a copy of the run's
 * migrated template when there is one, else migrated here). Copies of the template are emptied and reused after
 * drop() when nothing else is connected and their schema is still the template's; otherwise really dropped.
 */
export async function createTestDatabase(o: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const template = o.migrate === false ? undefined : await providedTemplate();
  const spare = template ? spares.pop() : undefined;
  const name = spare?.name ?? (template ? `${template}_${randomBytes(6).toString('hex')}` : `papers_test_${randomBytes(6).toString('hex')}`);
  if (!spare) await admin(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  const url = databaseUrl(name);
  const pool = await openPostgres(url, { max: 4, applicationName: 'papers-tests' });
  let shape: string | undefined;
  try {
    if (o.migrate !== false && !template) await migratePostgres(pool);
    shape = spare?.shape ?? (template ? await schemaShape(pool) : undefined);
  } catch (err) {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw err;
  }
  let dropped = false;
  return {
    name,
    url,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => undefined);
      if (shape !== undefined && (await emptyForReuse(url, shape))) spares.push({ name, shape });
      else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** What a test could have changed in the schema: its objects (tables, indexes, sequences, functions) by name and kind. */
async function schemaShape(q: pg.ClientBase | pg.Pool): Promise<string> {
  const r = await q.query<{ shape: string }>(
    `SELECT string_agg(kind || ':' || name, ',' ORDER BY kind, name) AS shape FROM (
       SELECT c.relkind::text AS kind, c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
       UNION ALL SELECT 'f', p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
       UNION ALL SELECT 'm', version::text FROM schema_migrations) o`,
  );
  return r.rows[0]?.shape ?? '';
}

/**
 * Empties a test database for the next test: every table's rows (the migrations' record kept) and every sequence
 * back at its start. False, and nothing done, when someone is still connected (a child process still running), the
 * schema is no longer the template's, or anything fails.
 */
async function emptyForReuse(url: string, shape: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    // The test's own pool has just ended: its server processes take a moment to leave.
    for (let wait = 0; ; wait++) {
      const others = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      if (others.rows[0]!.n === 0) break;
      if (wait === 10) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if ((await schemaShape(c)) !== shape) return false;
    const tables = await c.query<{ t: string }>("SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'");
    await c.query('BEGIN');
    await c.query("SET LOCAL lock_timeout = '2s'");
    // Foreign keys are not checked while emptying (a superuser's setting; anyone else gets false: the database is dropped).
    await c.query('SET LOCAL session_replication_role = replica');
    for (const { t } of tables.rows) await c.query(`DELETE FROM ${t}`);
    await c.query(`SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`);
    await c.query('COMMIT');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** An empty database (not even migrated): a target for `db copy`. */
export const createEmptyDatabase = () => createTestDatabase({ migrate: false });

async function admin(sql: string): Promise<void> {
  await adminRows(sql);
}

async function adminRows<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
