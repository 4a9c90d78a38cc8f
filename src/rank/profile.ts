// A reader's profile (pure): the papers they liked ("More like this", papers they imported) and those they marked
// "Less like this", scored against an edition's pool of candidates. The scorer is linear over tf-idf vectors, a
// Rocchio centroid: a candidate scores its mean cosine with the liked papers minus NEGATIVE_WEIGHT × its mean cosine
// with the disliked ones (the same as a dot product with mean(liked) − w·mean(disliked)). Because that score is a sum
// over profile papers, each profile paper's cosines with the pool are computed once per edition (its NEIGHBOURS
// nearest pool papers, `neighbours`), and a reader only adds up their papers' lists: O(profile size × NEIGHBOURS)
// per reader, never the pool's postings and never the whole history. An empty profile yields nothing, so the caller
// leaves such readers exactly as they were.
import type { SparseVector } from './text-vectors.js';

export interface PoolPaper {
  id: string;
  vector: SparseVector;
  /** The paper's trending score scaled to 0–1 within the pool (0 = nobody voted). */
  trend: number;
}

/** The edition's pool as an inverted index: for each term, the candidates holding it and their weights. */
export interface PoolIndex {
  readonly papers: readonly PoolPaper[];
  readonly position: ReadonlyMap<string, number>;
  /** papers[d].trend, as an array the per-reader loop reads without touching the paper objects. */
  readonly trend: Float64Array;
  /** postings of term t: [start[t], start[t + 1]) in doc/weight. */
  readonly start: Int32Array;
  readonly doc: Int32Array;
  readonly weight: Float64Array;
  /** Scratch space for one computation at a time (per pool paper), left zeroed after each use. */
  readonly scratch: { pos: Float64Array; neg: Float64Array; values: Float64Array; slot: Int32Array };
}

export function buildPoolIndex(papers: readonly PoolPaper[], termCount: number): PoolIndex {
  if (papers.length > MAX_POOL) throw new RangeError(`a pool holds at most ${MAX_POOL} papers (got ${papers.length})`);
  const counts = new Int32Array(termCount + 1);
  for (const p of papers) for (const t of p.vector.idx) counts[t + 1]!++;
  const start = new Int32Array(termCount + 1);
  for (let t = 0; t < termCount; t++) start[t + 1] = start[t]! + counts[t + 1]!;
  const fill = start.slice(0, termCount);
  const doc = new Int32Array(start[termCount]!);
  const weight = new Float64Array(start[termCount]!);
  papers.forEach((p, d) => {
    for (let k = 0; k < p.vector.idx.length; k++) {
      const at = fill[p.vector.idx[k]!]!++;
      doc[at] = d;
      weight[at] = p.vector.val[k]!;
    }
  });
  const n = papers.length;
  return {
    papers,
    position: new Map(papers.map((p, i) => [p.id, i])),
    trend: Float64Array.from(papers, (p) => p.trend),
    start,
    doc,
    weight,
    scratch: { pos: new Float64Array(n), neg: new Float64Array(n), values: new Float64Array(n), slot: new Int32Array(n) },
  };
}

/**
 * A profile paper's nearest pool papers, one 32-bit word each, in ascending pool position (a reader's pass over the
 * lists then walks the pool's arrays forwards): the position in the high 16 bits, the cosine in the low 16 (in
 * 1/65535ths). One word per neighbour, one array per list: a reader's lists are read cold from memory (between two
 * readers the page's SQLite work evicts them), and a list is then 7 cache lines in one stream instead of 14 in two
 * arrays (this cut the per-reader accumulation by about a third). A reader's score sums a few dozen cosines, far above
 * the quantisation.
 */
export type Neighbours = Uint32Array;

export const NO_NEIGHBOURS: Neighbours = new Uint32Array(0);
/** Pool positions a neighbour word holds: a pool is one day's new papers plus the top of the ranking, far below. */
export const MAX_POOL = 1 << 16;
/** A cosine in (0, 1] as the 16 bits of a neighbour word. */
export const COS_SCALE = 0xffff;

/** The pool position of a neighbour word. */
export function nearPosition(word: number): number {
  return word >>> 16;
}

/** The cosine of a neighbour word. */
export function nearCosine(word: number): number {
  return (word & 0xffff) / COS_SCALE;
}

/**
 * Pool papers kept per profile paper (its nearest by cosine). A reader's score for a candidate is a mean over their
 * papers, so a paper's small cosines with far-away candidates barely move it; eval:personal measures the cut (on its
 * 740-paper day: precision@10 0.58 at 32, 0.71 at 64, 0.76 at 100, 0.75 at 200), and a reader's cost is linear in it.
 */
