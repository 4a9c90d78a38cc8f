// Local delivery times: a date and hour in an IANA zone → a UTC instant (DST-aware through luxon).
import { DateTime } from 'luxon';

/** The UTC ISO time of `hour`:00 on `date` in `zone`. In a spring-forward gap luxon moves forward. */
export function localHourToUtc(date: string, hour: number, zone: string): string {
  const dt = DateTime.fromISO(date, { zone }).set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (!dt.isValid) throw new Error(`invalid date/zone: ${date} ${zone}`);
  return dt.toUTC().toISO()!;
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISODate()!;
}

export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function weekday(date: string): number {
  return DateTime.fromISO(date, { zone: 'UTC' }).weekday;
}
