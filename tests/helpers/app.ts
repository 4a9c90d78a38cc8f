// Test harness: a real SQLite file in a fresh temp folder and the real app built from a validated config. The file
// starts as a copy of one migrated once per test process (migratedSqlite), so an app does not run every migration
// again; the app's own migrate() then finds them applied, as it does on every start after the first.
// createTestAppOn builds the same app on either engine: on PostgreSQL a fresh database (tests/helpers/postgres.ts)
// named by DATABASE_URL and opened as production opens it (openApp).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../src/config.js';
import { createApp, openApp, type AppDeps, type AppOverrides } from '../../src/app.js';
import type { Engine } from '../../src/db/store.js';
import { silentLogger } from '../../src/lib/logger.js';
import { openDatabase } from '../../src/db/open.js';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase } from './postgres.js';
import type { TestDatabaseLocation } from './engines.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const HF_FIXTURES = join(FIXTURES, 'hf-daily');
export const ARXIV_FIXTURES = join(FIXTURES, 'arxiv');

export function tempDir(prefix = 'papers-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config as production would build it, with test-friendly defaults and the given overrides. */
export function testConfig(dir: string, env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: join(dir, 'test.db'),
    OUTBOX_DIR: join(dir, 'outbox'),
    FILE_SOURCE_PATH: HF_FIXTURES,
    PUBLIC_BASE_URL: 'https://papers.example.org',
    MAIL_FROM: 'Trending Papers <digest@papers.example.org>',
    SECRET_KEY: 'test-secret-test-secret-test-secret-0123',
    SEND_RETRY_BASE_SECONDS: '0',
    ...env,
  });
}

let template: string | undefined;

/** Copies a SQLite file holding every migration (made once per process, closed, no WAL beside it) to `path`. */
export function copyMigratedSqlite(path: string): void {
  if (!template || !existsSync(template)) {
    const t = tempDir('papers-template-');
    const file = join(t.dir, 'migrated.db');
    const db = openDatabase(file);
    migrate(db);
    db.close();
    process.once('exit', () => t.cleanup());
    template = file;
  }
  copyFileSync(template, path);
}

export interface TestApp extends AppDeps {
  dir: string;
  cleanup(): Promise<void>;
}

/** The real app on a temp SQLite file. Call cleanup() in afterEach/afterAll. */
export function createTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): TestApp {
  const t = tempDir();
  const config = testConfig(t.dir, env);
  if (config.databasePath === join(t.dir, 'test.db')) copyMigratedSqlite(config.databasePath);
  const app = createApp(config, { logger: silentLogger(), ...overrides });
  return Object.assign(app, {
    dir: t.dir,
    async cleanup() {
      await app.close();
      t.cleanup();
    },
  });
}

export interface TestAppOn extends TestApp {
  /** Where plain SQL reaches the app's database from beside it (`sql(location, …)` of tests/helpers/engines.ts). */
  location: TestDatabaseLocation;
}

/**
 * The real app on `engine`: createTestApp's SQLite file, or a fresh migrated PostgreSQL database whose URL goes into
 * the config as DATABASE_URL, opened by openApp as the server and the CLI open it. cleanup() closes the app, then
 * drops the database.
 */
export async function createTestAppOn(engine: Engine, env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestAppOn> {
  if (engine === 'sqlite') {
    const app = createTestApp(env, overrides);
    return Object.assign(app, { location: { engine, path: app.config.databasePath } as const });
  }
  const db = await createTestDatabase();
  const t = tempDir();
  try {
    const app = await openApp(testConfig(t.dir, { ...env, DATABASE_URL: db.url }), { logger: silentLogger(), ...overrides });
    return Object.assign(app, {
      dir: t.dir,
      location: { engine, url: db.url } as const,
      async cleanup() {
        await app.close();
        await db.drop();
        t.cleanup();
      },
    });
  } catch (err) {
    await db.drop();
    t.cleanup();
    throw err;
  }
}
