// Applies migrations/postgres/NNNN_name.sql with the same rules as SQLite's (src/db/migrate.ts, whose file reader
// this reuses): ascending numeric order, each once, each in its own transaction, recorded in schema_migrations.
// Invariant: one migrator at a time per database, by a session advisory lock, so instances that start together
// never both migrate: the others wait, then find everything applied.
import { readMigrations } from '../migrate.js';
import { fromPackageRoot } from '../../lib/paths.js';
import { AppError } from '../../lib/errors.js';
import type { PgPool } from './pool.js';

export const PG_MIGRATIONS_DIR = fromPackageRoot('migrations', 'postgres');

/** The advisory lock key of migrations (any fixed bigint; other locks of the app take other keys). */
export const MIGRATE_LOCK_KEY = 7_216_001;

/** Applies pending migrations; returns the names applied now (empty when up to date). */
export async function migratePostgres(pool: PgPool, dir = PG_MIGRATIONS_DIR): Promise<string[]> {
  // Read (and checked for bad names and duplicate numbers) before touching the database.
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // A session lock, not a transaction one: it spans the separate transaction of every migration.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      // Read under the lock: whatever another instance applied while this one waited counts as applied.
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const done: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        try {
          await client.query('BEGIN');
          await client.query(m.sql); // simple protocol: a file may hold many statements
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new AppError('MIGRATION_FAILED', `migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        done.push(m.name);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY]).catch((err: Error) => {
        broken = err;
      });
    }
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // A connection that failed (or could not unlock) is closed rather than pooled: closing it releases the lock.
    client.release(broken);
  }
}

/** Versions applied to this database, ascending (none when it was never migrated). */
export async function appliedPostgresMigrations(pool: PgPool): Promise<number[]> {
  const r = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version').catch((err: { code?: string }) => {
    if (err.code === '42P01') return { rows: [] as { version: number }[] }; // undefined_table: never migrated
    throw err;
  });
  return r.rows.map((row) => row.version);
}
