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
/** Mentions a primary arXiv category counts as (its cross-lists half): see Terms.count. */
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

const ASCII = /^[\x00-\x7f]*$/;
/** Lower case without accents (NFKD, marks dropped); ASCII text, most abstracts, has nothing to decompose. */
function fold(text: string): string {
  return (ASCII.test(text) ? text : text.normalize('NFKD').replace(/\p{M}+/gu, '')).toLowerCase();
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const beyondAscii = new Map<number, boolean>();
function isLetterOrDigit(cp: number): boolean {
  let r = beyondAscii.get(cp);
  if (r === undefined) {
    r = LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
    if (beyondAscii.size > 100_000) beyondAscii.clear();
    beyondAscii.set(cp, r);
  }
  return r;
}

/**
 * Calls `fn` with each run of letters and digits (any script) of a text, in order: what text.split(/[^\p{L}\p{N}]+/u)
 * gives without its empty strings, by a scan instead of the regular expression (which costs most of counting a
 * paper's terms; tests/rank/text-vectors.test.ts holds the two equal).
 */
export function forEachWord(text: string, fn: (word: string) => void): void {
  let start = -1;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    let width = 1;
    let word: boolean;
    if (c < 128) word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
    else {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) width = 2;
      word = isLetterOrDigit(cp);
    }
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      fn(text.slice(start, i));
      start = -1;
    }
    i += width;
  }
  if (start >= 0) fn(text.slice(start));
}

/**
 * Numbers for the terms of one edition's papers (make one per edition and count all its papers with it): a stem, an
 * arXiv category or a pair of adjacent stems gets a small integer the first time it is counted. Counting a paper's
 * terms and placing them in the term space then look numbers up, never a string built per pair: this runs for every
 * pool paper and every distinct profile paper of the audience, each edition.
 */
export interface Terms {
  /** Term counts of a paper: stems and adjacent-stem pairs ("languag model" says more than either word). */
  count(p: PaperText): Map<number, number>;
  /**
   * The same for a paper scored in a space already built from papers counted here: pairs none of them had are left
   * out (the space would drop them anyway), so a whole audience's profile papers do not number their every pair.
   */
  countKnown(p: PaperText): Map<number, number>;
}

export function createTerms(): Terms {
  let next = 0;
  // A word as it appears (folded, lower case) → its stem's number, or −1 when it is no term (too short, a number, a stop word).
  const words = new Map<string, number>();
  const named = new Map<string, number>(); // stem or "cat:…" → number
  const pairs = new Map<number, Map<number, number>>(); // first stem → second stem → number
  const number = (term: string) => {
    let id = named.get(term);
    if (id === undefined) named.set(term, (id = next++));
    return id;
  };
  const ids = (text: string): number[] => {
    const out: number[] = [];
    forEachWord(fold(text), (w) => {
      let id = words.get(w);
      if (id === undefined) {
        // Single letters, bare numbers and TeX leftovers carry no subject.
        id = w.length < 2 || /^\d+$/.test(w) || STOP.has(w) ? -1 : number(stem(w));
        words.set(w, id);
      }
      if (id >= 0) out.push(id);
    });
    return out;
  };
  // One count at a time: a weight per term number (left zeroed) and the terms in the order first seen, so a paper's
  // ~500 term occurrences cost typed-array additions and only its distinct terms a Map entry.
  let weights = new Float64Array(1 << 12);
  let order = new Int32Array(1 << 9);
  let seen = 0;
  const bump = (term: number, weight: number) => {
    if (term >= weights.length) {
      const grown = new Float64Array(Math.max(weights.length * 2, term + 1));
      grown.set(weights);
      weights = grown;
    }
    if (weights[term] === 0) {
      if (seen === order.length) {
        const grown = new Int32Array(order.length * 2);
        grown.set(order);
        order = grown;
      }
      order[seen++] = term;
    }
    weights[term]! += weight;
  };
  const count = (p: PaperText, numberPairs: boolean) => {
    const add = (stems: number[], weight: number) => {
      for (let i = 0; i < stems.length; i++) {
        const w = stems[i]!;
        bump(w, weight);
        if (i + 1 === stems.length) continue;
        let after = pairs.get(w);
        let pair = after?.get(stems[i + 1]!);
        if (pair === undefined) {
          if (!numberPairs) continue;
          if (!after) pairs.set(w, (after = new Map()));
          after.set(stems[i + 1]!, (pair = next++));
        }
        bump(pair, weight);
      }
    };
    seen = 0;
    add(ids(p.title), TITLE_WEIGHT);
    if (p.abstract) add(ids(p.abstract), 1);
    for (const k of p.keywords ?? []) add(ids(k), KEYWORD_WEIGHT);
    // The paper's arXiv categories, as its authors filed it: the primary one counts like a title word said
    // CATEGORY_WEIGHT times, cross-lists half that (README, "Picked for you"). "cat:" cannot be a word's stem.
    (p.categories ?? []).forEach((c, i) => bump(number(`cat:${c}`), i === 0 ? CATEGORY_WEIGHT : CATEGORY_WEIGHT / 2));
    const counts = new Map<number, number>();
    for (let i = 0; i < seen; i++) {
      const t = order[i]!;
      counts.set(t, weights[t]!);
      weights[t] = 0;
    }
    return counts;
  };
  return { count: (p) => count(p, true), countKnown: (p) => count(p, false) };
}

/**
 * The term space of an edition: term ids and their inverse document frequencies, from the documents it was built
 * from (smoothed like scikit-learn's: idf = ln((1 + n) / (1 + df)) + 1). Terms seen in only one document are kept:
 * a rare shared term is exactly what ties a new paper to one a reader liked.
 */
export interface TermSpace {
  readonly size: number;
  idf(id: number): number;
  /** A paper's counts as a unit vector in this space; terms the space does not know are dropped (no candidate has them). */
  vector(counts: ReadonlyMap<number, number>): SparseVector;
}

/** The space of documents counted with the same Terms (createTerms). */
export function buildTermSpace(docs: Iterable<ReadonlyMap<number, number>>): TermSpace {
  const ids = new Map<number, number>();
  const df: number[] = [];
  let n = 0;
  let maxTerm = -1;
  for (const d of docs) {
    n++;
    for (const t of d.keys()) {
      let id = ids.get(t);
      if (id === undefined) {
        id = df.length;
        ids.set(t, id);
        df.push(0);
        if (t > maxTerm) maxTerm = t;
      }
      df[id]!++;
    }
  }
  // Term number → id in this space (−1: not in it); numbers given after the space was built are past its end.
  const idOf = new Int32Array(maxTerm + 1).fill(-1);
  for (const [t, id] of ids) idOf[t] = id;
  const idf = new Float64Array(df.length);
  for (let i = 0; i < df.length; i++) idf[i] = Math.log((1 + n) / (1 + df[i]!)) + 1;
  // Scratch for vector(): a weight per term id, left zeroed after each use. Vectors are made once per paper per
  // edition (every pool paper and every profile paper), so this avoids sorting [id, weight] pairs with a comparator:
  // the ids sort as a typed array (native numeric sort) and the weights are read back by id.
  const weights = new Float64Array(df.length);
  return {
    size: df.length,
    idf: (i) => idf[i]!,
    vector(counts) {
      const found = new Int32Array(counts.size);
      let k = 0;
      for (const [t, c] of counts) {
        const id = t < idOf.length ? idOf[t]! : -1;
        if (id < 0) continue;
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
