// The one rule for a date a person gives us (CLI options, admin API, public routes): a real calendar day written
// YYYY-MM-DD, from 2000-01-01 to tomorrow (UTC). Invariant: every entry point uses this module, so the same bad
// date gets the same message everywhere (HTTP: 400 VALIDATION_FAILED; CLI: exit 2).
import { z } from 'zod';

export const MIN_DATE = '2000-01-01';
const SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** Tomorrow in UTC: somewhere on Earth (up to UTC+14) the local date is already a day ahead of UTC. */
export function maxDate(now: Date): string {
  return new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
}

export function dateRangeMessage(now: Date): string {
  return `must be a date as YYYY-MM-DD from ${MIN_DATE} to ${maxDate(now)}`;
}

/** Whether `value` is a YYYY-MM-DD calendar date (no 2026-02-30), regardless of range. */
export function isCalendarDate(value: string): boolean {
  if (!SHAPE.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(value);
}

/** The problem with a user-given date, or null when it is fine. */
export function dateProblem(value: string, now: Date): string | null {
  // ISO strings of the same shape compare as dates.
  return isCalendarDate(value) && value >= MIN_DATE && value <= maxDate(now) ? null : dateRangeMessage(now);
}

/** The zod schema for a user-given date; `now` is read at validation time (the app's clock). */
export function isoDateSchema(now: () => Date) {
  return z
    .string()
    .max(10, { error: () => dateRangeMessage(now()) })
    .superRefine((value, ctx) => {
      const problem = dateProblem(value, now());
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description: `A date as YYYY-MM-DD, from ${MIN_DATE} to tomorrow`, example: '2026-08-21' });
}
