// The SQLite lock: one holder at a time, expiry, take-over from a dead local process, renewal during a long
// run, and a holder that loses its lease is told to stop. Renewals run on a manual clock: nothing here sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { manualTime } from '../helpers/manual-time.js';
import { lockHolder, tryAcquireLock, withLock } from '../../src/jobs/lock.js';
import { runDailyJobIfNotDone } from '../../src/jobs/daily.js';

let app: TestApp;
afterEach(async () => {
  await app.cleanup();
});

describe('lock', () => {
  it('has one holder until it expires', () => {
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    app = createTestApp({}, { clock });
    expect(tryAcquireLock(app.db, 'x', 'other-host:1:aaaaaaaa', clock.now(), 60_000)).toBe(true);
    expect(tryAcquireLock(app.db, 'x', 'other-host:2:bbbbbbbb', clock.now(), 60_000)).toBe(false);
    expect(lockHolder(app.db, 'x', clock.now())?.owner).toBe('other-host:1:aaaaaaaa');
    clock.advance(60_000);
    expect(lockHolder(app.db, 'x', clock.now())).toBeUndefined();
    expect(tryAcquireLock(app.db, 'x', 'other-host:2:bbbbbbbb', clock.now(), 60_000)).toBe(true);
  });

  it('takes over at once from a process on this host that no longer exists', async () => {
    const { hostname } = await import('node:os');
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    app = createTestApp({}, { clock });
    // pid 2^22 + 1 is above Linux's pid_max: certainly not running.
    expect(tryAcquireLock(app.db, 'x', `${hostname()}:4194305:cccccccc`, clock.now(), 3_600_000)).toBe(true);
    expect(tryAcquireLock(app.db, 'x', `${hostname()}:${process.pid}:dddddddd`, clock.now(), 60_000)).toBe(true);
    // A live local holder (this very process, under an owner it created) is respected.
    await withLock({ store: app.store, clock }, 'y', { ttlMs: 60_000, renewMs: 30_000 }, async () => {
      await expect(withLock({ store: app.store, clock }, 'y', { ttlMs: 60_000, renewMs: 30_000 }, async () => 1)).rejects.toMatchObject({ code: 'JOB_LOCKED' });
    });
  });

  it('renews its lease during a long run, and aborts the run when the lease is taken (on a manual clock)', async () => {
    const time = manualTime();
    const clock = { now: () => new Date(Date.parse('2026-08-21T07:00:00.000Z') + time.now()) };
    app = createTestApp({}, { clock });
    const deps = { store: app.store, clock, every: time.every };
    const held = await withLock(deps, 'long', { ttlMs: 300, renewMs: 50 }, async () => {
      await time.advance(700); // more than twice the lease, renewed every 50 ms
      return tryAcquireLock(app.db, 'long', 'other-host:9:eeeeeeee', clock.now(), 300);
    });
    expect(held).toBe(false); // still ours after 700 ms: it was renewed
    expect(lockHolder(app.db, 'long', clock.now())).toBeUndefined(); // and released at the end
    // Without renewals the same lease would have run out: the renewals are what kept it.
    expect(tryAcquireLock(app.db, 'short', 'other-host:9:11111111', clock.now(), 300)).toBe(true);
    await time.advance(700);
    expect(lockHolder(app.db, 'short', clock.now())).toBeUndefined();

    const reason = await withLock(deps, 'lost', { ttlMs: 300, renewMs: 50 }, async (lease) => {
      app.db.prepare("UPDATE locks SET owner = 'other-host:9:ffffffff' WHERE name = 'lost'").run();
      await time.advance(49);
      expect(lease.signal.aborted).toBe(false); // nothing checked yet
      await time.advance(1); // the next renewal finds the lock taken
      expect(lease.signal.aborted).toBe(true);
      return lease.signal.reason as { code: string };
    });
    expect(reason.code).toBe('LOCK_LOST');
    expect(lockHolder(app.db, 'lost', clock.now())?.owner).toBe('other-host:9:ffffffff'); // not released by the loser
  });

  it('a process that gets the lock after the run finished finds the day done', async () => {
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    app = createTestApp({}, { clock });
    expect(await runDailyJobIfNotDone(app, '2026-08-21')).toMatchObject({ ran: true });
    expect(await runDailyJobIfNotDone(app, '2026-08-21')).toEqual({ ran: false, reason: 'done' });
  });
});