export const NEIGHBOURS = 100;

/**
 * The cosines of a (profile) paper's vector with every pool paper, its `limit` nearest kept (ties: the earlier pool
 * position). Once per paper per edition, for every distinct profile paper of the audience: the cosines accumulate
 * over the pool's postings into a dense array, the cut is found by selection (no sort), and a scan in pool order
 * gives the list in ascending positions.
 */
export function neighbours(ix: PoolIndex, v: SparseVector, limit = NEIGHBOURS): Neighbours {
  const { pos, values } = ix.scratch;
  const terms = ix.start.length - 1;
  for (let k = 0; k < v.idx.length; k++) {
    const t = v.idx[k]!;
    if (t >= terms) continue;
    const w = v.val[k]!;
    for (let p = ix.start[t]!, end = ix.start[t + 1]!; p < end; p++) pos[ix.doc[p]!]! += w * ix.weight[p]!;
  }
  // Weights are positive: a pool paper sharing no term with this one has exactly 0, one that shares any has more.
  const size = pos.length;
  let n = 0;
  for (let d = 0; d < size; d++) if (pos[d] !== 0) values[n++] = pos[d]!;
  // The cut: the limit-th largest cosine; all above it are kept, and as many equal to it as fit, earliest first.
  let cut = 0;
  let tiesLeft = limit;
  if (n > limit) {
    cut = nthLargest(values, n, limit);
    let above = 0;
    for (let i = 0; i < n; i++) if (values[i]! > cut) above++;
    tiesLeft = limit - above;
  }
  const out = new Uint32Array(Math.min(n, limit));
  for (let d = 0, k = 0; d < size; d++) {
    const c = pos[d]!;
    if (c === 0) continue;
    pos[d] = 0;
    // At least 1: a kept neighbour shares a term, and a zero would read as no cosine at all.
    if (c > cut || (c === cut && tiesLeft-- > 0)) out[k++] = (d << 16) | Math.max(1, Math.min(COS_SCALE, Math.round(c * COS_SCALE)));
  }
  return out;
}

/** The k-th largest of xs[0, n) (1 ≤ k ≤ n), by quickselect: reorders that part of xs, O(n) on average. */
export function nthLargest(xs: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const want = k - 1; // its index once xs[lo..hi] is ordered descending
  while (lo < hi) {
    // Median of three as the pivot: sorted input (pool order follows the ranking) stays linear.
    const mid = (lo + hi) >>> 1;
    const a = xs[lo]!;
    const b = xs[mid]!;
    const c = xs[hi]!;
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! > pivot) i++;
      while (xs[j]! < pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = t;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return xs[want]!;
  }
  return xs[want]!;
}

export interface ProfileEntry {
  paperId: string;
  /** 1: liked (imported, or "More like this"); −1: "Less like this". */
  signal: 1 | -1;
  title: string;
  /** Its nearest pool papers; empty when we hold no text for it yet (a pasted id no source has brought). */
  near: Neighbours;
}

export interface ProfileSettings {
  /** Papers to rank for "Picked for you". */
  size: number;
}

export interface PickedPaper {
  id: string;
  /** Relevance relative to this reader's best candidate (≤ 1) plus TREND_BLEND × trending (0–1). */
  score: number;
}

export interface ReaderScores {
  /** The best candidates for "Picked for you", best first (up to the size asked for, after `exclude`). */
  readonly picked: readonly PickedPaper[];
  /** Why a picked paper is there: "like 2 papers you saved: “A”, “B”" (for any other paper, the general NO_REASON). */
  reason(id: string): string;
  /** The reader marked something "less like this" that we hold text for: `demotion` may then be below 1. */
  readonly demotes: boolean;
  /**
   * How far "Less like this" pushes a pool paper down in the other sections: a factor in (0, 1] on its score
   * (1 = untouched, and always 1 when `demotes` is false).
   */
  demotion(id: string): number;
}

/** "Less like this" counts this much against a candidate, relative to what the liked papers count for it. */
export const NEGATIVE_WEIGHT = 0.5;
/** How much trending adds to the profile's relevance (scaled to 0–1 for this reader) in "Picked for you". */
export const TREND_BLEND = 0.25;
/** A candidate whose mean cosine with the liked papers is below this is not picked, however few others there are. */
export const MIN_RELEVANCE = 0.02;
/** The reason when no liked paper can be named. */
const NO_REASON = 'like papers you saved';
/** Cosine with a liked paper from which it is named in the reason, relative to the closest one. */
const REASON_SHARE = 0.6;
/** Demotion: score × max(DEMOTE_FLOOR, 1 − DEMOTE_SLOPE · mean cosine with the disliked papers). */
const DEMOTE_SLOPE = 4;
const DEMOTE_FLOOR = 0.05;

