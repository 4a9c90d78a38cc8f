// Several `papers worker` processes sending one edition from PostgreSQL, one of them kill -9'd mid-send: claims are
// row-locked (FOR UPDATE SKIP LOCKED), so the workers split the queue without sending anyone twice; the dead worker's
// claims come back by the crash rule (its process is gone) and are sent by the others with the same Message-ID.
// Every reader gets the digest; the only duplicates are messages the killed worker had in flight (at most its pool's
// connections), each with the Message-ID of its first copy. The edition is prepared on SQLite and moved with
// `db copy`'s code (the preparation's writes are not on the Store yet). Real processes (the bundled CLI), a real
// PostgreSQL database, a real SMTP server in this process; the last pass, after the workers, runs here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFixture, receivedBy, type SendFixture } from '../send/setup.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startWorker, type WorkerProcess } from './worker-process.js';
import { testConfig } from '../helpers/app.js';
import { copySqliteToPostgres } from '../../src/db/copy.js';
import { openStore } from '../../src/db/store.js';
import { sendDue, type SendOutcome } from '../../src/mail/send-edition.js';
import { createMailerFromConfig } from '../../src/mail/mailer-from-config.js';
import { sendSettingsOf } from '../../src/app.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';

// 300 readers: enough that each worker claims several batches (32 at a time) and the kill, at a fifth, lands while
// the killed worker holds claims and has messages in flight; every extra reader is only more of the same sending.
const AUDIENCE = 300;
const CONNECTIONS = 3;

describe('three sender workers on one PostgreSQL database, one killed mid-send', () => {
  let f: SendFixture;
  let db: TestDatabase;
  const children: WorkerProcess[] = [];

  beforeAll(async () => {
    f = await sendFixture({ subscribers: AUDIENCE });
    db = await createTestDatabase();
    await copySqliteToPostgres(f.app.db, db.pool);
  }, 120_000);
  afterAll(async () => {
    for (const w of children) w.child.kill('SIGKILL');
    await db?.drop();
    await f?.close();
  });

  // The kill is timed by the messages received (below), not by the clock; the rate bound is the one a worker runs with
  // in production (sends are paced), high enough not to slow the test.
  const worker = (): WorkerProcess => {
    const w = startWorker(['--once', '--date', f.edition.date], { databaseUrl: db.url, config: f.app.config, connections: CONNECTIONS, env: { SMTP_RATE_PER_SECOND: '400' } });
    children.push(w);
    return w;
  };

  const lastPass = async (): Promise<SendOutcome> => {
    const config = testConfig(f.app.dir, { DATABASE_URL: db.url, SMTP_URL: f.app.config.mail.smtpUrl ?? '', SMTP_MAX_CONNECTIONS: String(CONNECTIONS) });
    const { store } = await openStore(config.database);
    const mailer = createMailerFromConfig(config, { clock: systemClock });
    try {
      const edition = await store.readyEdition(f.edition.date);
      return await sendDue({ store, mailer, clock: systemClock, logger: silentLogger() }, sendSettingsOf(config), { editionId: edition!.id, waitForRetries: false, probeNow: true });
    } finally {
      await mailer.close();
      await store.close();
    }
  };

  it('every reader gets it; duplicates only for the killed worker in-flight messages, with the same Message-ID', async () => {
    const digests = () => f.smtp.messages.filter((m) => m.messageId?.startsWith('<digest-'));
    const workers = [worker(), worker(), worker()];
    const killed = workers[0]!;
    // Kill one the moment a fifth of the audience has been received: it holds claims and has messages in flight.
    f.smtp.faults.onMessage = () => {
      if (f.smtp.messages.length === AUDIENCE / 5) killed.child.kill('SIGKILL');
    };
    expect((await killed.exited).signal).toBe('SIGKILL');
    const survivors = await Promise.all(workers.slice(1).map((w) => w.exited));
    for (const s of survivors) expect(s.code, s.out).toBe(0);
    // The survivors took the dead worker's claims back as soon as they looked (its process is gone); a last pass
    // sends whatever they left when they finished first: here, as `papers worker --once` would (a fourth process
    // would prove nothing more and costs seconds of start-up).
    const last = await lastPass();
    expect(last).toMatchObject({ paused: false, failed: 0, bounced: 0, remaining: 0 });

    const byReader = receivedBy(digests());
    expect(byReader.size).toBe(AUDIENCE);
    const duplicated = [...byReader.entries()].filter(([, ids]) => ids.length > 1);
    expect(duplicated.length).toBeLessThanOrEqual(CONNECTIONS);
    for (const [, ids] of duplicated) expect(new Set(ids).size).toBe(1);
    // The ledger agrees: everyone sent, nothing left claimed.
    const rows = await db.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status');
    expect(rows.rows).toEqual([{ status: 'sent', n: AUDIENCE }]);
    const ledger = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sent_papers');
    expect(ledger.rows[0]!.n).toBe(AUDIENCE);
  }, 180_000);
});
