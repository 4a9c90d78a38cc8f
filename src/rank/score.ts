// Trending score (pure): how fast the community is picking a paper up right now, as of the edition's cut-off.
//   score = Σ over the growth of the last windowHours before the cut-off of  Δ · 2^(−age of Δ / halfLifeHours)
//   growth = Δupvotes + commentWeight·Δcomments + starWeight·ΔGitHub stars
// Growth is weighted by how old the *votes* are, never by how old the paper is: a paper still climbing on its
// sixth day scores like a fresh one gaining as fast. Invariant: the same candidates, cut-off and parameters
// always give the same scores and the same order (the wall-clock time of the run plays no part).
import type { Candidate, Counter, ObservationPoint, ScoredPaper, ScoreParts, TrendFact, TrendParams } from './types.js';

const HOUR = 3_600_000;
/** A baseline at least this old reads as "a day ago" in a reason: daily ingests drift by a few hours. */
const FACT_BASELINE_HOURS = 20;

/** When a ranking is computed. */
export interface RankTime {
  /** The cut-off: counters observed up to this instant count, and ages are measured to it. */
  asOf: Date;
  /**
   * The edition's publication time (≤ asOf). A paper with no observation up to the cut-off takes its first later
   * reading as its counters at publication (or at the cut-off if it appeared after publication). Default asOf.
   */
  publication?: Date | undefined;
}

/** One counter's observed values, ascending in time. */
interface Series {
  t: number[];
  v: number[];
}

