// Personal selection (pure): the top trending papers this subscriber has not had yet, then, for a reader with a
// profile, "Picked for you", then one "For you" section per followed topic. Invariant: no paper appears twice within
// a digest, and a paper already sent to the subscriber is never selected again, except under RESEND_STILL_TRENDING
// (see SelectOptions); without a profile (`personal` absent) the selection is exactly what it always was.
// Cost per subscriber: O(size + topics·sectionSize + papers skipped as already sent), never O(all papers); a profile
// adds its sparse scoring over the edition's pool (rank/profile.ts).
import type { ScoredPaper, TopicMatches } from './types.js';
import type { ReaderScores } from './profile.js';

export interface SelectedPaper {
  id: string;
  reason: string;
}

export interface Section {
  kind: 'trending' | 'picked' | 'topic';
  title: string;
  topic?: string;
  papers: SelectedPaper[];
}

export interface SelectOptions {
  size: number;
  topicSectionSize: number;
  /** Papers already sent to this subscriber in earlier editions. */
  alreadySent: ReadonlySet<string>;
  /**
   * RESEND_STILL_TRENDING: a paper already sent may come back in "Top trending" (never in a "For you"
   * section) while it is still trending: in the global top `size` of this edition, and still gaining since
   * an observation about a day old (see isStillTrending).
   */
  resendStillTrending?: boolean;
}

/** A reader's profile, scored for this edition (rank/profile.ts scoreReader). */
export interface PersonalOptions {
  scores: ReaderScores;
  /** PICKED_SECTION_SIZE: papers in "Picked for you". */
  pickedSize: number;
  /** The edition's ranking by id (a picked paper's trending reason). */
  byId: ReadonlyMap<string, ScoredPaper>;
}

export const PICKED_TITLE = 'Picked for you';
/** "Less like this" reorders this many times a section's size from the top of its list (the rest stays below). */
const DEMOTE_WINDOW = 3;

export function selectForSubscriber(
  trending: readonly ScoredPaper[],
  topics: readonly TopicMatches[],
  o: SelectOptions,
  personal?: PersonalOptions,
): Section[] {
  const used = new Set<string>();
  const sections: Section[] = [];
  // "Less like this" reorders the top of each section; a reader who marked nothing keeps every list as it is.
  const demote = personal?.scores.demotes ? personal.scores : null;

  // Top trending: the first `size` eligible papers; "less like this" reorders the first few sizes of them.
  const eligible: { p: ScoredPaper; reason: string }[] = [];
  const want = demote ? o.size * DEMOTE_WINDOW : o.size;
  for (let i = 0; i < trending.length && eligible.length < want; i++) {
    const p = trending[i]!;
    if (o.alreadySent.has(p.id)) {
      if (!(o.resendStillTrending && i < o.size && isStillTrending(p))) continue;
      eligible.push({ p, reason: `still trending: ${p.reason}` });
    } else {
      eligible.push({ p, reason: p.reason });
    }
  }
  const top = (demote ? demoted(eligible, eligibleId, eligibleScore, demote) : eligible).slice(0, o.size);
  for (const e of top) used.add(e.p.id);
  if (top.length) sections.push({ kind: 'trending', title: 'Top trending', papers: top.map((e) => ({ id: e.p.id, reason: e.reason })) });

  if (personal) {
    const papers: SelectedPaper[] = [];
    for (const c of personal.scores.picked) {
      if (papers.length >= personal.pickedSize) break;
      if (used.has(c.id) || o.alreadySent.has(c.id)) continue;
      used.add(c.id);
      // The crowd's part of the reason, when there is one: "like a paper you saved: “A” · +12 upvotes in 24 h".
      const p = personal.byId.get(c.id);
      const why = personal.scores.reason(c.id);
      papers.push({ id: c.id, reason: p?.parts.fact ? `${why} · ${p.reason}` : why });
    }
    if (papers.length) sections.push({ kind: 'picked', title: PICKED_TITLE, papers });
  }

  for (const t of topics) {
    const papers: SelectedPaper[] = [];
    const window = demote ? o.topicSectionSize * DEMOTE_WINDOW : o.topicSectionSize;
    const matches: TopicMatches['papers'] = [];
    for (const m of t.papers) {
      if (matches.length >= window) break;
      if (used.has(m.paper.id) || o.alreadySent.has(m.paper.id)) continue;
      matches.push(m);
    }
    for (const m of (demote ? demoted(matches, matchId, matchScore, demote) : matches).slice(0, o.topicSectionSize)) {
      used.add(m.paper.id);
      papers.push({ id: m.paper.id, reason: topicReason(t.topic, m.paper) });
    }
    if (papers.length) sections.push({ kind: 'topic', title: `For you: ${t.topic}`, topic: t.topic, papers });
  }
  return sections;
}

// The keys `demoted` reads, as functions made once (not per reader and list).
const eligibleId = (e: { p: ScoredPaper }) => e.p.id;
const eligibleScore = (e: { p: ScoredPaper }) => e.p.score;
const matchId = (m: TopicMatches['papers'][number]) => m.paper.id;
const matchScore = (m: TopicMatches['papers'][number]) => m.score;

/** A list reordered by score × its "less like this" factor; equal products keep their order (a stable sort). */
function demoted<T>(items: readonly T[], id: (x: T) => string, score: (x: T) => number, scores: Pick<ReaderScores, 'demotion'>): readonly T[] {
  // + ε: papers nobody voted on yet (score 0) are still told apart by how much they resemble the disliked ones.
  const s = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) s[i] = (score(items[i]!) + 1e-6) * scores.demotion(id(items[i]!));
  // Most lists hold nothing like the disliked papers, and come in score order: then nothing moves.
  let ordered = true;
  for (let i = 1; i < s.length && ordered; i++) ordered = s[i - 1]! >= s[i]!;
  if (ordered) return items;
  return items
    .map((x, i) => ({ x, i }))
    .sort((a, b) => s[b.i]! - s[a.i]! || a.i - b.i)
    .map((e) => e.x);
}

/** Gaining since an earlier observation (not merely since it appeared): the crowd is still picking it up. */
export function isStillTrending(p: ScoredPaper): boolean {
  return p.parts.fact?.since === 'observation';
}

/** "matches: long context · +12 upvotes in 24 h": why it is here, then how the crowd takes it when we know. */
export function topicReason(topic: string, p: ScoredPaper): string {
  return p.parts.fact ? `matches: ${topic} · ${p.reason}` : `matches: ${topic}`;
}