/**
 * Scores the pool for one reader: the best `size` papers by relevance to what they liked (less what they marked
 * "less like this"), blended with trending; and the demotion of papers like the disliked ones.
 * `exclude`: papers the reader must not get here (already sent): a set, not a predicate made per reader.
 */
export function scoreReader(ix: PoolIndex, profile: readonly ProfileEntry[], s: ProfileSettings, exclude: ReadonlySet<string>): ReaderScores {
  const liked: ProfileEntry[] = [];
  const disliked: ProfileEntry[] = [];
  for (const e of profile) {
    if (!e.near.length) continue;
    if (e.signal === 1) liked.push(e);
    else disliked.push(e);
  }
  const { pos, neg } = ix.scratch;
  const size = ix.papers.length;
  // The hot loop of a reader (profile size × NEIGHBOURS adds) accumulates into arrays over the whole pool (one day's
  // papers and the top of the ranking: hundreds), which are then read in pool order: no branch per add to track
  // which candidates were touched (the lists cover most of the pool anyway). The lists' arrays are read into locals
  // once per paper.
  for (let j = 0, share = 1 / (liked.length * COS_SCALE); j < liked.length; j++) {
    const near = liked[j]!.near;
    for (let k = 0, m = near.length; k < m; k++) {
      const w = near[k]!;
      pos[w >>> 16]! += (w & 0xffff) * share;
    }
  }
  for (let j = 0, share = 1 / (disliked.length * COS_SCALE); j < disliked.length; j++) {
    const near = disliked[j]!.near;
    for (let k = 0, m = near.length; k < m; k++) {
      const w = near[k]!;
      neg[w >>> 16]! += (w & 0xffff) * share;
    }
  }

  // Relevance, in place: the liked papers' mean cosine less the disliked ones', 0 below MIN_RELEVANCE.
  let best = 0;
  for (let d = 0; d < size; d++) {
    const liking = pos[d]!;
    const rel = liking < MIN_RELEVANCE ? 0 : liking - NEGATIVE_WEIGHT * neg[d]!;
    pos[d] = rel > 0 ? rel : 0;
    if (rel > best) best = rel;
  }
  // The best `size` by relevance relative to this reader's best, blended with trending: a bounded insertion list in
  // typed arrays (no object per candidate; its result does not depend on the order candidates are visited in: score,
  // then id, is a total order). Most candidates fall below the list's last score and cost one comparison.
  const limit = best > 0 ? Math.min(s.size, size) : 0;
  const { topD, topS } = topScratch(limit);
  let n = 0;
  const { trend, papers } = ix;
  for (let d = 0; d < size && limit > 0; d++) {
    const rel = pos[d]!;
    if (rel === 0) continue;
    const score = rel / best + TREND_BLEND * trend[d]!;
    if (n === limit && !before(score, d, topS[n - 1]!, topD[n - 1]!, papers)) continue;
    if (exclude.has(papers[d]!.id)) continue;
    let at = n === limit ? n - 1 : n++;
    while (at > 0 && before(score, d, topS[at - 1]!, topD[at - 1]!, papers)) {
      topD[at] = topD[at - 1]!;
      topS[at] = topS[at - 1]!;
      at--;
    }
    topD[at] = d;
    topS[at] = score;
  }
  const picked: PickedPaper[] = [];
  for (let i = 0; i < n; i++) picked.push({ id: papers[topD[i]!]!.id, score: topS[i]! });
  pos.fill(0);
  // "Less like this", kept for the demotions asked next (papers near the top of each section): every pool paper's mean
  // cosine with the disliked papers, as accumulated above (looking it up later in their lists costs a cache miss per
  // probe). Plain arrays here and below: a typed array this size lives outside the heap, and one per reader was a
  // share of the garbage collector's time.
  let dislike: number[] | null = null;
  if (disliked.length) {
    dislike = new Array<number>(size);
    for (let d = 0; d < size; d++) {
      dislike[d] = neg[d]!;
      neg[d] = 0;
    }
  }
  // The reasons' input, taken while the liked papers' lists are still in cache: each picked candidate's cosine with
  // each liked paper, in one pass over the lists (looking each up later, per candidate and list, costs a cache miss
  // each: the lists of a whole audience's profile papers are megabytes). Kept in 1/65535ths: reasons only compare them.
  const L = liked.length;
  const cosines = new Array<number>(n * L).fill(0);
  if (n > 0) {
    const { slot } = ix.scratch;
    for (let j = 0; j < n; j++) slot[topD[j]!] = j + 1;
    for (let i = 0; i < L; i++) {
      const near = liked[i]!.near;
      for (let k = 0, m = near.length; k < m; k++) {
        const w = near[k]!;
        const j = slot[w >>> 16]!;
        if (j !== 0) cosines[(j - 1) * L + i] = w & 0xffff;
      }
    }
    for (let j = 0; j < n; j++) slot[topD[j]!] = 0;
  }
  return new Scores(picked, liked, cosines, dislike, ix.position);
}