function seriesOf(points: readonly ObservationPoint[], times: readonly number[], counter: Counter, asOf: number): Series {
  const s: Series = { t: [], v: [] };
  points.forEach((o, i) => {
    const value = o[counter];
    if (times[i]! <= asOf && value !== null) {
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
export function valueAt(s: Series, at: number, anchor: number | null): number {
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
  if (anchor === null || anchor >= s.t[0]!) return s.v[0]!;
  if (at <= anchor) return 0;
  return (s.v[0]! * (at - anchor)) / (s.t[0]! - anchor);
}

/** ∫ from lo to hi of 2^(−(at − t)/h) dt: how much a unit of growth spread evenly over [lo, hi] is worth at `at`. */
function recencyWeight(lo: number, hi: number, at: number, halfLifeMs: number): number {
  if (!Number.isFinite(halfLifeMs)) return hi - lo;
  const k = Math.LN2 / halfLifeMs;
  return (Math.exp(-k * (at - hi)) - Math.exp(-k * (at - lo))) / k;
}

/**
 * The curve's growth inside [from, at], each unit weighted by 2^(−its age at `at` / half-life): the curve is
 * piecewise linear, so each segment contributes slope × ∫ weight, exactly. Infinity as half-life = plain growth.
 */
function weightedGrowth(s: Series, from: number, at: number, anchor: number | null, halfLifeMs: number): number {
  const n = s.t.length;
  if (n === 0) return 0;
  const t: number[] = [];
  const v: number[] = [];
  if (anchor !== null && anchor < s.t[0]!) {
    t.push(anchor);
    v.push(0);
  }
  for (let i = 0; i < n; i++) {
    t.push(s.t[i]!);
    v.push(s.v[i]!);
  }
  let sum = 0;
  for (let i = 1; i < t.length; i++) {
    const a = t[i - 1]!;
    const b = t[i]!;
    const dv = v[i]! - v[i - 1]!;
    if (dv === 0) continue;
    if (b === a) {
      // Two readings at the same instant: a step, counted at that instant.
      if (a > from && a <= at) sum += dv * (Number.isFinite(halfLifeMs) ? Math.pow(2, -(at - a) / halfLifeMs) : 1);
      continue;
    }
    const lo = Math.max(a, from);
    const hi = Math.min(b, at);
    if (lo < hi) sum += (dv / (b - a)) * recencyWeight(lo, hi, at, halfLifeMs);
  }
  // A counter can drop (a vote withdrawn); it never makes a paper score below nothing.
  return Math.max(0, sum);
}

function growth(s: Series, from: number, at: number, anchor: number | null): number {
  return Math.max(0, valueAt(s, at, anchor) - valueAt(s, from, anchor));
}

/**
 * What a reader can be told for sure: the gain up to the latest reading since an observation at least
 * `baselineMs` older, else since the paper appeared. Measured between readings, so it does not depend on when
 * the ranking runs; a latest reading older than the window is no news (null).
 */
function factOf(s: Series, counter: Counter, anchor: number | null, o: { windowStart: number; baselineMs: number; estimated: boolean }): TrendFact | null {
  const n = s.t.length;
  if (n === 0) return null;
  const last = s.t[n - 1]!;
  if (last < o.windowStart) return null;
  const cutoff = last - o.baselineMs;
  let i = n - 1;
  while (i >= 0 && s.t[i]! > cutoff) i--;
  const base =
    i >= 0
      ? { t: s.t[i]!, v: s.v[i]!, since: 'observation' as const }
      : anchor !== null && anchor < last
        ? { t: anchor, v: 0, since: 'appearance' as const }
        : null;
  if (!base) return null;
  const gain = Math.round(s.v[n - 1]! - base.v);
  return gain > 0 ? { counter, gain, sinceHours: (last - base.t) / HOUR, since: base.since, estimated: o.estimated } : null;
}

export function scorePaper(c: Candidate, when: Date | RankTime, p: TrendParams): ScoredPaper {
  const time: RankTime = when instanceof Date ? { asOf: when } : when;
  const t = time.asOf.getTime();
  const appeared = Math.min(Date.parse(c.appearedAt), t);
  const since = t - p.windowHours * HOUR;
  const halfLifeMs = p.halfLifeHours * HOUR;

  // Readings up to the cut-off; with none, the first later reading stands for the counters at publication.
  let points: readonly ObservationPoint[] = c.observations;
  let times = points.map((o) => Date.parse(o.observedAt));
  const late = !times.some((x) => x <= t) && c.late !== undefined;
  if (late) {
    const publication = Math.min(time.publication?.getTime() ?? t, t);
    const at = appeared <= publication ? publication : t;
    points = [c.late!];
    times = [at];
  }
  const up = seriesOf(points, times, 'upvotes', t);
  const comments = seriesOf(points, times, 'comments', t);
  const stars = seriesOf(points, times, 'githubStars', t);

  const signal =
    weightedGrowth(up, since, t, appeared, halfLifeMs) +
    p.commentWeight * weightedGrowth(comments, since, t, appeared, halfLifeMs) +
    p.starWeight * weightedGrowth(stars, since, t, null, halfLifeMs);
  const facts = { windowStart: since, baselineMs: (p.factBaselineHours ?? FACT_BASELINE_HOURS) * HOUR, estimated: late };
  const parts: ScoreParts = {
    upvotes: up.v.length ? up.v[up.v.length - 1]! : 0,
    upvoteGrowth: growth(up, since, t, appeared),
    commentGrowth: growth(comments, since, t, appeared),
    starGrowth: growth(stars, since, t, null),
    signal,
    ageHours: (t - appeared) / HOUR,
    estimated: late || (since > appeared && !(up.t.length && up.t[0]! <= since)),
    late,
    fact: factOf(up, 'upvotes', appeared, facts) ?? factOf(stars, 'githubStars', null, facts) ?? factOf(comments, 'comments', appeared, facts),
  };
  return { id: c.id, score: signal, appearedAt: c.appearedAt, parts, reason: trendReason(parts) };
}

const NOUNS: Record<Counter, [string, string]> = {
  upvotes: ['upvote', 'upvotes'],
  comments: ['comment', 'comments'],
  githubStars: ['GitHub star', 'GitHub stars'],
};

/** "+42 upvotes in 24 h", "+120 GitHub stars in 3 days", "~92 upvotes in 7 h" (read after the day), "new today". */
export function trendReason(parts: ScoreParts): string {
  const f = parts.fact;
  if (f) return `${f.estimated ? '~' : '+'}${f.gain} ${NOUNS[f.counter][f.gain === 1 ? 0 : 1]} in ${formatSpan(f.sinceHours)}`;
  if (parts.ageHours < 24) return 'new today';
  return parts.upvotes > 0 ? `${parts.late ? '~' : ''}${parts.upvotes} ${parts.upvotes === 1 ? 'upvote' : 'upvotes'}` : 'no votes yet';
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

export function rankTrending(candidates: readonly Candidate[], when: Date | RankTime, p: TrendParams): ScoredPaper[] {
  return candidates.map((c) => scorePaper(c, when, p)).sort(compareScored);
}
