// The PostgreSQL engine's Store: every area's PostgreSQL repository over one pool (the caller migrates it).
import type { PgPool } from './pool.js';
import type { Store } from '../stores/store.js';
import { createPostgresIngestStore } from './papers-repo.js';
import { createPostgresSubscriberStore } from './subscribers-repo.js';
import { createPostgresEditionStore } from './editions-repo.js';
import { createPostgresLockStore } from './locks-store.js';
import { createPostgresDeliveryLedger } from './delivery-ledger.js';
import { createPostgresSenderStores } from './senders-store.js';
import { createPostgresDeliveryRetry } from './delivery-retry.js';
import { createPostgresProfileStore } from './profiles-store.js';
import { createPostgresAdminReadModel } from './admin-read-model.js';
import { createPostgresPreparationStore } from './edition-preparation-store.js';
import { createPostgresJobRunsStore } from './job-runs-store.js';

export function postgresStore(pool: PgPool): Store {
  let ended = false;
  return {
    engine: 'postgres',
    ...createPostgresIngestStore(pool),
    ...createPostgresSubscriberStore(pool),
    ...createPostgresEditionStore(pool),
    ...createPostgresLockStore(pool),
    ...createPostgresDeliveryLedger(pool),
    ...createPostgresSenderStores(pool),
    ...createPostgresDeliveryRetry(pool),
    ...createPostgresProfileStore(pool),
    ...createPostgresAdminReadModel(pool),
    ...createPostgresPreparationStore(pool),
    ...createPostgresJobRunsStore(pool),
    async close() {
      if (ended) return;
      ended = true;
      await pool.end();
    },
  };
}
