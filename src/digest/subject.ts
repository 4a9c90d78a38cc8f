// What a digest is called (pure): its subject line and its heading, daily or weekly. A reader's subject names
// the first paper of *their* digest, never a paper they may not get.
import { addDays } from './schedule.js';
import { plainText } from '../lib/tex.js';

export type DigestKind = 'daily' | 'weekly';

const MAX_SUBJECT = 180;
const MONTH = new Intl.DateTimeFormat('en-US', { month: 'short', timeZone: 'UTC' });
const month = (date: string) => MONTH.format(new Date(`${date}T12:00:00Z`));
const day = (date: string) => Number(date.slice(8, 10));

/** The 7 days a weekly edition of `date` covers, as a reader says them: "Aug 17–23", "Jul 28 – Aug 3". */
export function weekLabel(date: string): string {
  const first = addDays(date, -6);
  return month(first) === month(date) ? `${month(first)} ${day(first)}–${day(date)}` : `${month(first)} ${day(first)} – ${month(date)} ${day(date)}`;
}

/** The heading of the email: "Today's trending papers", "This week's trending papers, Aug 17–23". */
export function digestHeading(kind: DigestKind, date: string): string {
  return kind === 'weekly' ? `This week's trending papers, ${weekLabel(date)}` : "Today's trending papers";
}

/** "Trending papers for 2026-08-21: <title>", "This week's trending papers, Aug 17–23: <title>" (at most 180 characters). */
export function digestSubject(kind: DigestKind, date: string, firstTitle: string): string {
  const head = kind === 'weekly' ? digestHeading('weekly', date) : `Trending papers for ${date}`;
  // A subject is plain text on one line: a stored title may hold TeX (C$^2$KV → C²KV); plainText is idempotent.
  const title = plainText(firstTitle).replace(/\s+/g, ' ').trim();
  const subject = title ? `${head}: ${title}` : head;
  return subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1).trimEnd()}…` : subject;
}
