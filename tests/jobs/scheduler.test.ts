// The scheduler against the real app on a temp SQLite file, with a fixed clock: the right local time, one
// catch-up after downtime, exactly one run on both DST days, and never two runs from two app instances.
import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { createApp } from '../../src/app.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createJobRunner } from '../../src/jobs/runner.js';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(env: Record<string, string>, now: string, extra: { smtp?: SmtpSink } = {}) {
  const clock = fixedClock(now);
  const app = createTestApp({ ...env, ...(extra.smtp ? { SMTP_URL: extra.smtp.url } : {}) }, { clock });
  cleanups.push(() => app.cleanup());
  const scheduler = createScheduler(app, createJobRunner(app.logger));
  cleanups.push(() => scheduler.stop());
  return { app, clock, scheduler };
}

const runsOf = (app: TestApp) =>
  app.db.prepare("SELECT scheduled_for, status, triggered_by, attempts FROM job_runs WHERE job = 'daily' ORDER BY scheduled_for").all() as {
    scheduled_for: string;
    status: string;
    triggered_by: string;
    attempts: number;
  }[];

/**
 * Ticks over [from, to) and returns the instants at which a daily run started: once a minute (as the server's
 * interval does) until `fineUntil`, which covers the DST change and the scheduled time, then every 15 minutes. A run
 * once due stays due until it is done, so a second run due anywhere later in the day is still seen by the next tick.
 */
async function tickThrough(s: Scheduler, clock: ReturnType<typeof fixedClock>, from: DateTime, to: DateTime, fineUntil: DateTime) {
  const ranAt: string[] = [];
  for (let t = from; t < to; t = t.plus({ minutes: t < fineUntil ? 1 : 15 })) {
    clock.set(t.toJSDate());
    const r = await s.tick();
    if (typeof r.daily === 'object' && r.daily.result.ran) ranAt.push(t.toISO()!);
    expect(r.error).toBeUndefined();
  }
  return ranAt;
}

