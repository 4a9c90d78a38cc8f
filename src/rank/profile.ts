// A reader's profile (pure): the papers they liked ("More like this", papers they imported) and those they marked
// "Less like this", scored against an edition's pool of candidates. The scorer is linear over tf-idf vectors, a
// Rocchio centroid: profile = mean(liked) − NEGATIVE_WEIGHT · mean(disliked); a candidate's score is its cosine with
// the liked centroid minus the weighted cosine with the disliked one. Invariants: per reader the work is sparse dot
// products over the edition's inverted index (bounded by the pool, never the whole history); an empty profile
// yields nothing, so the caller leaves such readers exactly as they were.
import { EMPTY_VECTOR, type SparseVector } from './text-vectors.js';

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
  /** postings of term t: [start[t], start[t + 1]) in doc/weight. */
  readonly start: Int32Array;
  readonly doc: Int32Array;
  readonly weight: Float64Array;
  /** Scratch space for one reader at a time (scores per pool paper), reset after each use. */
  readonly scratch: { pos: Float64Array; neg: Float64Array; touched: Int32Array; dense: Float64Array };
}

export function buildPoolIndex(papers: readonly PoolPaper[], termCount: number): PoolIndex {
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
  return {
    papers,
    position: new Map(papers.map((p, i) => [p.id, i])),
    start,
    doc,
    weight,
    scratch: { pos: new Float64Array(papers.length), neg: new Float64Array(papers.length), touched: new Int32Array(papers.length), dense: new Float64Array(termCount) },
  };
}

export interface ProfileEntry {
  paperId: string;
  /** 1: liked (imported, or "More like this"); −1: "Less like this". */
  signal: 1 | -1;
  title: string;
  /** In the edition's term space; empty when we hold no text for it yet (a pasted id no source has brought). */
  vector: SparseVector;
}

export interface ProfileSettings {
  /** Papers in the "Picked for you" section. */
  size: number;
}

export interface PickedPaper {
  id: string;
  /** Relevance relative to this reader's best candidate (≤ 1) plus TREND_BLEND × trending (0–1). */
  score: number;
}

export interface ReaderScores {
  /** The best candidates for "Picked for you", best first (up to the size asked for, after `exclude`). */
  picked: PickedPaper[];
  /** Why a picked paper is there: "like 2 papers you saved: “A”, “B”". */
  reason(id: string): string;
  /**
   * How far "Less like this" pushes a pool paper down in the other sections: a factor in (0, 1] on its score
   * (1 = untouched). Null when the reader marked nothing "less like this" (or we hold no text for those papers).
   */
  demote: ((id: string) => number) | null;
}

/** "Less like this" counts this much against a candidate, relative to what the liked papers count for it. */
export const NEGATIVE_WEIGHT = 0.5;
/** How much trending adds to the profile's relevance (scaled to 0–1 for this reader) in "Picked for you". */
export const TREND_BLEND = 0.25;
/** A candidate whose cosine with the liked centroid is below this is not picked, however few others there are. */
export const MIN_RELEVANCE = 0.02;
/** Cosine with a liked paper from which it is named in the reason, relative to the closest one. */
const REASON_SHARE = 0.6;
/** Demotion: score × max(DEMOTE_FLOOR, 1 − DEMOTE_SLOPE · cosine with the disliked centroid). */
const DEMOTE_SLOPE = 4;
const DEMOTE_FLOOR = 0.05;
/** Profile terms kept per side: beyond this many, the lightest are dropped (they barely move a score). */
const MAX_PROFILE_TERMS = 2000;

/** The centroid of some unit vectors (unnormalised: its dot product with a unit vector is a mean of cosines). */
export function centroid(vectors: readonly SparseVector[], dense: Float64Array, limit = MAX_PROFILE_TERMS): SparseVector {
  let live = 0;
  const terms: number[] = [];
  for (const v of vectors) {
    if (!v.idx.length) continue;
    live++;
    for (let k = 0; k < v.idx.length; k++) {
      const t = v.idx[k]!;
      if (dense[t] === 0) terms.push(t);
      dense[t]! += v.val[k]!;
    }
  }
  if (!live) return EMPTY_VECTOR;
  let floor = 0;
  if (terms.length > limit) {
    const weights = Float64Array.from(terms, (t) => dense[t]!).sort();
    floor = weights[weights.length - limit]!;
  }
  const idx: number[] = [];
  for (const t of terms) if (dense[t]! >= floor) idx.push(t);
  const val = new Float64Array(idx.length);
  idx.forEach((t, i) => (val[i] = dense[t]! / live));
  for (const t of terms) dense[t] = 0;
  return { idx: Int32Array.from(idx), val };
}

