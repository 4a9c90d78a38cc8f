// What the bundled real week (tests/fixtures/hf-daily/2026-08-17..21.json) says, computed straight from the JSON
// with the documented formula, independently of src/rank: the expectations of the ranking tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HF_FIXTURES } from '../helpers/app.js';
import type { TrendParams } from '../../src/rank/types.js';

export const WEEK = ['2026-08-17', '2026-08-18', '2026-08-19', '2026-08-20', '2026-08-21'];
const HOUR = 3_600_000;

export interface WeekPaper {
  id: string;
  title: string;
  appeared: number; // ms: midnight UTC of its Daily Papers day
  upvotes: number;
  comments: number;
  /** Title, abstract and AI keywords: what the FTS index covers. */
  text: string;
}

interface RawItem {
  paper: { id: string; title: string; summary?: string; upvotes?: number; submittedOnDailyAt?: string; ai_keywords?: string[] };
  numComments?: number;
}

export function loadWeek(days = WEEK): WeekPaper[] {
  return days.flatMap((day) =>
    (JSON.parse(readFileSync(join(HF_FIXTURES, `${day}.json`), 'utf8')) as RawItem[]).map((item) => ({
      id: item.paper.id,
      title: item.paper.title.replace(/\s+/g, ' ').trim(),
      appeared: Date.parse(`${(item.paper.submittedOnDailyAt ?? day).slice(0, 10)}T00:00:00.000Z`),
      upvotes: item.paper.upvotes ?? 0,
      comments: item.numComments ?? 0,
      text: [item.paper.title, item.paper.summary ?? '', ...(item.paper.ai_keywords ?? [])].join(' '),
    })),
  );
}

/**
 * The trending score of a paper seen once, at `observedAt`, ranked at `now`: its counters rose linearly from 0
 * when it appeared; only the part of that rise inside the window counts, each vote weighted 2^(−its age at
 * `now` / half-life) — for a linear rise from a to b that is slope · ∫_a^b 2^(−(now − t)/h) dt; GitHub stars
 * seen once count nothing.
 */
export function expectedScore(p: WeekPaper, observedAt: number, now: number, t: TrendParams): number {
  const since = now - t.windowHours * HOUR;
  const h = t.halfLifeHours * HOUR;
  const a = Math.max(p.appeared, since);
  const b = Math.min(observedAt, now);
  if (b <= a || observedAt <= p.appeared) return 0;
  const weight = (h / Math.LN2) * (Math.pow(2, -(now - b) / h) - Math.pow(2, -(now - a) / h));
  const slope = (v: number) => v / (observedAt - p.appeared);
  return (slope(p.upvotes) + t.commentWeight * slope(p.comments)) * weight;
}

/** The week ranked: score desc, then the newer paper, then id. */
export function expectedRanking(papers: WeekPaper[], observedAt: number, now: number, t: TrendParams): (WeekPaper & { score: number })[] {
  return papers
    .filter((p) => p.appeared <= now)
    .map((p) => ({ ...p, score: expectedScore(p, observedAt, now, t) }))
    .sort((a, b) => b.score - a.score || b.appeared - a.appeared || (a.id < b.id ? -1 : 1));
}

/** A phrase topic as the reader means it: its words in order, separated by anything but letters and digits. */
export function mentions(p: WeekPaper, topic: string): boolean {
  const words = topic.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return new RegExp(`\\b${words.join('[^a-z0-9]+')}`, 'i').test(p.text);
}

/** "+163 upvotes in 7 h": everything it gained since it appeared, up to the reading at `observedAt`. */
export function expectedReason(p: WeekPaper, observedAt: number): string {
  const hours = (observedAt - p.appeared) / HOUR;
  const span = hours < 36 ? `${Math.max(1, Math.round(hours))} h` : `${Math.round(hours / 24)} days`;
  return `+${p.upvotes} ${p.upvotes === 1 ? 'upvote' : 'upvotes'} in ${span}`;
}
