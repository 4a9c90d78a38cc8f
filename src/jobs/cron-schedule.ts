// When the daily run is due, computed from the calendar rather than from timer callbacks: a date's run is at
// the first time of day DIGEST_CRON names, in DIGEST_TZ. Invariant: exactly one run instant per scheduled date,
// whatever the DST transition (a time in a spring-forward gap moves forward, an ambiguous one takes its first
// occurrence), so "is today's run due and not done" has one answer.
import nodeCron, { type ScheduledTask } from 'node-cron';
import { DateTime } from 'luxon';
import { AppError } from '../lib/errors.js';

export interface DailySchedule {
  readonly expression: string;
  readonly timezone: string;
  /** Local wall-clock time of the run: the earliest hour, minute and second the expression names. */
  readonly time: { hour: number; minute: number; second: number };
  /** Whether the expression runs on this local date (its day-of-month, month and weekday fields). */
  runsOn(date: string): boolean;
  /** The run instant of a local date, or null when the expression does not run that day. */
  runAt(date: string): DateTime | null;
  /** Frees node-cron's matcher. */
  dispose(): void;
}

export function parseDailySchedule(expression: string, timezone: string): DailySchedule {
  const detail = nodeCron.validateDetailed(expression);
  if (!detail.valid || !detail.fields)
    throw new AppError('CRON_INVALID', `DIGEST_CRON "${expression}" is not a valid cron expression: ${detail.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  const f = detail.fields;
  const time = { hour: Math.min(...f.hour), minute: Math.min(...f.minute), second: Math.min(...f.second) };
  // node-cron's own matcher decides the day fields (L, W, #, names), evaluated in UTC where every wall time
  // exists once: a day matches when the wall-clock run time on that date matches.
  let matcher: ScheduledTask | undefined = nodeCron.createTask(expression, () => {}, { timezone: 'UTC' });
  const wallClock = (date: string) => {
    const d = DateTime.fromISO(date, { zone: 'UTC' });
    if (!d.isValid) throw new AppError('DATE_INVALID', `not a date: ${date}`);
    return d.set(time);
  };
  const schedule: DailySchedule = {
    expression,
    timezone,
    time,
    runsOn(date) {
      if (!matcher) throw new AppError('SCHEDULE_DISPOSED', 'schedule was disposed');
      return matcher.match(wallClock(date).toJSDate());
    },
    runAt(date) {
      if (!schedule.runsOn(date)) return null;
      return localInstant(date, time, timezone);
    },
    dispose() {
      void matcher?.destroy();
      matcher = undefined;
    },
  };
  return schedule;
}

/** A local wall time on a date as one instant: forward across a gap, the first of two across an overlap. */
export function localInstant(date: string, time: { hour: number; minute: number; second: number }, zone: string): DateTime {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const dt = DateTime.fromObject({ year, month, day, ...time, millisecond: 0 }, { zone });
  if (!dt.isValid) throw new AppError('DATE_INVALID', `invalid local time ${date} in ${zone}: ${dt.invalidExplanation}`);
  // Luxon resolves an ambiguous wall time (fall back) to the later offset; the run belongs to the first.
  const candidates = dt.getPossibleOffsets().filter((c) => c.hour === time.hour && c.minute === time.minute);
  return candidates.length > 1 ? candidates.reduce((a, b) => (a.toMillis() <= b.toMillis() ? a : b)) : dt;
}

export interface DueRun {
  /** The local date the run is for (the edition date). */
  date: string;
  scheduledAt: DateTime;
  /** True when the run is for an earlier date than today's (a catch-up after downtime). */
  catchup: boolean;
}

/**
 * The run that should happen now, if any: the latest scheduled run at or before `now`, looking back at most
 * `catchupDays` days before today, unless it is done already. Older missed runs are superseded by a later one
 * (the newest edition covers everything new since the previous edition), so downtime causes one catch-up run.
 */
export function dueRun(now: Date, schedule: DailySchedule, catchupDays: number, isDone: (date: string) => boolean): DueRun | null {
  const today = DateTime.fromJSDate(now, { zone: schedule.timezone }).startOf('day');
  for (let back = 0; back <= catchupDays; back++) {
    const date = today.minus({ days: back }).toISODate()!;
    const at = schedule.runAt(date);
    if (!at || at.toMillis() > now.getTime()) continue;
    return isDone(date) ? null : { date, scheduledAt: at, catchup: back > 0 };
  }
  return null;
}

/** The next run instant strictly after `now` (within a year), for logs and the admin page. */
export function nextRunAfter(now: Date, schedule: DailySchedule): DateTime | null {
  let day = DateTime.fromJSDate(now, { zone: schedule.timezone }).startOf('day');
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    const at = schedule.runAt(day.toISODate()!);
    if (at && at.toMillis() > now.getTime()) return at;
  }
  return null;
}
