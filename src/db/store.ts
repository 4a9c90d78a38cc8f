// The persistence layer's one entry: a Store is every repository of one engine, SQLite (better-sqlite3, the
// embedded default) or PostgreSQL (node-postgres, for several instances on one database), chosen by DATABASE_URL.
// Invariants: every SQL statement lives under src/db/; every repository method is async and one unit of work (its
// own transaction), so callers never hold a transaction across an await; values at the interface are the same on
// both engines (ISO-8601 UTC strings for times, booleans for flags, parsed JSON). Areas: src/db/stores/*.ts; each
// engine assembles its Store whole in src/db/sqlite/store.ts and src/db/postgres/store.ts.
import type { DatabaseConfig } from '../config.js';
import { openDatabase } from './open.js';
import { migrate } from './migrate.js';
import { openPostgres, type PgPoolOptions } from './postgres/pool.js';
import { migratePostgres } from './postgres/migrate.js';
import { sqliteStore } from './sqlite/store.js';
import { postgresStore } from './postgres/store.js';
import type { Store } from './stores/store.js';

export type { Engine, Store } from './stores/store.js';
/** The SQLite engine over an open, migrated connection (the caller owns opening and migrating it). */
export { sqliteStore };
/** The PostgreSQL engine over a pool (the caller owns migrating it). */
export { postgresStore };

export interface OpenedStore {
  store: Store;
  /** Migrations applied by this open (empty when the database was up to date). */
  applied: string[];
}

/** Opens and migrates the configured database: the SQLite file, or the PostgreSQL server of DATABASE_URL. */
export async function openStore(database: DatabaseConfig, o: { pool?: PgPoolOptions } = {}): Promise<OpenedStore> {
  if (database.engine === 'sqlite') {
    const db = openDatabase(database.path);
    try {
      return { store: sqliteStore(db), applied: migrate(db) };
    } catch (err) {
      db.close();
      throw err;
    }
  }
  const pool = await openPostgres(database.url, o.pool);
  try {
    return { store: postgresStore(pool), applied: await migratePostgres(pool) };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
