// The SQLite engine's Store: every area's SQLite repository over one connection (the caller opens and migrates it).
import type { Db } from '../open.js';
import type { Store } from '../stores/store.js';
import { createSqliteIngestStore } from './papers-repo.js';
import { createSqliteSubscriberStore } from './subscribers-repo.js';
import { createSqliteEditionStore } from './editions-repo.js';
import { createSqliteLockStore } from './locks-store.js';
import { createSqliteDeliveryLedger } from './delivery-ledger.js';
import { createSqliteSenderStores } from './senders-store.js';
import { createSqliteDeliveryRetry } from './delivery-retry.js';
import { createSqliteProfileStore } from './profiles-store.js';
import { createSqliteAdminReadModel } from './admin-read-model.js';
import { createSqlitePreparationStore } from './edition-preparation-store.js';
import { createSqliteJobRunsStore } from './job-runs-store.js';

export function sqliteStore(db: Db): Store {
  return {
    engine: 'sqlite',
    ...createSqliteIngestStore(db),
    ...createSqliteSubscriberStore(db),
    ...createSqliteEditionStore(db),
    ...createSqliteLockStore(db),
    ...createSqliteDeliveryLedger(db),
    ...createSqliteSenderStores(db),
    ...createSqliteDeliveryRetry(db),
    ...createSqliteProfileStore(db),
    ...createSqliteAdminReadModel(db),
    ...createSqlitePreparationStore(db),
    ...createSqliteJobRunsStore(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
