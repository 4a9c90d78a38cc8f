// Copies a SQLite database into an empty, migrated PostgreSQL one, table by table, generically: tables and columns
// are matched by name, parents before children (the target's foreign keys), values converted per target column type
// (0/1 → boolean, JSON text → jsonb, ISO text → timestamptz, YYYY-MM-DD → date), ids kept and identity sequences
// moved past them. Invariant: all of it in one PostgreSQL transaction, committed only when every table's row count
// equals the source's; the source is read in one snapshot. SQLite's full-text tables (virtual tables and their
// shadow tables), each engine's own schema_migrations and SQLite's counts by status are not copied.
import type { Db } from './open.js';
import type { PgClient, PgPool } from './postgres/pool.js';
import { AppError } from '../lib/errors.js';

export interface CopiedTable {
  table: string;
  source: number;
  target: number;
}

export interface CopyOptions {
  /** Rows per INSERT (one array parameter per column, so no parameter limit applies). */
  batchRows?: number;
  /** After each batch: rows of `table` copied so far, of `total`. */
  onProgress?: (table: string, done: number, total: number) => void;
}

interface TargetColumn {
  name: string;
  /** format_type(): what an array parameter of this column is cast to (`${type}[]`). */
  type: string;
  typname: string;
  identity: '' | 'a' | 'd';
}

interface TablePlan {
  table: string;
  columns: TargetColumn[];
  convert: ((v: unknown) => unknown)[];
}

/**
 * Tables each engine keeps for itself: its migrations, and SQLite's counts by status (kept by its triggers from the rows
 * themselves; PostgreSQL counts its tables where they are, off the app's thread).
 */
const OWN_TABLES = new Set(['schema_migrations', 'deliveries_by_status', 'subscribers_by_status']);
/**
 * SQLite's alone: subscribe requests kept during a burst until the intake applies them (PostgreSQL's intake writes at
 * once). Not copied; a copy refuses to start while it holds rows, which would otherwise be lost.
 */
const SUBSCRIBE_SPOOL = 'subscribe_spool';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Tables of the target's current schema that hold at least one row (schema_migrations aside). */
export async function nonEmptyTables(db: PgPool | PgClient): Promise<string[]> {
  const tables = await targetTables(db);
  const out: string[] = [];
  for (const t of tables) if ((await db.query(`SELECT EXISTS (SELECT 1 FROM ${ident(t)}) AS any`)).rows[0].any) out.push(t);
  return out;
}

/** Copies every table of `sqlite` into the migrated, empty database of `pool`; returns the verified counts. */
export async function copySqliteToPostgres(sqlite: Db, pool: PgPool, o: CopyOptions = {}): Promise<CopiedTable[]> {
  const batchRows = o.batchRows ?? 1000;
  const client = await pool.connect();
  let failed: Error | undefined;
  let reading = false;
  try {
    // One read transaction on SQLite: every table is read from the same snapshot, even while the service writes.
    sqlite.exec('BEGIN');
    reading = true;
    await client.query('BEGIN');
    // Nobody writes to the target until the copy commits (reads go on): the emptiness check and the counts hold.
    const all = await targetTables(client);
    if (all.length) await client.query(`LOCK TABLE ${all.map(ident).join(', ')} IN EXCLUSIVE MODE`);
    const spooled = spooledRequests(sqlite);
    if (spooled)
      throw new AppError(
        'COPY_SPOOL_NOT_EMPTY',
        `${spooled} subscribe request(s) still wait in the SQLite database's spool: start the server once (it applies them) and copy again`,
      );
    const plans = await plan(sqlite, client);
    const busy = await nonEmptyTables(client);
    if (busy.length)
      throw new AppError('COPY_TARGET_NOT_EMPTY', `the PostgreSQL database is not empty (rows in ${busy.join(', ')}); copy only into an empty database`);
    const copied: CopiedTable[] = [];
    for (const p of plans) {
      const total = (sqlite.prepare(`SELECT count(*) AS n FROM ${ident(p.table)}`).get() as { n: number }).n;
      await copyTable(sqlite, client, p, total, batchRows, o.onProgress);
      await moveIdentities(client, p);
      const target = (await client.query(`SELECT count(*) AS n FROM ${ident(p.table)}`)).rows[0].n as number;
      copied.push({ table: p.table, source: total, target });
    }
    const wrong = copied.filter((c) => c.source !== c.target);
    if (wrong.length)
      throw new AppError('COPY_COUNT_MISMATCH', `row counts differ, nothing was copied: ${wrong.map((c) => `${c.table} ${c.source} → ${c.target}`).join(', ')}`);
    await client.query('COMMIT');
    return copied;
  } catch (err) {
    failed = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw new AppError('COPY_FAILED', `copy failed, nothing was copied: ${(err as Error).message}`, { cause: err });
  } finally {
    if (reading) sqlite.exec('COMMIT');
    client.release(failed && !(failed instanceof AppError) ? failed : undefined);
  }
}

