// The ingest area of the Store (papers, observations, the candidate reader, ingest runs, the HTTP cache): its repositories' interface and the
// factory of each engine. Filled in as the area moves its SQL here (see src/db/store.ts).
import type { Db } from '../open.js';
import type { PgPool } from '../postgres/pool.js';

export interface IngestStore {}

export function createSqliteIngestStore(_db: Db): IngestStore {
  return {};
}

export function createPostgresIngestStore(_pool: PgPool): IngestStore {
  return {};
}
