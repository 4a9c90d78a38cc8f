// Migrations apply in order, once each, on a real SQLite file, with the pragmas we rely on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.js';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/app.js';

describe('migrate', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it('applies every migration once and records it', () => {
    const db = openDatabase(join(t.dir, 'a.db'));
    const first = migrate(db);
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
    expect(first).toHaveLength(files.length);
    expect(migrate(db)).toEqual([]);
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual(files.map((f) => Number(f.slice(0, 4))).sort((a, b) => a - b));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    db.close();
    // Re-opening the same file finds it up to date.
    const again = openDatabase(join(t.dir, 'a.db'));
    expect(migrate(again)).toEqual([]);
    again.close();
  });

  it('rolls a failing migration back whole and names it', () => {
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);');
    const db = openDatabase(join(t.dir, 'b.db'));
    expect(() => migrate(db, dir)).toThrow(/0002_broken/);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toContain('a');
    expect(tables).not.toContain('b');
    db.close();
  });
});