/** Which tables to copy, in foreign-key order, with each column's converter; refuses what would lose data. */
async function plan(sqlite: Db, client: PgClient): Promise<TablePlan[]> {
  const sourceTables = sqliteTables(sqlite);
  const target = new Set(await targetTables(client));
  const missing = sourceTables.filter((t) => !target.has(t));
  if (missing.length)
    throw new AppError('COPY_SCHEMA_MISMATCH', `the PostgreSQL schema has no table for ${missing.join(', ')}: add its migration before copying`);
  const plans: TablePlan[] = [];
  for (const table of await foreignKeyOrder(client, sourceTables)) {
    const targetColumns = new Map((await columnsOf(client, table)).map((c) => [c.name, c]));
    const sourceColumns = (sqlite.pragma(`table_info(${ident(table)})`) as { name: string }[]).map((c) => c.name);
    const lost = sourceColumns.filter((c) => !targetColumns.has(c));
    if (lost.length) throw new AppError('COPY_SCHEMA_MISMATCH', `the PostgreSQL table ${table} has no column ${lost.join(', ')}`);
    const columns = sourceColumns.map((c) => targetColumns.get(c)!);
    plans.push({ table, columns, convert: columns.map((c) => converter(table, c)) });
  }
  return plans;
}

/** Subscribe requests waiting in the SQLite spool (0 in a database migrated before it existed). */
function spooledRequests(sqlite: Db): number {
  const exists = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(SUBSCRIBE_SPOOL);
  return exists ? (sqlite.prepare(`SELECT count(*) AS n FROM ${SUBSCRIBE_SPOOL}`).get() as { n: number }).n : 0;
}

/** SQLite's tables with data of their own: no FTS5 virtual table or its shadow tables, no schema_migrations. */
function sqliteTables(sqlite: Db): string[] {
  const rows = sqlite.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all();
  const virtual = rows.filter((r) => /^CREATE\s+VIRTUAL\s+TABLE/i.test(r.sql)).map((r) => r.name);
  return rows
    .map((r) => r.name)
    .filter((n) => !OWN_TABLES.has(n) && n !== SUBSCRIBE_SPOOL && !virtual.some((v) => n === v || n.startsWith(`${v}_`)))
    .sort();
}

