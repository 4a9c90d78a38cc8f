// What an edition prepares once for every reader with a profile (pure): the pool "Picked for you" draws from (the
// candidates new since the previous edition, plus the top of the ranking), its tf-idf term space and inverted index,
// and a cache of each profile paper's nearest pool papers. Invariant: built once per edition and ranking (daily,
// weekly); the per-reader work (scoreReader) then only reads it, so its cost does not grow with the audience.
import type { ScoredPaper } from './types.js';
import { buildTermSpace, createTerms, type PaperText, type Terms, type TermSpace } from './text-vectors.js';
import { buildPoolIndex, MAX_POOL, neighbours, NO_NEIGHBOURS, scoreReader, type Neighbours, type PoolIndex, type ProfileEntry } from './profile.js';
import type { PersonalOptions } from './select.js';

/** The top of the ranking that joins the pool besides the new papers: what trends may be picked too. */
export const POOL_TOP = 300;

/** A row of a reader's profile: a paper and what they said of it. */
export interface ProfileRow {
  paperId: string;
  signal: 1 | -1;
}

export interface PersonalEdition {
  readonly index: PoolIndex;
  readonly space: TermSpace;
  /** The term numbers the space was built with (profile papers are counted with them too). */
  readonly terms: Terms;
  /**
   * Readers' profile rows as scoring input, each paper's neighbours from the edition's cache. Papers not seen yet in
   * this edition are read first (`texts`: one call for all of them) and scored against the pool; ids without text are
   * remembered as empty. One lookup per row: a page's profiles are hundreds of thousands of rows at scale.
   */
  profilesOf(
    readers: ReadonlyMap<number, readonly ProfileRow[]>,
    texts: (ids: string[]) => ReadonlyMap<string, PaperText>,
  ): Map<number, ProfileEntry[]>;
  /** Whether a profile paper's scoring input is built already (profilesOf asks `texts` only for those that are not). */
  knows(paperId: string): boolean;
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
  // A neighbour word addresses MAX_POOL positions: past that (a first edition after months offline) the best-ranked stay.
  const withText = pool.filter((p) => texts.has(p.id)).slice(0, MAX_POOL);
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
  const entryFor = (k: { like: ProfileEntry; dislike: ProfileEntry }, signal: 1 | -1) => (signal === 1 ? k.like : k.dislike);
  return {
    index,
    space,
    terms,
    knows: (paperId) => known.has(paperId),
    profilesOf(readers, texts) {
      const out = new Map<number, ProfileEntry[]>();
      let missing: Set<string> | undefined;
      for (const [id, rows] of readers) {
        const list = new Array<ProfileEntry>(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          const k = known.get(r.paperId);
          if (k) list[i] = entryFor(k, r.signal);
          else (missing ??= new Set()).add(r.paperId);
        }
        out.set(id, list);
      }
      if (missing) {
        const asked = [...missing];
        const found = texts(asked);
        for (const id of asked) {
          const t = found.get(id);
          known.set(id, t ? entries(id, profileNeighbours(index, space, terms, t), t.title) : entries(id, NO_NEIGHBOURS, ''));
        }
        // Only the pages that brought papers not seen before (the first ones, mostly) take this second pass.
        for (const [id, list] of out) {
          const rows = readers.get(id)!;
          for (let i = 0; i < rows.length; i++) {
            if (list[i]) continue;
            list[i] = entryFor(known.get(rows[i]!.paperId)!, rows[i]!.signal);
          }
        }
      }
      return out;
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
  profile: readonly ProfileEntry[] | undefined,
  o: { pickedSize: number; size: number; alreadySent: ReadonlySet<string>; byId: ReadonlyMap<string, ScoredPaper> },
): PersonalOptions | undefined {
  if (!profile?.length) return undefined;
  const scores = scoreReader(edition.index, profile, { size: o.pickedSize + o.size }, o.alreadySent);
  return { scores, pickedSize: o.pickedSize, byId: o.byId };
}
