// What an edition prepares once for every reader with a profile (pure): the pool "Picked for you" draws from (the
// candidates new since the previous edition, plus the top of the ranking), its tf-idf term space and inverted index,
// and a cache of each profile paper's nearest pool papers. Invariant: built once per edition and ranking (daily,
// weekly); the per-reader work (scoreReader) then only reads it, so its cost does not grow with the audience.
import type { ScoredPaper } from './types.js';
import { buildTermSpace, createTerms, type PaperText, type Terms, type TermSpace } from './text-vectors.js';
import { buildPoolIndex, neighbours, NO_NEIGHBOURS, scoreReader, type Neighbours, type PoolIndex, type ProfileEntry } from './profile.js';
import type { PersonalOptions } from './select.js';

/** The top of the ranking that joins the pool besides the new papers: what trends may be picked too. */
export const POOL_TOP = 300;

export interface PersonalEdition {
  readonly index: PoolIndex;
  readonly space: TermSpace;
  /** The term numbers the space was built with (profile papers are counted with them too). */
  readonly terms: Terms;
  /**
   * Profile paper ids of these readers whose text has not been looked up yet in this edition, each once (the caller
   * reads them in one query). After the first pages nearly every id is known: one lookup each, no set built.
   */
  unknown(profiles: Iterable<readonly { paperId: string }[]>): string[];
  /** Scores looked-up texts against the pool (their neighbours); ids asked for without text are remembered as empty. */
  learn(asked: readonly string[], texts: ReadonlyMap<string, PaperText>): void;
  /** A reader's rows as scoring input (neighbours from the cache). */
  profileOf(rows: readonly { paperId: string; signal: 1 | -1 }[]): ProfileEntry[];
}

/** A profile paper as the scorer reads it: its nearest pool papers (computed once per edition, rank/profile.ts). */
export function profileNeighbours(ix: PoolIndex, space: TermSpace, terms: Terms, text: PaperText): Neighbours {
  return neighbours(ix, space.vector(terms.countKnown(text)));
}

/**
 * The papers "Picked for you" may choose from: those new since the previous edition (`isNew`) and the top `top` of
 * the ranking, in ranking order. Bounded by one day's papers plus a constant, never the whole candidate window.
 */
export function personalPool(trending: readonly ScoredPaper[], isNew: (p: ScoredPaper) => boolean, top = POOL_TOP): ScoredPaper[] {
  return trending.filter((p, i) => i < top || isNew(p));
}

/** Builds the edition's side from the pool and the pool papers' texts (a pool paper without text is left out). */
export function buildPersonalEdition(pool: readonly ScoredPaper[], texts: ReadonlyMap<string, PaperText>): PersonalEdition {
  const withText = pool.filter((p) => texts.has(p.id));
  const terms = createTerms();
  const counts = withText.map((p) => terms.count(texts.get(p.id)!));
  const space = buildTermSpace(counts);
  // Trending on a log scale within the pool: one paper with 500 votes must not flatten the rest to zero.
  const maxScore = Math.max(0, ...withText.map((p) => p.score));
  const trend = (s: number) => (maxScore > 0 ? Math.log1p(Math.max(0, s)) / Math.log1p(maxScore) : 0);
  const index = buildPoolIndex(
    withText.map((p, i) => ({ id: p.id, vector: space.vector(counts[i]!), trend: trend(p.score) })),
    space.size,
  );
  // Per profile paper its scoring input for either signal, built once per edition: a reader's profile is then looked
  // up, not rebuilt (objects per paper per reader were a share of the garbage collector's time).
  const known = new Map<string, { like: ProfileEntry; dislike: ProfileEntry }>();
  const entries = (paperId: string, near: Neighbours, title: string) => ({
    like: { paperId, signal: 1 as const, title, near },
    dislike: { paperId, signal: -1 as const, title, near },
  });
  return {
    index,
    space,
    terms,
    unknown(profiles) {
      const out = new Set<string>();
      for (const rows of profiles) for (const r of rows) if (!known.has(r.paperId)) out.add(r.paperId);
      return [...out];
    },
    learn(asked, found) {
      for (const id of asked) {
        const t = found.get(id);
        known.set(id, t ? entries(id, profileNeighbours(index, space, terms, t), t.title) : entries(id, NO_NEIGHBOURS, ''));
      }
    },
    profileOf(rows) {
      return rows.map((r) => {
        const k = known.get(r.paperId);
        if (!k) return { paperId: r.paperId, signal: r.signal, title: '', near: NO_NEIGHBOURS };
        return r.signal === 1 ? k.like : k.dislike;
      });
    },
  };
}

/**
 * One reader's personal part of the selection, or undefined for a reader without a profile (who then gets exactly
 * the selection they always got). Scores enough candidates for "Picked for you" to fill even when some of them make
 * Top trending.
 */
export function personalFor(
  edition: PersonalEdition,
  rows: readonly { paperId: string; signal: 1 | -1 }[] | undefined,
  o: { pickedSize: number; size: number; alreadySent: ReadonlySet<string>; byId: ReadonlyMap<string, ScoredPaper> },
): PersonalOptions | undefined {
  if (!rows?.length) return undefined;
  const scores = scoreReader(edition.index, edition.profileOf(rows), { size: o.pickedSize + o.size }, (id) => o.alreadySent.has(id));
  return { scores, pickedSize: o.pickedSize, byId: o.byId };
}
