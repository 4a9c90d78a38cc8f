// Trending score (pure): growth of community signals inside a recent window, decayed by age.
//   signal = Δupvotes + commentWeight·Δcomments + starWeight·Δstars   (Δ over the last windowHours)
//   score  = signal / (ageDays + 1)^gravity
// Counters before a paper's first observation are taken as 0 at the moment it appeared, so one observation
// still yields a growth rate. Hacker News' gravity decay, with growth in place of lifetime points.
import type { Candidate, ObservationPoint, ScoredPaper, ScoreParts, TrendParams } from './types.js';

const HOUR = 3_600_000;

type Counter = 'upvotes' | 'comments' | 'githubStars';

/** The counter's value at time t: the last observation at or before t; 0 before the paper appeared. */
function valueAt(obs: ObservationPoint[], counter: Counter, t: number, appearedAt: number): number | null {
  let value: number | null = t >= appearedAt ? null : 0;
  for (const o of obs) {
    if (Date.parse(o.observedAt) > t) break;
    const v = o[counter];
    if (v !== null) value = v;
  }
  return value;
}

function latest(obs: ObservationPoint[], counter: Counter, now: number): number {
  let value = 0;
  for (const o of obs) {
    if (Date.parse(o.observedAt) > now) break;
    const v = o[counter];
    if (v !== null) value = v;
  }
  return value;
}

function growth(obs: ObservationPoint[], counter: Counter, now: number, since: number, appearedAt: number): number {
  const end = latest(obs, counter, now);
  // Before the window: the last value we saw then; if we saw nothing yet, the paper had 0 when it appeared.
  const start = since <= appearedAt ? 0 : (valueAt(obs, counter, since, appearedAt) ?? 0);
  return Math.max(0, end - start);
}

export function scorePaper(c: Candidate, now: Date, p: TrendParams): ScoredPaper {
  const t = now.getTime();
  const appeared = Math.min(Date.parse(c.appearedAt), t);
  const since = t - p.windowHours * HOUR;
  const obs = c.observations;
  const parts: ScoreParts = {
    upvotes: latest(obs, 'upvotes', t),
    upvoteGrowth: growth(obs, 'upvotes', t, since, appeared),
    commentGrowth: growth(obs, 'comments', t, since, appeared),
    starGrowth: growth(obs, 'githubStars', t, since, appeared),
    ageHours: Math.max(0, (t - appeared) / HOUR),
    upvotes24h: null,
  };
  // "+N in 24 h" is only honest when we saw the paper at least 24 h ago, or it is younger than a day.
  const dayAgo = t - 24 * HOUR;
  const seenBefore = obs.some((o) => Date.parse(o.observedAt) <= dayAgo && o.upvotes !== null);
  if (seenBefore || appeared >= dayAgo) parts.upvotes24h = growth(obs, 'upvotes', t, dayAgo, appeared);
  const signal = parts.upvoteGrowth + p.commentWeight * parts.commentGrowth + p.starWeight * parts.starGrowth;
  const score = signal / Math.pow(parts.ageHours / 24 + 1, p.gravity);
  return { id: c.id, score, appearedAt: c.appearedAt, parts, reason: trendReason(parts, p.windowHours) };
}

export function trendReason(parts: ScoreParts, windowHours: number): string {
  if (parts.upvotes24h !== null && parts.upvotes24h > 0) return `+${parts.upvotes24h} upvotes in 24 h`;
  if (parts.upvoteGrowth > 0) return `+${parts.upvoteGrowth} upvotes in ${formatWindow(windowHours)}`;
  if (parts.starGrowth > 0) return `+${parts.starGrowth} GitHub stars in ${formatWindow(windowHours)}`;
  return parts.upvotes > 0 ? `${parts.upvotes} upvotes` : 'new today';
}

function formatWindow(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24} ${hours === 24 ? 'day' : 'days'}` : `${hours} h`;
}

/** Deterministic order: score desc, then the more recent appearance, then id. */
export function compareScored(a: ScoredPaper, b: ScoredPaper): number {
  if (b.score !== a.score) return b.score - a.score;
  if (a.appearedAt !== b.appearedAt) return a.appearedAt < b.appearedAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function rankTrending(candidates: Candidate[], now: Date, p: TrendParams): ScoredPaper[] {
  return candidates.map((c) => scorePaper(c, now, p)).sort(compareScored);
}
