// The persistence layer's one entry: a Store is every repository of one engine, SQLite (better-sqlite3, the
// embedded default) or PostgreSQL (node-postgres, for several instances on one database), chosen by DATABASE_URL.
// Invariants: every SQL statement lives under src/db/; every repository method is async and one unit of work (its
// own transaction), so callers never hold a transaction across an await; values at the interface are the same on
// both engines (ISO-8601 UTC strings for times, booleans for flags, parsed JSON). Areas: src/db/stores/*.ts.
import type { DatabaseConfig } from '../config.js';
import { openDatabase, type Db } from './open.js';
import { migrate } from './migrate.js';
import { openPostgres, type PgPool, type PgPoolOptions } from './postgres/pool.js';
import { migratePostgres } from './postgres/migrate.js';
import { createPostgresIngestStore, createSqliteIngestStore, type IngestStore } from './stores/ingest.js';
import { createPostgresSubscriberStore, createSqliteSubscriberStore, type SubscriberStore } from './stores/subscribers.js';
import { createPostgresEditionStore, createSqliteEditionStore, type EditionStore } from './stores/editions.js';
import { createPostgresSendingStore, createSqliteSendingStore, type SendingStore } from './stores/sending.js';
import { createPostgresProfileStore, createSqliteProfileStore, type ProfileStore } from './stores/profiles.js';
import { createPostgresAdminReadModel, createSqliteAdminReadModel, type AdminReadModel } from './stores/admin.js';
import { createPostgresEditionPreparationStore, createSqliteEditionPreparationStore, type EditionPreparationStore } from './stores/preparation.js';
import { createPostgresJobRunsStore, createSqliteJobRunsStore, type JobRunsStore } from './stores/job-runs.js';

export type Engine = 'sqlite' | 'postgres';

export interface Store
  extends IngestStore, SubscriberStore, EditionStore, SendingStore, ProfileStore, AdminReadModel, EditionPreparationStore, JobRunsStore {
  readonly engine: Engine;
  /** Closes the connection (SQLite) or ends the pool (PostgreSQL). Idempotent. */
  close(): Promise<void>;
}

/** The SQLite engine over an open, migrated connection (the caller owns opening and migrating it). */
export function sqliteStore(db: Db): Store {
  return {
    engine: 'sqlite',
    ...createSqliteIngestStore(db),
    ...createSqliteSubscriberStore(db),
    ...createSqliteEditionStore(db),
    ...createSqliteSendingStore(db),
    ...createSqliteProfileStore(db),
    ...createSqliteAdminReadModel(db),
    ...createSqliteEditionPreparationStore(db),
    ...createSqliteJobRunsStore(db),
    async close() {
      if (db.open) db.close();
    },
  };
}

/** The PostgreSQL engine over a pool (the caller owns migrating it). */
export function postgresStore(pool: PgPool): Store {
  let ended = false;
  return {
    engine: 'postgres',
    ...createPostgresIngestStore(pool),
    ...createPostgresSubscriberStore(pool),
    ...createPostgresEditionStore(pool),
    ...createPostgresSendingStore(pool),
    ...createPostgresProfileStore(pool),
    ...createPostgresAdminReadModel(pool),
    ...createPostgresEditionPreparationStore(pool),
    ...createPostgresJobRunsStore(pool),
    async close() {
      if (ended) return;
      ended = true;
      await pool.end();
    },
  };
}

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
