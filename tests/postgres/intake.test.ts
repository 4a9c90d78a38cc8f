// The subscribe intake on PostgreSQL runs in-process over the Store's pool (src/subscribers/intake-local.ts): a
// burst larger than one write batch is recorded with one confirmation per address (none for a confirmed one), a
// request the database refuses is dropped and counted alone, and a batch that meets a locked table is kept and
// written once the lock is gone, every failed commit reported for readiness. A real server and a real SMTP sink.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { openPostgres } from '../../src/db/postgres/pool.js';
import { postgresStore, type Store } from '../../src/db/store.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { silentLogger } from '../../src/lib/logger.js';
import { hashToken } from '../../src/lib/tokens.js';
import { createLocalIntakeClient } from '../../src/subscribers/intake-local.js';
import { WRITE_BATCH } from '../../src/subscribers/intake.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const AT = new Date('2026-08-21T07:00:00.000Z');
const SETTINGS = { publicBaseUrl: 'https://papers.example.org', confirmTtlHours: 48, confirmResendMinutes: 10, writeRetryDelayMs: 20 };

async function rig(o: { lockTimeout?: boolean } = {}) {
  const db: TestDatabase = await createTestDatabase();
  cleanups.push(() => db.drop());
  let store: Store = postgresStore(db.pool);
  if (o.lockTimeout) {
    // A pool whose sessions give up on a lock after 100 ms (instead of waiting for as long as it is held).
    await db.pool.query(`ALTER DATABASE ${db.name} SET lock_timeout = '100ms'`);
    const pool = await openPostgres(db.url, { max: 2 });
    cleanups.push(() => pool.end());
    store = postgresStore(pool);
  }
  const smtp: SmtpSink = await startSmtpSink();
  cleanups.push(() => smtp.close());
  const mailer: Mailer = createSmtpMailer(smtp.url, { from: 'Digest <digest@papers.example.org>', maxConnections: 2, ratePerSecond: 0 });
  cleanups.push(() => mailer.close());
  const commits: { ok: boolean; code: string | null }[] = [];
  const client = createLocalIntakeClient({ store, mailer, logger: silentLogger(), settings: SETTINGS, onCommit: (ok, code) => commits.push({ ok, code }) });
  cleanups.push(() => client.close());
  return { db, store, smtp, client, commits };
}

/** The token of the confirmation link in a received message. */
const tokenIn = (raw: Buffer) => /confirm\?token=([A-Za-z0-9_-]{43})/.exec(raw.toString('utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='))?.[1];

describe('the subscribe intake on PostgreSQL (in-process)', () => {
  it('records a burst larger than a batch, one confirmation per address, none for a confirmed one; a refused request is dropped alone', async () => {
    const { store, smtp, client, commits } = await rig();
    await store.createSubscriber({ email: 'active@example.org', status: 'active', now: AT.toISOString() });
    const n = WRITE_BATCH + 44;
    for (let i = 0; i < n; i++) client.subscribe({ email: `reader${i}@example.org`, topics: i % 2 ? ['agents'] : undefined }, AT);
    client.subscribe({ email: 'active@example.org' }, AT);
    client.subscribe({ email: 'twice@example.org' }, AT);
    client.subscribe({ email: 'TWICE@example.org' }, new Date(AT.getTime() + 1000));
    client.subscribe({ email: 'refused@example.org', hour: 99 }, AT); // the CHECK on delivery_hour refuses it
    await client.drain();

    expect(client.counters.get('received')).toBe(n + 4);
    expect(client.counters.get('finished')).toBe(n + 4);
    expect(client.counters.get('waiting')).toBe(0);
    expect(client.counters.dropped()).toEqual({ write_failed: 0, buffer_full: 0, invalid: 1, worker_failed: 0 });
    expect(commits).toEqual([]); // only failures (and the success that ends one) are reported
    expect(await store.countSubscribersByStatus()).toEqual({ pending: n + 1, active: 1, unsubscribed: 0, bounced: 0 });
    expect(await store.subscriberTopics((await store.getSubscriberByEmail('reader1@example.org'))!.id)).toEqual(['agents']);

    await smtp.waitFor(n + 1, 30_000);
    const to = smtp.messages.flatMap((m) => m.to).sort();
    expect(to).toHaveLength(n + 1);
    expect(new Set(to).size).toBe(n + 1);
    expect(to).toContain('twice@example.org');
    expect(to).not.toContain('active@example.org');
    expect(to).not.toContain('refused@example.org');

    // The link works: its token activates that address, once.
    const message = smtp.messages.find((m) => m.to[0] === 'reader7@example.org')!;
    const token = tokenIn(message.raw)!;
    expect(token).toBeDefined();
    const reader = (await store.getSubscriberByEmail('reader7@example.org'))!;
    expect(await store.confirmSubscriber(hashToken(token), new Date(AT.getTime() + 60_000).toISOString())).toEqual({ ok: true, subscriberId: reader.id });
  });

  it('keeps a batch that met a locked table and writes it once the lock is gone; readiness hears of the failure and the recovery', async () => {
    const { db, store, smtp, client, commits } = await rig({ lockTimeout: true });
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE subscribers IN ACCESS EXCLUSIVE MODE');
    client.subscribe({ email: 'late@example.org' }, AT);
    const until = Date.now() + 10_000;
    while (!commits.some((c) => !c.ok) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(commits[0]).toEqual({ ok: false, code: '55P03' }); // lock_not_available
    expect(client.counters.get('waiting')).toBe(1);
    await blocker.query('COMMIT');
    while (client.counters.get('finished') < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await client.drain();
    expect(commits.at(-1)).toEqual({ ok: true, code: null });
    expect(client.counters.dropped().write_failed).toBe(0);
    expect((await store.getSubscriberByEmail('late@example.org'))?.status).toBe('pending');
    await smtp.waitFor(1);
    expect(smtp.messages[0]!.to).toEqual(['late@example.org']);
  });
});
