// The subscribers area of the Store (subscribers, reader profiles, admin and metrics read models, readiness): its repositories' interface and the
// factory of each engine. Filled in as the area moves its SQL here (see src/db/store.ts).
import type { Db } from '../open.js';
import type { PgPool } from '../postgres/pool.js';

export interface SubscriberStore {}

export function createSqliteSubscriberStore(_db: Db): SubscriberStore {
  return {};
}

export function createPostgresSubscriberStore(_pool: PgPool): SubscriberStore {
  return {};
}
