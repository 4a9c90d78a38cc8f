// The papers repository moved behind the Store (src/db/stores/ingest.ts; SQLite in src/db/sqlite/papers-repo.ts,
// PostgreSQL in src/db/postgres/papers-repo.ts). This module keeps the synchronous SQLite core reachable for the code
// not yet on the Store (edition preparation, the rank CLI, feedback pages); new code uses `app.store`.
export { createSqlitePapersCore as createPapersRepo, toPaperRow } from './sqlite/papers-repo.js';
export type { SqlitePapersCore as PapersRepo } from './sqlite/papers-repo.js';
export type { PaperRow, UpsertCounts, UpsertOutcome, UpsertResult } from './stores/ingest.js';