describe('scheduler', () => {
  it('runs at the configured local time and not before, then not again that day', async () => {
    const { app, clock, scheduler } = setup({ DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'Europe/Berlin', CATCHUP_DAYS: '0' }, '2026-08-21T04:59:00Z');
    expect((await scheduler.tick()).daily).toBe('not-due');
    clock.set('2026-08-21T05:00:00Z'); // 07:00 CEST
    const r = await scheduler.tick();
    expect(r.daily).toMatchObject({ date: '2026-08-21', catchup: false, result: { ran: true } });
    clock.set('2026-08-21T05:01:00Z');
    expect((await scheduler.tick()).daily).toBe('not-due');
    expect(runsOf(app)).toEqual([{ scheduled_for: '2026-08-21', status: 'ok', triggered_by: 'schedule', attempts: 1 }]);
    expect(scheduler.nextRun()?.toISOString()).toBe('2026-08-22T05:00:00.000Z');
  });

  it('catches up the run missed while down, once, then keeps the normal schedule', async () => {
    const env = { DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'UTC', CATCHUP_DAYS: '2' };
    const { app, clock, scheduler } = setup(env, '2026-08-17T07:00:00Z');
    expect((await scheduler.tick()).daily).toMatchObject({ date: '2026-08-17', result: { ran: true } });
    // The process is down from the 18th to the 21st at 03:00 (before that day's run).
    clock.set('2026-08-21T03:00:00Z');
    const first = await scheduler.tick();
    expect(first.daily).toMatchObject({ date: '2026-08-20', catchup: true, result: { ran: true } });
    clock.set('2026-08-21T03:01:00Z');
    expect((await scheduler.tick()).daily).toBe('not-due');
    clock.set('2026-08-21T07:00:00Z');
    expect((await scheduler.tick()).daily).toMatchObject({ date: '2026-08-21', catchup: false, result: { ran: true } });
    expect(runsOf(app).map((r) => [r.scheduled_for, r.triggered_by])).toEqual([
      ['2026-08-17', 'schedule'],
      ['2026-08-20', 'catchup'],
      ['2026-08-21', 'schedule'],
    ]);
  });

  it('does not catch up beyond CATCHUP_DAYS', async () => {
    const { app, clock, scheduler } = setup({ DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'UTC', CATCHUP_DAYS: '1' }, '2026-08-10T07:00:00Z');
    await scheduler.tick();
    clock.set('2026-08-21T03:00:00Z');
    expect((await scheduler.tick()).daily).toMatchObject({ date: '2026-08-20', catchup: true });
    const { app: app0, scheduler: s0 } = setup({ DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'UTC', CATCHUP_DAYS: '0' }, '2026-08-21T03:00:00Z');
    expect((await s0.tick()).daily).toBe('not-due');
    expect(runsOf(app0)).toEqual([]);
    expect(runsOf(app)).toHaveLength(2);
  });

  it('runs exactly once on the spring-forward day, although 02:30 does not exist', async () => {
    const tz = 'America/New_York';
    const { app, clock, scheduler } = setup({ DIGEST_CRON: '30 2 * * *', DIGEST_TZ: tz, CATCHUP_DAYS: '0' }, '2026-03-08T05:00:00Z');
    const day = DateTime.fromISO('2026-03-08T00:00', { zone: tz });
    const ranAt = await tickThrough(scheduler, clock, day, day.plus({ days: 1 }), day.plus({ hours: 5 }));
    expect(ranAt).toEqual(['2026-03-08T03:30:00.000-04:00']);
    expect(runsOf(app)).toEqual([{ scheduled_for: '2026-03-08', status: 'ok', triggered_by: 'schedule', attempts: 1 }]);
  });

  it('runs exactly once on the fall-back day, although 01:30 happens twice', async () => {
    const tz = 'America/New_York';
    const { app, clock, scheduler } = setup({ DIGEST_CRON: '30 1 * * *', DIGEST_TZ: tz, CATCHUP_DAYS: '0' }, '2026-11-01T04:00:00Z');
    const day = DateTime.fromISO('2026-11-01T00:00', { zone: tz });
    const ranAt = await tickThrough(scheduler, clock, day, day.plus({ days: 1 }), day.plus({ hours: 5 }));
    expect(ranAt).toEqual(['2026-11-01T01:30:00.000-04:00']);
    expect(runsOf(app)).toHaveLength(1);
  });

  it('never runs twice when two app instances share one database', async () => {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const env = { DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'UTC' };
    const { app: a, clock, scheduler: sa } = setup(env, '2026-08-21T07:00:00Z', { smtp });
    for (const email of ['ada@example.org', 'grace@example.org', 'alan@example.org'])
      a.subscriptions.repo.create({ email, status: 'active', now: clock.now().toISOString() });
    // A second process: its own connection, mailer and scheduler on the same file.
    const b = createApp(a.config, { clock, logger: silentLogger() });
    cleanups.push(() => b.close());
    const sb = createScheduler(b, createJobRunner(b.logger));
    cleanups.push(() => sb.stop());

    const [ra, rb] = await Promise.all([sa.tick(), sb.tick()]);
    const ran = [ra, rb].filter((r) => typeof r.daily === 'object' && r.daily.result.ran);
    expect(ran).toHaveLength(1);
    const other = [ra, rb].find((r) => !ran.includes(r))!;
    expect(other.daily).toMatchObject({ result: { ran: false, reason: 'locked' } });
    // Later ticks of either find the run done.
    expect((await sb.tick()).daily).toBe('not-due');
    expect((await sa.tick()).daily).toBe('not-due');
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(['ada@example.org', 'alan@example.org', 'grace@example.org']);
    expect(await a.store.jobRun('daily', '2026-08-21')).toMatchObject({ status: 'ok', attempts: 1 });
  });

  it('retries a failed run after a pause, and gives up after three attempts', async () => {
    const { app, clock, scheduler } = setup({ DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'UTC' }, '2026-08-21T07:00:00Z');
    // A broken edition table makes preparing fail (a real failure, not a mock).
    app.db.exec("CREATE TRIGGER break_editions BEFORE INSERT ON editions BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    const first = await scheduler.tick();
    expect(first.daily).toBe('failed');
    expect(first.error).toContain('disk says no');
    clock.set('2026-08-21T07:05:00Z');
    expect((await scheduler.tick()).daily).toMatchObject({ result: { ran: false, reason: 'retry-later' } });
    clock.set('2026-08-21T07:16:00Z');
    expect((await scheduler.tick()).daily).toBe('failed');
    clock.set('2026-08-21T07:32:00Z');
    expect((await scheduler.tick()).daily).toBe('failed');
    clock.set('2026-08-21T08:00:00Z');
    expect((await scheduler.tick()).daily).toBe('not-due'); // settled: three attempts
    expect(runsOf(app)).toEqual([{ scheduled_for: '2026-08-21', status: 'failed', triggered_by: 'schedule', attempts: 3 }]);
  });
});
