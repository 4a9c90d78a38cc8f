// Opens a PostgreSQL connection pool (node-postgres) from DATABASE_URL, with the type parsers that keep values in
// the forms the SQLite code already uses: times as ISO-8601 UTC strings with milliseconds, dates as YYYY-MM-DD,
// bigint/numeric as numbers. A server that cannot be reached is one AppError DB_OPEN_FAILED naming host and
// database (never the password) and the cause, printed as one line like src/db/open.ts does for SQLite.
import pg from 'pg';
import { AppError } from '../../lib/errors.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

const { builtins } = pg.types;

/** timestamptz → "2026-08-21T07:00:00.000Z", exactly as SQLite stores times (pg's own parser builds the Date). */
const parseTimestamptz = (text: string): string => {
  const d = pg.types.getTypeParser(builtins.TIMESTAMPTZ)(text) as Date | number;
  // ±infinity are the only values without an ISO form: kept as PostgreSQL writes them rather than thrown mid-row.
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : text;
};

/** An int8 (ids, count(*)) as a number: our ids and counts stay far below 2^53, where a number is exact. */
const parseBigint = (text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new AppError('DB_BIGINT_OVERFLOW', `bigint ${text} does not fit a JavaScript number`);
  return n;
};

const PARSERS = new Map<number, (text: string) => unknown>([
  [builtins.TIMESTAMPTZ, parseTimestamptz],
  [builtins.DATE, (text) => text], // pg's default makes a Date at local midnight, which shifts the day west of UTC
  [builtins.INT8, parseBigint],
  [builtins.NUMERIC, Number], // sum(bigint), avg(): figures, not money
]);

/** Our parsers where we have one, node-postgres' defaults (jsonb → objects, bool → boolean, float8 → number) elsewhere. */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    const own = format === 'binary' ? undefined : PARSERS.get(oid);
    return own ?? pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

export interface PgPoolOptions {
  /** Connections per process (default 10): the web app and a sender each hold a few while they work. */
  max?: number;
  /** Shown in pg_stat_activity, so an operator sees which process holds a connection. */
  applicationName?: string;
  /** How long to wait for a connection before failing (default 10 s): an unreachable host fails, not hangs. */
  connectionTimeoutMs?: number;
  /**
   * Errors of idle connections (the server restarted, the network dropped). Always listened to, since an unheard
   * 'error' event would crash the process; without this callback they are dropped (the pool opens a new connection).
   */
  onIdleError?: (err: Error) => void;
}

/** "postgres://host:5432/db" without user or password, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const socket = u.searchParams.get('host');
    const host = u.hostname || (socket?.startsWith('/') ? 'localhost' : socket) || 'localhost';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || '(default database)';
    return `postgres://${host}${u.port ? `:${u.port}` : ''}/${db}${socket?.startsWith('/') && !u.hostname ? ` (socket in ${socket})` : ''}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** A pool with our type parsers; connects lazily (use openPostgres to fail at start-up instead). */
export function createPgPool(url: string, options: PgPoolOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    types: PG_TYPES,
    application_name: options.applicationName ?? 'trending-papers',
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    // Session time zone UTC: now()::date, date_trunc and text casts read as the UTC the code writes (a URL's own
    // `options` parameter wins over this).
    options: '-c TimeZone=UTC',
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}

/**
 * A pool that has proven it can connect: one connection is opened and checked before this resolves. Failure is
 * DB_OPEN_FAILED "cannot open the database postgres://host:port/db: <cause>", the pool closed.
 */
export async function openPostgres(url: string, options: PgPoolOptions = {}): Promise<PgPool> {
  const pool = createPgPool(url, options);
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT 1');
    } finally {
      client.release();
    }
    return pool;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new AppError('DB_OPEN_FAILED', `cannot open the database ${describePostgresUrl(url)}: ${connectFailure(err)}`, { cause: err });
  }
}

/** One line for a failed connect: a refused connection to every address of a host is an AggregateError without a message. */
export function connectFailure(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  let message = typeof e.message === 'string' && e.message ? e.message : '';
  if (!message && Array.isArray(e.errors)) message = [...new Set(e.errors.map((x: { message?: string }) => x?.message ?? String(x)))].join('; ');
  if (!message) message = String(err);
  // SQLSTATE codes (3D000, 28P01) say little to a reader next to the server's own message; socket codes do.
  return typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && !message.includes(e.code) ? `${message} (${e.code})` : message;
}
