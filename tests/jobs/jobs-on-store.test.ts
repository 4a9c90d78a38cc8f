// The jobs' bookkeeping through the Store, on both engines: abandoned daily runs are judged by their hold on the
// daily lock (SQLite: an unexpired lease; PostgreSQL: the advisory lock of a live session) — a run whose owner holds
// it is left alone and shown as running, one whose owner does not is shown as failed and closed once; a forced
// shutdown gives back this process's senders' claims and interrupts this process's runs, no one else's; the tick's
// cheap check finds due deliveries, none before a pause's probe time, and a dead sender's claims in any case.
import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { type OpenedTestStore, freshStores, testEngines } from '../helpers/engines.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { closeAbandonedRuns, DAILY_LOCK, truthfulRun } from '../../src/jobs/abandoned-runs.js';
import { newLockOwner, processOwnerPrefix } from '../../src/jobs/lock.js';
import { abandonOwnWork } from '../../src/jobs/shutdown.js';
import { hasDueDeliveries } from '../../src/jobs/pending-sends.js';
import { newSenderIdentity } from '../../src/mail/send-claims.js';

const NOW = '2026-08-21T07:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

describe.each(testEngines())('the jobs on the $name store', ({ open }) => {
  const stores = freshStores(open);
  const { run } = stores;
  const fresh = async () => {
    const opened = await stores.open();
    return { store: opened.store, clock: fixedClock(NOW), logger: silentLogger() };
  };
  /** One reader with one delivery of a ready edition, in the given status and claimed by `owner`. */
  const delivery = async (store: OpenedTestStore['store'], status: 'pending' | 'sending', owner: string | null = null) => {
    const reader = await store.createSubscriber({ email: 'r@example.org', status: 'active', now: NOW });
    await run("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', ?, 'ready', 's')", [NOW]);
    const edition = Number((await run('SELECT id FROM editions'))[0]!.id);
    await run(
      'INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, claim_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [edition, reader, status, '[]', NOW, '<1@x>', NOW, owner],
    );
    return Number((await run('SELECT id FROM deliveries'))[0]!.id);
  };

  it('closes a daily run whose owner lost the lock, and only once; a run whose owner holds it stays running', async () => {
    const app = await fresh();
    const { store, clock } = app;
    const live = newLockOwner();
    const held = await store.acquireLock(DAILY_LOCK, live, { now: NOW, ttlMs: 5 * 60_000 });
    expect(held).toBeDefined();
    await store.startJobRun('daily', '2026-08-21', NOW, 'schedule', live);
    await store.startJobRun('daily', '2026-08-20', NOW, 'catchup', 'other-host:4242:0badf00d'); // holds no lock
    const row = async (date: string) => (await store.jobRun('daily', date))!;

    expect((await truthfulRun(store, await row('2026-08-21'), clock.now())).status).toBe('running');
    const shown = await truthfulRun(store, await row('2026-08-20'), clock.now());
    expect(shown.status).toBe('failed');
    expect(JSON.parse(shown.outcome_json!)).toMatchObject({ abandoned: true, owner: 'other-host:4242:0badf00d' });
    expect((await row('2026-08-20')).status).toBe('running'); // shown, not yet written

    expect(await closeAbandonedRuns(app)).toEqual(['2026-08-20']);
    expect(await row('2026-08-20')).toMatchObject({ status: 'failed', finished_at: NOW, attempts: 1 });
    expect(await closeAbandonedRuns(app)).toEqual([]);

    // Its lock released without recording the end: abandoned at once.
    await held!.release();
    expect((await truthfulRun(store, await row('2026-08-21'), clock.now())).status).toBe('failed');
    expect(await closeAbandonedRuns(app)).toEqual(['2026-08-21']);
  });

  it("a forced shutdown gives back this process's senders' claims and interrupts its runs, no one else's", async () => {
    const { store, clock } = await fresh();
    const sender = newSenderIdentity();
    await store.registerSender(sender, NOW);
    const claimed = await delivery(store, 'sending', sender.owner);
    await store.registerSender({ owner: 'elsewhere', host: 'another-host', pid: process.pid }, NOW);
    await store.startJobRun('daily', '2026-08-21', NOW, 'schedule', `${processOwnerPrefix()}0000abcd`);
    await store.startJobRun('daily', '2026-08-20', NOW, 'schedule', `${hostname()}:${process.pid + 1}:0000abcd`);

    clock.set(at(1));
    expect(await abandonOwnWork({ store, clock })).toEqual({ claims: 1, jobs: 1 });
    expect(await run('SELECT status, claim_owner FROM deliveries WHERE id = ?', [claimed])).toEqual([{ status: 'pending', claim_owner: null }]);
    expect(await run('SELECT owner FROM send_workers')).toEqual([{ owner: 'elsewhere' }]);
    expect(await store.jobRun('daily', '2026-08-21')).toMatchObject({ status: 'failed', finished_at: at(1), attempts: 0 });
    expect(await store.jobRun('daily', '2026-08-20')).toMatchObject({ status: 'running' });
    expect(await abandonOwnWork({ store, clock })).toEqual({ claims: 0, jobs: 0 });
  });

  it('finds due deliveries, none before a pause lets the server be tried, and a dead sender’s claims in any case', async () => {
    const { store, clock } = await fresh();
    const deps = { store, clock, config: { mail: { claimLeaseSeconds: 60 } } };
    expect(await hasDueDeliveries(deps)).toBe(false);
    const id = await delivery(store, 'pending');
    expect(await hasDueDeliveries(deps)).toBe(true);
    await store.startSendPause(NOW, 'SMTP down', at(10));
    expect(await hasDueDeliveries(deps)).toBe(false); // paused until the probe time
    clock.set(at(10));
    expect(await hasDueDeliveries(deps)).toBe(true);
    clock.set(at(5));
    await run("UPDATE deliveries SET status = 'sending', claim_owner = 'a-sender-that-never-registered' WHERE id = ?", [id]);
    expect(await hasDueDeliveries(deps)).toBe(true); // its claim needs no server: the crash rule gives it back
  });
});
