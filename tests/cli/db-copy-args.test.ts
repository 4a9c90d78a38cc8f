// `papers db copy` before any PostgreSQL is involved (runs with or without a server): a URL of another scheme is a
// usage error, an unreachable server is the one-line DB_OPEN_FAILED naming host and database, never the password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { papers } from '../helpers/cli.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let app: TestApp;
beforeAll(() => {
  app = createTestApp();
});
afterAll(() => app.cleanup());

describe('papers db copy: arguments and connection', () => {
  it('a --to that is not a postgres:// URL is a usage error in one line (exit 2)', async () => {
    const r = await papers(['db', 'copy', '--to', 'mysql://root:hunter2@db/papers'], { DATABASE_PATH: app.config.databasePath });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: --to must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/papers\n');
  });

  it('without --to, commander says what is missing (exit 2)', async () => {
    const r = await papers(['db', 'copy'], { DATABASE_PATH: app.config.databasePath });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--to <url>' not specified/);
  });

  it('a server that cannot be reached: one line naming host, port and database, without the password (exit 1)', async () => {
    const r = await papers(['db', 'copy', '--to', 'postgres://papers:s3cret@127.0.0.1:1/papers'], { DATABASE_PATH: app.config.databasePath });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: DB_OPEN_FAILED: cannot open the database postgres:\/\/127\.0\.0\.1:1\/papers: .*ECONNREFUSED.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('a SQLite file that does not exist is named (exit 1), and not created', async () => {
    const missing = join(app.dir, 'nowhere.db');
    const r = await papers(['db', 'copy', '--to', 'postgres://127.0.0.1:1/papers', '--from', missing], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: no database at ${missing}\n`);
    expect(existsSync(missing)).toBe(false);
  });
});
