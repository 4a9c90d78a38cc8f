// Local delivery times: a date and hour in an IANA zone → a UTC instant (DST-aware through luxon), and when each
// subscriber's copy of an edition is due. Invariant: a copy is never due before the edition's publication time.
import { DateTime } from 'luxon';

export interface DeliveryHour {
  /** 0–23 in `timezone`; null = the service's default hour. */
  hour: number | null;
  /** IANA zone; null = the service's zone. */
  timezone: string | null;
}

/**
 * When a subscriber's copy of the edition for `date` is due: the first time the subscriber's clock shows `hour`:00
 * at or after the edition's publication time (the service's default hour on `date` in the service's zone).
 * So everyone on the defaults gets it at publication; someone in Tokyo who chose 07:00 gets it at 07:00 Tokyo
 * time (the next morning there) rather than at 16:00; an hour earlier than publication in the same zone means
 * the next day at that hour. A late or catch-up send only sends what is due by then, never early.
 * DST: an hour skipped by spring-forward is delivered at the first valid time after it; an hour repeated by
 * fall-back is delivered at its first occurrence.
 */
export function deliveryDueAt(date: string, sub: DeliveryHour, service: { hour: number; timezone: string }): string {
  const publication = DateTime.fromISO(localHourToUtc(date, service.hour, service.timezone), { zone: sub.timezone ?? service.timezone });
  const hour = sub.hour ?? service.hour;
  const atHour = (d: DateTime) => d.set({ hour, minute: 0, second: 0, millisecond: 0 });
  let due = atHour(publication);
  if (due < publication) due = atHour(publication.plus({ days: 1 }));
  if (!due.isValid) throw new Error(`invalid delivery time: ${date} ${hour}h ${sub.timezone ?? service.timezone}`);
  return due.toUTC().toISO()!;
}

/** deliveryDueAt for one edition, computed once per distinct (hour, zone): an audience shares a handful. */
export function deliveryTimes(date: string, service: { hour: number; timezone: string }): (sub: DeliveryHour) => string {
  const cache = new Map<string, string>();
  return (sub) => {
    const key = `${sub.hour ?? ''}|${sub.timezone ?? ''}`;
    let due = cache.get(key);
    if (due === undefined) cache.set(key, (due = deliveryDueAt(date, sub, service)));
    return due;
  };
}

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
