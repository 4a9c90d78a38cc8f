// A subscribe request answered 202 is never lost because the database was busy: its batch is written later.
import { afterEach, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { createSubscriptionService } from '../../src/subscribers/service.js';
import { silentLogger } from '../../src/lib/logger.js';

let app: TestApp;
const opened: Db[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  await app.cleanup();
});

it('retries a batch that hit a locked database and records it once the lock is gone', async () => {
  app = createTestApp();
  const db = openDatabase(app.config.databasePath, { busyTimeoutMs: 10 });
  const blocker = openDatabase(app.config.databasePath);
  opened.push(db, blocker);
  const service = createSubscriptionService(
    { db, mailer: app.mailer, clock: app.clock, logger: silentLogger() },
    { publicBaseUrl: app.config.publicBaseUrl, confirmTtlHours: 48, confirmResendMinutes: 10, writeRetryDelayMs: 30 },
  );

  blocker.exec('BEGIN IMMEDIATE'); // another process holding the write lock (a long prepare, say)
  service.subscribe({ email: 'late@example.org' });
  await new Promise((r) => setTimeout(r, 120));
  expect(blocker.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 0 });
  blocker.exec('COMMIT');

  const deadline = Date.now() + 5_000;
  while (!app.subscriptions.repo.getByEmail('late@example.org') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(app.subscriptions.repo.getByEmail('late@example.org')?.status).toBe('pending');
  await service.drain();
});
