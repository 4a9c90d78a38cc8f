// The calendar rules of the schedule: the run instant of each date in the configured zone, DST included.
import { afterEach, describe, expect, it } from 'vitest';
import nodeCron from 'node-cron';
import { DateTime } from 'luxon';
import { dueRun, nextRunAfter, parseDailySchedule, type DailySchedule } from '../../src/jobs/cron-schedule.js';

const made: DailySchedule[] = [];
const schedule = (cron: string, tz: string) => {
  const s = parseDailySchedule(cron, tz);
  made.push(s);
  return s;
};
afterEach(() => made.splice(0).forEach((s) => s.dispose()));

describe('parseDailySchedule', () => {
  it('puts the run at the configured local time, in the configured zone', () => {
    const s = schedule('0 7 * * *', 'Europe/Berlin');
    expect(s.runAt('2026-08-21')!.toUTC().toISO()).toBe('2026-08-21T05:00:00.000Z'); // CEST, UTC+2
    expect(s.runAt('2026-01-15')!.toUTC().toISO()).toBe('2026-01-15T06:00:00.000Z'); // CET, UTC+1
  });

  it('honours the day fields: weekdays only, a day of month, the last day', () => {
    const weekdays = schedule('0 7 * * 1-5', 'UTC');
    expect(weekdays.runsOn('2026-08-21')).toBe(true); // Friday
    expect(weekdays.runsOn('2026-08-22')).toBe(false); // Saturday
    expect(weekdays.runAt('2026-08-23')).toBeNull();
    const last = schedule('0 7 L * *', 'UTC');
    expect(last.runsOn('2026-02-28')).toBe(true);
    expect(last.runsOn('2026-02-27')).toBe(false);
  });

  it('uses the first time of day when the expression names several', () => {
    const s = schedule('15,45 19,6 * * *', 'UTC');
    expect(s.time).toEqual({ hour: 6, minute: 15, second: 0 });
  });

  it('rejects an invalid expression with a coded error', () => {
    expect(() => parseDailySchedule('61 7 * * *', 'UTC')).toThrow(expect.objectContaining({ code: 'CRON_INVALID' }));
  });

  it('moves a time in the spring-forward gap forward, where node-cron never fires', () => {
    const tz = 'America/New_York';
    const s = schedule('30 2 * * *', tz);
    expect(s.runAt('2026-03-08')!.toISO()).toBe('2026-03-08T03:30:00.000-04:00');
    // node-cron matches no instant of that day: without our own due check the run would be lost.
    const task = nodeCron.createTask('30 2 * * *', () => {}, { timezone: tz });
    const start = DateTime.fromISO('2026-03-08T00:00', { zone: tz });
    let matches = 0;
    for (let m = 0; m < 24 * 60; m++) if (task.match(start.plus({ minutes: m }).toJSDate())) matches++;
    void task.destroy();
    expect(matches).toBe(0);
  });

  it('takes the first of the two occurrences of a fall-back time', () => {
    const s = schedule('30 1 * * *', 'America/New_York');
    expect(s.runAt('2026-11-01')!.toUTC().toISO()).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not 01:30 EST
  });
});

describe('dueRun', () => {
  const s = () => schedule('0 7 * * *', 'Europe/Berlin');
  const at = (iso: string) => new Date(iso);

  it('is not due before the local time, due from it, and done once recorded', () => {
    expect(dueRun(at('2026-08-21T04:59:59Z'), s(), 0, () => false)).toBeNull();
    expect(dueRun(at('2026-08-21T05:00:00Z'), s(), 0, () => false)).toMatchObject({ date: '2026-08-21', catchup: false });
    expect(dueRun(at('2026-08-21T05:00:00Z'), s(), 2, (d) => d === '2026-08-21')).toBeNull();
  });

  it('catches up the latest missed run within the window only, and only that one', () => {
    const done = new Set(['2026-08-17']);
    // Down from the 18th to the morning of the 21st, before 07:00: yesterday's run is the one to catch up.
    expect(dueRun(at('2026-08-21T03:00:00Z'), s(), 2, (d) => done.has(d))).toMatchObject({ date: '2026-08-20', catchup: true });
    // Once it ran, the older misses are superseded: nothing more until today's time.
    done.add('2026-08-20');
    expect(dueRun(at('2026-08-21T03:00:00Z'), s(), 2, (d) => done.has(d))).toBeNull();
    // A window of 0 days catches up nothing from before today.
    expect(dueRun(at('2026-08-21T03:00:00Z'), s(), 0, () => false)).toBeNull();
  });

  it('names the next run after now', () => {
    expect(nextRunAfter(at('2026-08-21T05:00:00Z'), s())!.toUTC().toISO()).toBe('2026-08-22T05:00:00.000Z');
  });
});
