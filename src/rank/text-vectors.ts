// Paper text as tf-idf vectors (pure): words of title, abstract and keywords → Porter stems without stop words
// (the same stemming family as the FTS5 index) → one sparse, L2-normalised vector per paper in a term space built
// once per edition from that edition's candidates. Invariant: nothing here touches a database or a clock, and a
// term space never changes once built, so vectors made in it can be cached for the whole edition.
import { stemmer } from 'stemmer';
import { eng } from 'stopword';

export interface PaperText {
  id: string;
  title: string;
  abstract?: string | null | undefined;
  keywords?: readonly string[] | undefined;
  /** arXiv categories, primary first. */
  categories?: readonly string[] | undefined;
}

/** A sparse vector: parallel arrays of term ids (ascending) and weights, L2 norm 1 (or empty). */
export interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
}

export const EMPTY_VECTOR: SparseVector = Object.freeze({ idx: new Int32Array(0), val: new Float64Array(0) }) as SparseVector;

// Words that say nothing about a paper's subject beyond the generic English list: every abstract has them.
const PAPER_WORDS = ['paper', 'propose', 'proposed', 'show', 'shows', 'present', 'results', 'method', 'methods', 'approach', 'using', 'based', 'new', 'novel', 'work', 'also', 'however', 'can', 'which', 'while', 'our', 'we', 'use', 'via'];
const STOP = new Set([...eng, ...PAPER_WORDS]);
// A title says what the paper is about in a few words: its words count like this many mentions in the abstract.
const TITLE_WEIGHT = 3;
const KEYWORD_WEIGHT = 2;
/** Mentions a primary arXiv category counts as (its cross-lists half): see termCounts. */
const CATEGORY_WEIGHT = 5;

const stems = new Map<string, string>();
function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = stemmer(word);
    // The cache only serves the vocabulary of a run (tens of thousands of words); a pathological input cannot grow it forever.
    if (stems.size > 200_000) stems.clear();
    stems.set(word, s);
  }
  return s;
}

/** The words of a text as stems, in order: letters and digits (any script), lower case, accents folded. */
export function stemsOf(text: string): string[] {
  const out: string[] = [];
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const w of folded.split(/[^\p{L}\p{N}]+/u)) {
    // Single letters, bare numbers and TeX leftovers carry no subject.
    if (w.length < 2 || /^\d+$/.test(w) || STOP.has(w)) continue;
    out.push(stem(w));
  }
  return out;
}

/** Term counts of a paper: stems and adjacent-stem pairs ("languag model" says more than either word). */
export function termCounts(p: PaperText): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (words: string[], weight: number) => {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      counts.set(w, (counts.get(w) ?? 0) + weight);
      if (i + 1 < words.length) {
        const pair = `${w} ${words[i + 1]}`;
        counts.set(pair, (counts.get(pair) ?? 0) + weight);
      }
    }
  };
  add(stemsOf(p.title), TITLE_WEIGHT);
  if (p.abstract) add(stemsOf(p.abstract), 1);
  for (const k of p.keywords ?? []) add(stemsOf(k), KEYWORD_WEIGHT);
  // The paper's arXiv categories, as its authors filed it: the primary one counts like a title word said
  // CATEGORY_WEIGHT times, cross-lists half that (README, "Picked for you").
  (p.categories ?? []).forEach((c, i) => {
    const term = `cat:${c}`;
    counts.set(term, (counts.get(term) ?? 0) + (i === 0 ? CATEGORY_WEIGHT : CATEGORY_WEIGHT / 2));
  });
  return counts;
}

/**
 * The term space of an edition: term ids and their inverse document frequencies, from the documents it was built
 * from (smoothed like scikit-learn's: idf = ln((1 + n) / (1 + df)) + 1). Terms seen in only one document are kept:
 * a rare shared term is exactly what ties a new paper to one a reader liked.
 */
export interface TermSpace {
  readonly size: number;
  id(term: string): number | undefined;
  idf(id: number): number;
  /** A paper's counts as a unit vector in this space; terms the space does not know are dropped (no candidate has them). */
  vector(counts: ReadonlyMap<string, number>): SparseVector;
}

export function buildTermSpace(docs: Iterable<ReadonlyMap<string, number>>): TermSpace {
  const ids = new Map<string, number>();
  const df: number[] = [];
  let n = 0;
  for (const d of docs) {
    n++;
    for (const t of d.keys()) {
      let id = ids.get(t);
      if (id === undefined) {
        id = df.length;
        ids.set(t, id);
        df.push(0);
      }
      df[id]!++;
    }
  }
  const idf = new Float64Array(df.length);
  for (let i = 0; i < df.length; i++) idf[i] = Math.log((1 + n) / (1 + df[i]!)) + 1;
  // Scratch for vector(): a weight per term id, left zeroed after each use. Vectors are made once per paper per
  // edition (every pool paper and every profile paper), so this avoids sorting [id, weight] pairs with a comparator:
  // the ids sort as a typed array (native numeric sort) and the weights are read back by id.
  const weights = new Float64Array(df.length);
  return {
    size: df.length,
    id: (t) => ids.get(t),
    idf: (i) => idf[i]!,
    vector(counts) {
      const found = new Int32Array(counts.size);
      let k = 0;
      for (const [t, c] of counts) {
        const id = ids.get(t);
        if (id === undefined) continue;
        // Sublinear tf (1 + ln tf): the tenth mention of a word says less than the first.
        weights[id] = (1 + Math.log(c)) * idf[id]!;
        found[k++] = id;
      }
      const idx = found.subarray(0, k).sort();
      let norm = 0;
      for (let i = 0; i < k; i++) {
        const w = weights[idx[i]!]!;
        norm += w * w;
      }
      const val = new Float64Array(k);
      if (norm > 0) {
        norm = Math.sqrt(norm);
        for (let i = 0; i < k; i++) val[i] = weights[idx[i]!]! / norm;
      }
      for (let i = 0; i < k; i++) weights[idx[i]!] = 0;
      return norm === 0 ? EMPTY_VECTOR : { idx: idx.slice(), val };
    },
  };
}

/** Dot product of two sparse vectors (both sorted by term id): cosine similarity for unit vectors. */
export function dot(a: SparseVector, b: SparseVector): number {
  let s = 0;
  for (let i = 0, j = 0; i < a.idx.length && j < b.idx.length; ) {
    const x = a.idx[i]!;
    const y = b.idx[j]!;
    if (x === y) s += a.val[i++]! * b.val[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}
