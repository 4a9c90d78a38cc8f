// Applies migrations/NNNN_name.sql in order, each once, each in its own transaction; records what ran.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './open.js';
import { fromPackageRoot } from '../lib/paths.js';
import { AppError } from '../lib/errors.js';

// From the package root, so src/ (tsx) and dist/src/ (the tsc build) find the same folder.
export const MIGRATIONS_DIR = fromPackageRoot('migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f));
  const migrations = files
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version)
      throw new AppError('MIGRATION_DUPLICATE', `two migrations share version ${migrations[i]!.version}`);
  }
  return migrations;
}

/** Applies pending migrations; returns the names applied now (empty when up to date). */
export function migrate(db: Db, dir = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    const apply = db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    });
    try {
      apply.immediate();
    } catch (err) {
      throw new AppError('MIGRATION_FAILED', `migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
    done.push(m.name);
  }
  return done;
}
