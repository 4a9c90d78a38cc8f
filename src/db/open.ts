// Opens the SQLite database with the pragmas every connection needs (WAL, NORMAL sync, FKs, busy timeout).
// A database that cannot be opened (missing permission, read-only or full filesystem, not a database) is one
// AppError DB_OPEN_FAILED naming the path and the cause, so every entry point can print it as one line.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../lib/errors.js';

export type Db = Database.Database;

/** What a WAL file is cut back to when it starts over (journal_size_limit). */
export const WAL_KEPT_BYTES = 64 * 1024 * 1024;

export function openDatabase(path: string, options: { busyTimeoutMs?: number; readonly?: boolean } = {}): Db {
  let db: Db | undefined;
  try {
    if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    // The first statement reads the header: a file that is not a database fails here, not at the first query.
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // The WAL file is reused, never shrunk, unless this says how much of it to keep when it starts over: without it a
    // day's preparation at a million readers left a 2.2 GB WAL beside the database for good (soak, 1,000,000).
    if (!options.readonly) db.pragma(`journal_size_limit = ${WAL_KEPT_BYTES}`);
    return db;
  } catch (err) {
    if (db?.open) db.close();
    throw new AppError('DB_OPEN_FAILED', `cannot open the database ${path}: ${openFailure(err)}`, { cause: err });
  }
}

/** SQLite's quick integrity check of a database file, opened read-only: 'ok', or what it found wrong. */
export function quickCheck(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('quick_check', { simple: true }));
  } finally {
    db.close();
  }
}

function openFailure(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}