/** A reader's scores. A class, not closures: one reader's result allocates no function objects. */
class Scores implements ReaderScores {
  constructor(
    readonly picked: readonly PickedPaper[],
    private readonly liked: readonly ProfileEntry[],
    /** Picked paper j's cosine with liked paper i at [j · liked.length + i]. */
    private readonly cosines: readonly number[],
    /** Per pool position, the mean cosine with the disliked papers; null when none. */
    private readonly dislike: readonly number[] | null,
    private readonly position: ReadonlyMap<string, number>,
  ) {}

  get demotes(): boolean {
    return this.dislike !== null;
  }

  reason(id: string): string {
    for (let j = 0; j < this.picked.length; j++) if (this.picked[j]!.id === id) return reasonFrom(this.cosines, j * this.liked.length, this.liked);
    return NO_REASON;
  }

  demotion(id: string): number {
    if (!this.dislike) return 1;
    const d = this.position.get(id);
    const mean = d === undefined ? 0 : this.dislike[d]!;
    return mean > 0 ? Math.max(DEMOTE_FLOOR, 1 - DEMOTE_SLOPE * mean) : 1;
  }
}

// The insertion list's arrays, shared by every call (scoring is synchronous: one reader at a time), grown as asked.
let topD = new Int32Array(64);
let topS = new Float64Array(64);
function topScratch(k: number): { topD: Int32Array; topS: Float64Array } {
  if (k > topD.length) {
    topD = new Int32Array(k);
    topS = new Float64Array(k);
  }
  return { topD, topS };
}

/** Higher score first; ties by paper id, so the same data always gives the same order. */
function before(score: number, d: number, otherScore: number, otherD: number, papers: readonly PoolPaper[]): boolean {
  return score > otherScore || (score === otherScore && papers[d]!.id < papers[otherD]!.id);
}

/**
 * "like 2 papers you saved: “A”, “B”": the liked papers closest to a pool paper, the closest first. Its cosine with
 * liked paper i is sims[at + i].
 */
function reasonFrom(sims: readonly number[], at: number, liked: readonly ProfileEntry[]): string {
  // Asked for every picked paper of every reader: one pass for the closest two (the earlier one on a tie, as a stable
  // sort would give) and a count, no sort.
  let first = -1;
  let second = -1;
  for (let i = 0; i < liked.length; i++) {
    const sim = sims[at + i]!;
    if (sim <= 0) continue;
    if (first < 0 || sim > sims[at + first]!) {
      second = first;
      first = i;
    } else if (second < 0 || sim > sims[at + second]!) second = i;
  }
  if (first < 0) return NO_REASON;
  const floor = sims[at + first]! * REASON_SHARE;
  let n = 0;
  for (let i = 0; i < liked.length; i++) if (sims[at + i]! > 0 && sims[at + i]! >= floor) n++;
  const named = n > 1 ? `${name(liked[first]!)}, ${name(liked[second]!)}` : name(liked[first]!);
  return `like ${n === 1 ? 'a paper' : `${n} papers`} you saved: ${named}${n > 2 ? ` and ${n - 2} more` : ''}`;
}

function name(e: ProfileEntry): string {
  return `“${shortTitle(e.title || e.paperId)}”`;
}

// A profile paper's title is named in the reasons of every reader who holds it: shortened once per run, not per reason.
const shortTitles = new Map<string, string>();
function shortTitle(t: string): string {
  let short = shortTitles.get(t);
  if (short === undefined) {
    // Bounded: titles of a run's profile papers (thousands); a pathological input cannot grow it forever.
    if (shortTitles.size > 100_000) shortTitles.clear();
    shortTitles.set(t, (short = shorten(t)));
  }
  return short;
}

function shorten(t: string, max = 60): string {
  const clean = t.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}
