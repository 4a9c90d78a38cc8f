// The units of work every PostgreSQL repository is built from: a transaction on one client of the pool, a savepoint
// inside it (so one refused entry or request is undone alone while its batch lands), and the rule that tells a
// request's own fault (a constraint, bad data) from the database's condition (which fails the whole unit).
import type { PgClient, PgPool } from './pool.js';

/** The pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = PgPool | PgClient;

/** The first row of a query, or undefined. */
export async function one<T>(q: Queryable, text: string, values: unknown[] = []): Promise<T | undefined> {
  return (await q.query(text, values)).rows[0] as T | undefined;
}

/** Every row of a query. */
export async function all<T>(q: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  return (await q.query(text, values)).rows as T[];
}

/** A request's own fault (SQLSTATE class 23 integrity constraint, 22 data exception), not the database's condition. */
export function isPgRequestError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(23|22)/.test(code);
}

/** `fn` in one transaction on one client: COMMIT when it resolves, ROLLBACK when it throws. */
export function inTransaction<T>(pool: PgPool, fn: (c: PgClient) => Promise<T>): Promise<T> {
  return transactionOf(pool, 'BEGIN', fn);
}

/** One transaction opened by `begin` on one client of the pool; a client that cannot roll back is not pooled again. */
async function transactionOf<T>(pool: PgPool, begin: string, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true; // a connection that cannot roll back is not given back to the pool
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** `fn` inside a savepoint of the current transaction: a failure undoes its writes only, then rethrows. */
export async function inSavepoint<T>(c: PgClient, fn: () => Promise<T>): Promise<T> {
  await c.query('SAVEPOINT one_unit');
  try {
    const r = await fn();
    await c.query('RELEASE SAVEPOINT one_unit');
    return r;
  } catch (err) {
    await c.query('ROLLBACK TO SAVEPOINT one_unit');
    throw err;
  }
}

/** `fn` reading one consistent snapshot (REPEATABLE READ, READ ONLY): several queries see the same committed rows. */
export function inReadSnapshot<T>(pool: PgPool, fn: (c: PgClient) => Promise<T>): Promise<T> {
  return transactionOf(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
}
