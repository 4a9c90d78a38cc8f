// `papers worker` (not --once) on PostgreSQL, SIGTERM'd while it sends: its in-flight messages finish and are
// recorded, what it only claimed goes back to `pending`, and it exits 0 at once — not after its next poll (5 s),
// which it once waited for when the signal came during a send. A real process (the bundled CLI), a slow SMTP
// server in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { sendFixture, type SendFixture } from '../send/setup.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { entryPath } from '../helpers/entries.js';
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
    const c = f.app.config;
    const child = spawn(process.execPath, [entryPath('cli'), 'worker'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        SMTP_URL: c.mail.smtpUrl ?? '',
        SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
        PUBLIC_BASE_URL: c.publicBaseUrl,
        MAIL_FROM: c.mail.from,
        SECRET_KEY: c.secretKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      await f.smtp.waitFor(4, 30_000);
      const stopAt = Date.now();
      child.kill('SIGTERM');
      const exit = await exited;
      const stopMs = Date.now() - stopAt;
      expect(exit, out).toEqual({ code: 0, signal: null });
      expect(stopMs, out).toBeLessThan(POLL_MS - 1_000);
      expect(out).toContain('"event":"worker.stopped"');
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
