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
 * is copied). Returns its name and a function that drops it.
 */
export async function createMigratedTemplate(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `papers_template_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const drop = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
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
 * A fresh database with a random name; migrated by our migrations unless `migrate: false` (a copy of the run's
 * migrated template when there is one, else migrated here).
 */
export async function createTestDatabase(o: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `papers_test_${randomBytes(6).toString('hex')}`;
  const template = o.migrate === false ? undefined : await providedTemplate();
  await admin(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  const url = databaseUrl(name);
  const pool = await openPostgres(url, { max: 4, applicationName: 'papers-tests' });
  try {
    if (o.migrate !== false && !template) await migratePostgres(pool);
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
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** An empty database (not even migrated): a target for `db copy`. */
export const createEmptyDatabase = () => createTestDatabase({ migrate: false });

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
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
