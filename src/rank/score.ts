// Trending score (pure): how fast the community is picking a paper up, decayed by its age.
//   signal = Δupvotes + commentWeight·Δcomments + starWeight·Δstars      (Δ over the last windowHours)
//   score  = signal / (ageDays + 1)^gravity
// Invariant: the same candidates, `now` and parameters always give the same scores and the same order.
import type { Candidate, Counter, ScoredPaper, ScoreParts, TrendFact, TrendParams } from './types.js';

const HOUR = 3_600_000;
/** A baseline at least this old reads as "a day ago" in a reason: daily ingests drift by a few hours. */
const FACT_BASELINE_MIN_HOURS = 20;

/** One counter's observed values, ascending in time, up to `now`. */
interface Series {
  t: number[];
  v: number[];
}

function seriesOf(c: Candidate, times: number[], counter: Counter, now: number): Series {
  const s: Series = { t: [], v: [] };
  c.observations.forEach((o, i) => {
    const value = o[counter];
    if (times[i]! <= now && value !== null) {
      s.t.push(times[i]!);
      s.v.push(value);
    }
  });
  return s;
}

/**
 * The counter's value at `at`, read as a piecewise-linear curve through the observations. Before the first
 * observation the curve starts from 0 at `anchor` (the paper's appearance) when the counter starts with the
 * paper (upvotes, comments); with no anchor (GitHub stars: a repository can be years older than the paper,
 * and a famous one would otherwise bring its lifetime stars) nothing before the first observation counts.
 */
function valueAt(s: Series, at: number, anchor: number | null): number {
  const n = s.t.length;
  if (n === 0) return 0;
  if (at >= s.t[n - 1]!) return s.v[n - 1]!;
  let i = n - 1;
  while (i >= 0 && s.t[i]! > at) i--;
  if (i >= 0) {
    const t0 = s.t[i]!;
    const t1 = s.t[i + 1]!;
    return s.v[i]! + ((s.v[i + 1]! - s.v[i]!) * (at - t0)) / (t1 - t0);
  }
  if (anchor === null) return s.v[0]!;
  if (at <= anchor) return 0;
  return (s.v[0]! * (at - anchor)) / (s.t[0]! - anchor);
}

function growth(s: Series, now: number, since: number, anchor: number | null): number {
  return Math.max(0, valueAt(s, now, anchor) - valueAt(s, since, anchor));
}

/** What a reader can be told for sure: the gain since an observation about a day old, else since the paper appeared. */
function factOf(s: Series, counter: Counter, now: number, anchor: number | null): TrendFact | null {
  const n = s.t.length;
  if (n === 0) return null;
  const cutoff = now - FACT_BASELINE_MIN_HOURS * HOUR;
  let i = n - 1;
  while (i >= 0 && s.t[i]! > cutoff) i--;
  const base =
    i >= 0
      ? { t: s.t[i]!, v: s.v[i]!, since: 'observation' as const }
      : anchor !== null && anchor < now
        ? { t: anchor, v: 0, since: 'appearance' as const }
        : null;
  if (!base) return null;
  const gain = Math.round(s.v[n - 1]! - base.v);
  return gain > 0 ? { counter, gain, sinceHours: (now - base.t) / HOUR, since: base.since } : null;
}

export function scorePaper(c: Candidate, now: Date, p: TrendParams): ScoredPaper {
  const t = now.getTime();
  const appeared = Math.min(Date.parse(c.appearedAt), t);
  const since = t - p.windowHours * HOUR;
  const times = c.observations.map((o) => Date.parse(o.observedAt));
  const up = seriesOf(c, times, 'upvotes', t);
  const comments = seriesOf(c, times, 'comments', t);
  const stars = seriesOf(c, times, 'githubStars', t);

  const upvoteGrowth = growth(up, t, since, appeared);
  const commentGrowth = growth(comments, t, since, appeared);
  const starGrowth = growth(stars, t, since, null);
  const ageHours = (t - appeared) / HOUR;
  const signal = upvoteGrowth + p.commentWeight * commentGrowth + p.starWeight * starGrowth;
  const decay = Math.pow(ageHours / 24 + 1, p.gravity);
  const parts: ScoreParts = {
    upvotes: up.v.length ? up.v[up.v.length - 1]! : 0,
    upvoteGrowth,
    commentGrowth,
    starGrowth,
    signal,
    decay,
    ageHours,
    estimated: since > appeared && !(up.t.length && up.t[0]! <= since),
    fact: factOf(up, 'upvotes', t, appeared) ?? factOf(stars, 'githubStars', t, null) ?? factOf(comments, 'comments', t, appeared),
  };
  return { id: c.id, score: signal / decay, appearedAt: c.appearedAt, parts, reason: trendReason(parts) };
}

const NOUNS: Record<Counter, [string, string]> = {
  upvotes: ['upvote', 'upvotes'],
  comments: ['comment', 'comments'],
  githubStars: ['GitHub star', 'GitHub stars'],
};

/** "+42 upvotes in 24 h", "+120 GitHub stars in 3 days", "new today". */
export function trendReason(parts: ScoreParts): string {
  const f = parts.fact;
  if (f) return `+${f.gain} ${NOUNS[f.counter][f.gain === 1 ? 0 : 1]} in ${formatSpan(f.sinceHours)}`;
  if (parts.ageHours < 24) return 'new today';
  return parts.upvotes > 0 ? `${parts.upvotes} ${parts.upvotes === 1 ? 'upvote' : 'upvotes'}` : 'no votes yet';
}

/** Hours as a reader says them: "7 h", "24 h", "3 days". */
export function formatSpan(hours: number): string {
  return hours < 36 ? `${Math.max(1, Math.round(hours))} h` : `${Math.round(hours / 24)} days`;
}

/** Deterministic order: score desc, then the more recent appearance, then id. */
export function compareScored(a: ScoredPaper, b: ScoredPaper): number {
  if (b.score !== a.score) return b.score - a.score;
  if (a.appearedAt !== b.appearedAt) return a.appearedAt < b.appearedAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function rankTrending(candidates: readonly Candidate[], now: Date, p: TrendParams): ScoredPaper[] {
  return candidates.map((c) => scorePaper(c, now, p)).sort(compareScored);
}
