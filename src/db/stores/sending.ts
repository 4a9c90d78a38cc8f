// The sending area of the Store (the delivery ledger, send workers and the crash rule, send pause, job runs, locks): its repositories' interface and the
// factory of each engine. Filled in as the area moves its SQL here (see src/db/store.ts).
import type { Db } from '../open.js';
import type { PgPool } from '../postgres/pool.js';

export interface SendingStore {}

export function createSqliteSendingStore(_db: Db): SendingStore {
  return {};
}

export function createPostgresSendingStore(_pool: PgPool): SendingStore {
  return {};
}
