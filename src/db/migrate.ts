// Applies migrations/sqlite/NNNN_name.sql in order, each once, each in its own transaction; records what ran.
// Ordering rule: a migration is identified by its number (schema_migrations.version), and pending ones run in
// ascending numeric order. Numbers need not be consecutive (0004 and 0006 do not exist; see migrations/README.md)
// and a shipped file is never renumbered, since databases record the numbers they applied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './open.js';
import { fromPackageRoot } from '../lib/paths.js';
import { AppError } from '../lib/errors.js';

// From the package root, so src/ (tsx) and dist/src/ (the tsc build) find the same folder. One folder per engine
// (migrations/postgres/ is PostgreSQL's). The files were directly in migrations/ until they moved here; a database
// records a migration by its number and its file name without the folder, so one migrated then is up to date now.
export const MIGRATIONS_DIR = fromPackageRoot('migrations', 'sqlite');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const NAME = /^(\d{4})_[\w-]+\.sql$/;

/**
 * A migration whose first line is this marker runs with foreign keys off: SQLite's way to change a table it cannot
 * ALTER (rebuild it, drop the old one, rename the new one) would otherwise cascade the drop into the child tables.
 * PRAGMA foreign_keys is a no-op inside a transaction, so it is set around it, and the transaction commits only when
 * `PRAGMA foreign_key_check` finds nothing broken.
 */
const FOREIGN_KEYS_OFF = /^-- migrate: foreign_keys=off\s*$/m;

/** The migration files sorted by number. A .sql file not named NNNN_name.sql, or two files with one number, throw. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const sql = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  // A misnamed file would otherwise be skipped without a word, and its change never applied.
  const misnamed = sql.filter((f) => !NAME.test(f));
  if (misnamed.length) throw new AppError('MIGRATION_BAD_NAME', `migration files must be named NNNN_name.sql: ${misnamed.join(', ')}`);
  const migrations = sql
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version)
      throw new AppError('MIGRATION_DUPLICATE', `two migrations share version ${migrations[i]!.version}: ${migrations[i - 1]!.name}, ${migrations[i]!.name}`);
  }
  return migrations;
}

/** The versions recorded as applied (none on a database never migrated); changes nothing. */
export function appliedMigrationVersions(db: Db): Set<number> {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  return new Set(hasTable ? (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version) : []);
}

/**
 * Applies pending migrations; returns the names applied now (empty when up to date). Pending means "its number is
 * not in schema_migrations", so a file numbered below one already applied would still run (after it): new
 * migrations therefore take a number above every shipped one.
 */
export function migrate(db: Db, dir = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    const keysOff = FOREIGN_KEYS_OFF.test(m.sql.split('\n', 1)[0] ?? '') && db.pragma('foreign_keys', { simple: true }) === 1;
    const apply = db.transaction(() => {
      db.exec(m.sql);
      if (keysOff) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`foreign key check failed after the migration: ${JSON.stringify(broken.slice(0, 3))}`);
      }
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    });
    if (keysOff) db.pragma('foreign_keys = OFF');
    try {
      apply.immediate();
    } catch (err) {
      throw new AppError('MIGRATION_FAILED', `migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      if (keysOff) db.pragma('foreign_keys = ON');
    }
    done.push(m.name);
  }
  return done;
}
