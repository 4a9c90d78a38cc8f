// The pool reads PostgreSQL values in the forms the SQLite code uses (ISO times with milliseconds, YYYY-MM-DD
// dates, numbers for bigint and numeric, booleans, parsed jsonb), and a server it cannot reach is one clear line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/postgres.js';
import { describePostgresUrl, openPostgres } from '../../src/db/postgres/pool.js';
import { AppError } from '../../src/lib/errors.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(() => db?.drop());

async function openError(url: string): Promise<AppError> {
  const err = await openPostgres(url, { connectionTimeoutMs: 3000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('PostgreSQL pool', () => {
  it('reads times as ISO-8601 UTC with milliseconds, dates as YYYY-MM-DD, bigint and numeric as numbers', async () => {
    const { rows } = await db.pool.query(`SELECT
        '2026-08-21T07:00:00.000Z'::timestamptz AS t,
        '2026-08-21 09:30:05.123+02'::timestamptz AS t2,
        '2026-08-17'::date AS d,
        9007199254740991::bigint AS big,
        count(*) AS n,
        12.5::numeric AS num,
        true AS flag,
        '{"a": [1, "x"]}'::jsonb AS j,
        NULL::timestamptz AS none`);
    expect(rows[0]).toEqual({
      t: '2026-08-21T07:00:00.000Z',
      t2: '2026-08-21T07:30:05.123Z',
      d: '2026-08-17',
      big: 9007199254740991,
      n: 1,
      num: 12.5,
      flag: true,
      j: { a: [1, 'x'] },
      none: null,
    });
    // Round trip: what the code writes (an ISO string) is what it reads back, to the millisecond.
    const { rows: back } = await db.pool.query('SELECT $1::timestamptz AS t, $2::date AS d', ['2026-08-21T23:59:59.999Z', '2026-08-21']);
    expect(back[0]).toEqual({ t: '2026-08-21T23:59:59.999Z', d: '2026-08-21' });
  });

  it('sessions run in UTC and name the application', async () => {
    const { rows } = await db.pool.query("SELECT current_setting('TimeZone') AS tz, current_setting('application_name') AS app");
    expect(rows[0]).toEqual({ tz: 'UTC', app: 'papers-tests' });
  });

  it('a bigint beyond 2^53 fails rather than coming back rounded', async () => {
    await expect(db.pool.query('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/does not fit a JavaScript number/);
  });

  it('a server that refuses the connection is DB_OPEN_FAILED naming host, port and database, without the password', async () => {
    const err = await openError('postgres://papers:s3cret@127.0.0.1:1/papers');
    expect(err.code).toBe('DB_OPEN_FAILED');
    expect(err.message).toMatch(/^cannot open the database postgres:\/\/127\.0\.0\.1:1\/papers: .*ECONNREFUSED/);
    expect(err.message).not.toContain('s3cret');
    expect(err.message).not.toContain('\n');
  });

  it('a database that does not exist is DB_OPEN_FAILED with the server’s own words', async () => {
    const err = await openError(databaseUrl('papers_no_such_database'));
    expect(err.code).toBe('DB_OPEN_FAILED');
    expect(err.message).toMatch(/\/papers_no_such_database: database "papers_no_such_database" does not exist$/);
  });

  it('describes a URL without its credentials', () => {
    expect(describePostgresUrl('postgres://u:p@db.internal:6543/papers?sslmode=require')).toBe('postgres://db.internal:6543/papers');
    expect(describePostgresUrl('postgresql:///papers?host=/var/run/postgresql')).toBe('postgres://localhost/papers (socket in /var/run/postgresql)');
  });
});