async function targetTables(db: PgPool | PgClient): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY 1`,
  );
  return rows.map((r) => r.name).filter((n) => !OWN_TABLES.has(n));
}

async function columnsOf(client: PgClient, table: string): Promise<TargetColumn[]> {
  const { rows } = await client.query<TargetColumn & { generated: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname, a.attidentity AS identity,
            a.attgenerated AS generated
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [ident(table)],
  );
  // Generated columns (papers.appeared_at, papers.search) are computed by PostgreSQL, never written.
  return rows.filter((r) => r.generated === '');
}

/** `tables` ordered so that every table comes after the tables its foreign keys reference (ties by name). */
async function foreignKeyOrder(client: PgClient, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
     JOIN pg_namespace n ON n.oid = k.connamespace
     WHERE k.contype = 'f' AND n.nspname = current_schema() AND k.conrelid <> k.confrelid`,
  );
  const wanted = new Set(tables);
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const r of rows) if (wanted.has(r.child) && wanted.has(r.parent)) parents.get(r.child)!.add(r.parent);
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)));
    if (!ready.length) throw new AppError('COPY_SCHEMA_MISMATCH', `foreign keys form a cycle among ${tables.filter((t) => !placed.has(t)).join(', ')}`);
    for (const t of ready) {
      placed.add(t);
      order.push(t);
    }
  }
  return order;
}

/** SQLite value → what PostgreSQL takes for this column; a value that cannot be converted names table and column. */
function converter(table: string, c: TargetColumn): (v: unknown) => unknown {
  const bad = (v: unknown, what: string) =>
    new AppError('COPY_BAD_VALUE', `${table}.${c.name}: ${JSON.stringify(v)?.slice(0, 80)} is not ${what}`);
  switch (c.typname) {
    case 'bool':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (v === 0 || v === 1) return v === 1;
        throw bad(v, 'a 0/1 flag');
      };
    case 'timestamptz':
      return (v) => {
        if (v === null || v === undefined) return null;
        const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
        if (Number.isNaN(t)) throw bad(v, 'an ISO-8601 time');
        return new Date(t).toISOString();
      };
    case 'date':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(v) || Number.isNaN(Date.parse(v))) throw bad(v, 'a YYYY-MM-DD date');
        return v;
      };
    case 'jsonb':
    case 'json':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v !== 'string') throw bad(v, 'JSON text');
        try {
          JSON.parse(v);
        } catch {
          throw bad(v, 'valid JSON');
        }
        return v;
      };
    case 'int2':
    case 'int4':
    case 'int8':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v;
        throw bad(v, 'a whole number');
      };
    case 'float4':
    case 'float8':
    case 'numeric':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number' || typeof v === 'bigint') return v;
        throw bad(v, 'a number');
      };
    case 'bytea':
      return (v) => v ?? null;
    default: // text, citext, varchar: SQLite may hand back a number where the declared type had no TEXT affinity
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v));
  }
}

async function copyTable(sqlite: Db, client: PgClient, p: TablePlan, total: number, batchRows: number, onProgress: CopyOptions['onProgress']) {
  const names = p.columns.map((c) => ident(c.name)).join(', ');
  const overriding = p.columns.some((c) => c.identity === 'a') ? ' OVERRIDING SYSTEM VALUE' : '';
  // One array per column, unnested into rows: a batch is one statement with as many parameters as columns.
  const insert = `INSERT INTO ${ident(p.table)} (${names})${overriding}
    SELECT * FROM unnest(${p.columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
  const select = sqlite.prepare(`SELECT ${names} FROM ${ident(p.table)}`).raw();
  let arrays: unknown[][] = p.columns.map(() => []);
  let pending = 0;
  let done = 0;
  const flush = async () => {
    if (!pending) return;
    await client.query(insert, arrays);
    done += pending;
    arrays = p.columns.map(() => []);
    pending = 0;
    onProgress?.(p.table, done, total);
  };
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    for (let i = 0; i < row.length; i++) arrays[i]!.push(p.convert[i]!(row[i]));
    if (++pending >= batchRows) await flush();
  }
  await flush();
}

/** Identity sequences continue after the copied ids, so the next row PostgreSQL numbers does not collide. */
async function moveIdentities(client: PgClient, p: TablePlan) {
  for (const c of p.columns.filter((col) => col.identity)) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(${ident(c.name)}) AS m FROM ${ident(p.table)}) x WHERE m IS NOT NULL`,
      [ident(p.table), c.name],
    );
  }
}
