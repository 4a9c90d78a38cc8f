// What a subscriber may choose, validated at the edge: topics (phrases or arXiv categories), delivery hour,
// IANA timezone (stored under its canonical name), daily or weekly. Invariant: stored values always parse here.
import { z } from 'zod';
import { isValidTimeZone } from '../config.js';

export const MAX_TOPICS = 10;

export const topicSchema = z
  .string()
  .trim()
  .min(2, 'a topic needs at least 2 characters')
  .max(60, 'a topic has at most 60 characters')
  .regex(/^[^\p{Cc}\p{Cf}<>]+$/u, 'a topic cannot contain control characters or angle brackets');

export const topicsSchema = z
  .array(topicSchema)
  .max(MAX_TOPICS, `at most ${MAX_TOPICS} topics`)
  .transform((list) => dedupe(list));

/** Canonical IANA name ("europe/berlin" → "Europe/Berlin"); null when the zone is unknown. */
export function canonicalTimeZone(tz: string): string | null {
  if (tz.length > 64 || !isValidTimeZone(tz)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

export const timezoneSchema = z
  .string()
  .max(64)
  .transform((v, ctx) => {
    const tz = canonicalTimeZone(v.trim());
    if (!tz) {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA timezone such as Europe/Berlin' });
      return z.NEVER;
    }
    return tz;
  });

export const hourSchema = z.number().int().min(0).max(23);
export const frequencySchema = z.enum(['daily', 'weekly']);

/** A free-text topic list from a form ("long context, diffusion" or one per line) → validated topics. */
export function parseTopicText(text: string): { ok: true; topics: string[] } | { ok: false; message: string } {
  const parts = text
    .split(/[,\n\r;]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  const parsed = topicsSchema.safeParse(parts);
  if (!parsed.success) return { ok: false, message: `Topics: ${parsed.error.issues[0]?.message ?? 'not valid'}` };
  return { ok: true, topics: parsed.data };
}

function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((t) => {
    const key = t.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every zone the runtime knows, for the preferences form. */
export function timeZoneChoices(): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}
