// Calendar days (UTC, YYYY-MM-DD) for sources with dated feeds: "the last N days" means today and N-1 before.
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function shiftDate(d: Date, days: number): string {
  return isoDate(new Date(d.getTime() + days * 86_400_000));
}

/** The last `days` dates ending today, oldest first. */
export function lastDays(now: Date, days: number): string[] {
  return Array.from({ length: days }, (_, i) => shiftDate(now, i - days + 1));
}