/** Adds vector · every pool paper into `into`, recording which papers were touched. Returns the touched count. */
function accumulate(ix: PoolIndex, v: SparseVector, into: Float64Array, touched: Int32Array, count: number, other: Float64Array): number {
  const terms = ix.start.length - 1;
  for (let k = 0; k < v.idx.length; k++) {
    const t = v.idx[k]!;
    if (t >= terms) continue;
    const w = v.val[k]!;
    for (let p = ix.start[t]!, end = ix.start[t + 1]!; p < end; p++) {
      const d = ix.doc[p]!;
      if (into[d] === 0 && other[d] === 0) touched[count++] = d;
      into[d]! += w * ix.weight[p]!;
    }
  }
  return count;
}

/**
 * Scores the pool for one reader: the best `size` papers by relevance to what they liked (less what they marked
 * "less like this"), blended with trending; and the demotion of papers like the disliked ones.
 * `exclude`: papers the reader must not get here (already sent).
 */
export function scoreReader(ix: PoolIndex, profile: readonly ProfileEntry[], s: ProfileSettings, exclude: (id: string) => boolean): ReaderScores {
  const liked: ProfileEntry[] = [];
  const disliked: SparseVector[] = [];
  for (const e of profile) {
    if (!e.vector.idx.length) continue;
    if (e.signal === 1) liked.push(e);
    else disliked.push(e.vector);
  }
  const { pos, neg, touched, dense } = ix.scratch;
  const likedCentroid = centroid(
    liked.map((e) => e.vector),
    dense,
  );
  let n = accumulate(ix, likedCentroid, pos, touched, 0, neg);
  n = accumulate(ix, centroid(disliked, dense), neg, touched, n, pos);

  // The best `size` by relevance relative to this reader's best, blended with trending: a bounded insertion list.
  let best = 0;
  for (let i = 0; i < n; i++) {
    const d = touched[i]!;
    const rel = pos[d]! - NEGATIVE_WEIGHT * neg[d]!;
    if (pos[d]! >= MIN_RELEVANCE && rel > best) best = rel;
  }
  const top: { d: number; score: number }[] = [];
  if (best > 0 && s.size > 0)
    for (let i = 0; i < n; i++) {
      const d = touched[i]!;
      const rel = pos[d]! - NEGATIVE_WEIGHT * neg[d]!;
      if (pos[d]! < MIN_RELEVANCE || rel <= 0) continue;
      const score = rel / best + TREND_BLEND * ix.papers[d]!.trend;
      if (top.length === s.size && !before(score, d, top[top.length - 1]!, ix)) continue;
      if (exclude(ix.papers[d]!.id)) continue;
      let at = top.length === s.size ? top.length - 1 : top.length;
      while (at > 0 && before(score, d, top[at - 1]!, ix)) {
        top[at] = top[at - 1]!;
        at--;
      }
      top[at] = { d, score };
    }

  let demote: ReaderScores['demote'] = null;
  if (disliked.length) {
    const factors = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const d = touched[i]!;
      if (neg[d]! > 0) factors.set(ix.papers[d]!.id, Math.max(DEMOTE_FLOOR, 1 - DEMOTE_SLOPE * neg[d]!));
    }
    if (factors.size) demote = (id) => factors.get(id) ?? 1;
  }
  for (let i = 0; i < n; i++) {
    pos[touched[i]!] = 0;
    neg[touched[i]!] = 0;
  }
  return {
    picked: top.map(({ d, score }) => ({ id: ix.papers[d]!.id, score })),
    reason: (id) => reasonFor(ix.papers[ix.position.get(id)!]!.vector, liked, dense),
    demote,
  };
}

/** Higher score first; ties by paper id, so the same data always gives the same order. */
function before(score: number, d: number, other: { d: number; score: number }, ix: PoolIndex): boolean {
  return score > other.score || (score === other.score && ix.papers[d]!.id < ix.papers[other.d]!.id);
}

/** "like 2 papers you saved: “A”, “B”": the liked papers closest to this one, the closest first. */
function reasonFor(v: SparseVector, liked: readonly ProfileEntry[], dense: Float64Array): string {
  for (let k = 0; k < v.idx.length; k++) dense[v.idx[k]!] = v.val[k]!;
  const sims: { e: ProfileEntry; sim: number }[] = [];
  for (const e of liked) {
    let s = 0;
    for (let k = 0; k < e.vector.idx.length; k++) s += dense[e.vector.idx[k]!]! * e.vector.val[k]!;
    if (s > 0) sims.push({ e, sim: s });
  }
  for (let k = 0; k < v.idx.length; k++) dense[v.idx[k]!] = 0;
  sims.sort((a, b) => b.sim - a.sim);
  const close = sims.filter((x) => x.sim >= sims[0]!.sim * REASON_SHARE);
  const named = close.slice(0, 2).map((x) => `“${shortTitle(x.e.title || x.e.paperId)}”`);
  const n = close.length;
  return `like ${n === 1 ? 'a paper' : `${n} papers`} you saved: ${named.join(', ')}${n > 2 ? ` and ${n - 2} more` : ''}`;
}

function shortTitle(t: string, max = 60): string {
  const clean = t.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}
