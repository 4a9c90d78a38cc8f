// What a SQLite error says about a write: the request's own fault (a constraint), contention (another writer
// holds the lock: wait and try again), or the database unable to take writes (read-only, full, I/O error).
// Used by the subscribe intake (retry or drop) and by readiness (can a write commit?).
export type WriteErrorClass = 'request' | 'contention' | 'unwritable';

export function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

export function classifyWriteError(err: unknown): WriteErrorClass {
  const code = sqliteCode(err) ?? '';
  if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG') return 'request';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'contention';
  // SQLITE_READONLY*, SQLITE_FULL, SQLITE_IOERR*, SQLITE_CANTOPEN, SQLITE_CORRUPT, a closed connection, anything else.
  return 'unwritable';
}
