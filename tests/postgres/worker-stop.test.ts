// `papers worker` (not --once) on PostgreSQL, SIGTERM'd while it sends: its in-flight messages finish and are
// recorded, what it only claimed goes back to `pending`, and it exits 0 at once — not after its next poll (5 s),
// which it once waited for when the signal came during a send. A real process (the bundled CLI), a slow SMTP
// server in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFixture, type SendFixture } from '../send/setup.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startWorker } from './worker-process.js';
import { copySqliteToPostgres } from '../../src/db/copy.js';

const AUDIENCE = 40;
const CONNECTIONS = 2;
/** Each message takes this long to be accepted: the whole audience would take seconds, the stop must not. */
const DATA_DELAY_MS = 150;
/** The worker's poll interval (src/cli/worker.ts): a stop that waits for it is the bug. */
const POLL_MS = 5_000;

describe('papers worker stopped by SIGTERM mid-send', () => {
  let f: SendFixture;
  let db: TestDatabase;

  beforeAll(async () => {
    f = await sendFixture({ subscribers: AUDIENCE });
    db = await createTestDatabase();
    await copySqliteToPostgres(f.app.db, db.pool);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    await f?.close();
  });

  it('finishes its in-flight messages, gives back its claims and exits 0 before its next poll', async () => {
    f.smtp.faults.dataDelayMs = () => DATA_DELAY_MS;
    const { child, output, exited } = startWorker([], { databaseUrl: db.url, config: f.app.config, connections: CONNECTIONS, env: { LOG_LEVEL: 'info' } });
    try {
      await f.smtp.waitFor(4, 30_000);
      const stopAt = Date.now();
      child.kill('SIGTERM');
      const { code, signal, out } = await exited;
      const stopMs = Date.now() - stopAt;
      expect({ code, signal }, out).toEqual({ code: 0, signal: null });
      expect(stopMs, out).toBeLessThan(POLL_MS - 1_000);
      expect(output()).toContain('"event":"worker.stopped"');
    } finally {
      child.kill('SIGKILL');
    }
    // Stopped mid-send: some sent, the rest pending again, nothing left claimed; every accepted message recorded.
    const rows = await db.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status ORDER BY status');
    const by = Object.fromEntries(rows.rows.map((r) => [r.status, r.n]));
    expect(Object.keys(by).sort()).toEqual(['pending', 'sent']);
    expect(by.sent).toBe(f.smtp.messages.length);
    expect(by.sent! + by.pending!).toBe(AUDIENCE);
  }, 60_000);
});
