// The editions area of the Store (editions and their papers, the preparation units, the never-twice ledger): its repositories' interface and the
// factory of each engine. Filled in as the area moves its SQL here (see src/db/store.ts).
import type { Db } from '../open.js';
import type { PgPool } from '../postgres/pool.js';

export interface EditionStore {}

export function createSqliteEditionStore(_db: Db): EditionStore {
  return {};
}

export function createPostgresEditionStore(_pool: PgPool): EditionStore {
  return {};
}
