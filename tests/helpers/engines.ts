// The engines a contract test runs against: SQLite always (a fresh file), PostgreSQL when a server answered the
// probe of vitest.config.ts (a fresh database per call, dropped by cleanup). One test file, parameterized:
//   describe.each(testEngines())('…on $name', ({ open }) => { … const { store, cleanup } = await open(); … })
// PostgreSQL is not registered (never skipped) when no server answered: tests/helpers/postgres-suite.ts says so.
import { afterEach, inject } from 'vitest';
import pg from 'pg';
import { openPostgres, PG_TYPES } from '../../src/db/postgres/pool.js';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { postgresStore, sqliteStore, type Engine, type Store } from '../../src/db/store.js';
import { copyMigratedSqlite, tempDir } from './app.js';
import { createTestDatabase } from './postgres.js';

/** Where a second process or connection can reach a test database. */
export type TestDatabaseLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export interface OpenedTestStore {
  store: Store;
  /** Where a second process or connection can reach the same database. */
  location: TestDatabaseLocation;
  cleanup(): Promise<void>;
  /**
   * Another process's view of the same database, closed by cleanup: on PostgreSQL a store on a pool of its own; on
   * SQLite the same store (each process holds one connection there, and what is shared is the file's rows).
   */
  secondStore(): Promise<Store>;
}

export interface TestEngine {
  name: Engine;
  open(): Promise<OpenedTestStore>;
}

const sqlite: TestEngine = {
  name: 'sqlite',
  async open() {
    const t = tempDir('papers-store-');
    const path = join(t.dir, 'store.db');
    copyMigratedSqlite(path);
    const db = openDatabase(path);
    migrate(db); // finds every migration applied, as at a restart
    const store = sqliteStore(db);
    return {
      store,
      location: { engine: 'sqlite', path },
      async cleanup() {
        await store.close();
        t.cleanup();
      },
      secondStore: async () => store,
    };
  },
};

const postgres: TestEngine = {
  name: 'postgres',
  async open() {
    const db = await createTestDatabase();
    const store = postgresStore(db.pool);
    const others: Store[] = [];
    return {
      store,
      location: { engine: 'postgres', url: db.url },
      // drop() ends the pool the store runs on, then drops the database.
      async cleanup() {
        for (const s of others.splice(0)) await s.close();
        await db.drop();
      },
      async secondStore() {
        const s = postgresStore(await openPostgres(db.url, { max: 2 }));
        others.push(s);
        return s;
      },
    };
  },
};

/** SQLite, and PostgreSQL when its server answers (the `postgres` project requires one and fails without). */
export function testEngines(): TestEngine[] {
  return inject('postgres').ok ? [sqlite, postgres] : [sqlite];
}

/**
 * Plain SQL on a test store's database through a second connection, to set up or look at rows a contract test needs
 * beside the store (`?` placeholders, numbered for PostgreSQL). Reads return their rows, writes none.
 */
export async function sql(location: TestDatabaseLocation, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (location.engine === 'sqlite') {
    const db = openDatabase(location.path);
    try {
      const st = db.prepare(text);
      return st.reader ? (st.all(...values) as Record<string, unknown>[]) : (st.run(...values), []);
    } finally {
      db.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: location.url, types: PG_TYPES });
  await client.connect();
  try {
    return (await client.query(text.replace(/\?/g, () => `$${++n}`), values)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/**
 * A fresh store per test on one engine, closed after each (call it in the engine's describe): `fresh()` opens it and
 * gives the store, `opened` is the store with its location and second connection, `run` is `sql` on its database.
 */
export function freshStores(open: TestEngine['open']) {
  let opened: OpenedTestStore | undefined;
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
  });
  const current = (): OpenedTestStore => {
    if (!opened) throw new Error('no store is open in this test: call fresh() first');
    return opened;
  };
  return {
    open: async (): Promise<OpenedTestStore> => (opened = await open()),
    fresh: async (): Promise<Store> => (opened = await open()).store,
    get opened(): OpenedTestStore {
      return current();
    },
    run: (text: string, values: unknown[] = []) => sql(current().location, text, values),
  };
}
