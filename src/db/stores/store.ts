// The Store: every area of the persistence layer (src/db/stores/*.ts), as one interface that each engine implements
// whole (src/db/sqlite/store.ts, src/db/postgres/store.ts). Interfaces only: no engine is imported here.
import type { IngestStore } from './ingest.js';
import type { SubscriberStore } from './subscribers.js';
import type { EditionStore } from './editions.js';
import type { SendingStore } from './sending.js';
import type { ProfileStore } from './profiles.js';
import type { AdminReadModel } from './admin.js';
import type { EditionPreparationStore } from './preparation.js';
import type { JobRunsStore } from './job-runs.js';

export type Engine = 'sqlite' | 'postgres';

export interface Store
  extends IngestStore, SubscriberStore, EditionStore, SendingStore, ProfileStore, AdminReadModel, EditionPreparationStore, JobRunsStore {
  readonly engine: Engine;
  /** Closes the connection (SQLite) or ends the pool (PostgreSQL). Idempotent. */
  close(): Promise<void>;
}
