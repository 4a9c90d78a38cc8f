// The subscribers repository moved behind the Store (src/db/stores/subscribers.ts; SQLite in
// src/db/sqlite/subscribers-repo.ts, PostgreSQL in src/db/postgres/subscribers-repo.ts). This module keeps the
// synchronous SQLite core reachable for the code not yet on the Store (reader profiles, the rank CLI, the admin
// queries' types); new code uses `app.store`.
export { createSqliteSubscribersCore as createSubscribersRepo, referencesTo } from './sqlite/subscribers-repo.js';
export type { SqliteSubscribersCore as SubscribersRepo } from './sqlite/subscribers-repo.js';
export type { DeliveryPreferences, Frequency, Subscriber, SubscriberStatus } from './stores/subscribers.js';
