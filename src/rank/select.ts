// Personal selection (pure): the top trending papers this subscriber has not had yet, then one "For you"
// section per followed topic. Invariant: no paper appears twice within a digest, and a paper already sent to
// the subscriber is never selected again, except under RESEND_STILL_TRENDING (see SelectOptions).
// Cost per subscriber: O(size + topics·sectionSize + papers skipped as already sent), never O(all papers).
import type { ScoredPaper, TopicMatches } from './types.js';

export interface SelectedPaper {
  id: string;
  reason: string;
}

export interface Section {
  kind: 'trending' | 'topic';
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

export function selectForSubscriber(trending: readonly ScoredPaper[], topics: readonly TopicMatches[], o: SelectOptions): Section[] {
  const used = new Set<string>();
  const sections: Section[] = [];

  const top: SelectedPaper[] = [];
  for (let i = 0; i < trending.length && top.length < o.size; i++) {
    const p = trending[i]!;
    if (o.alreadySent.has(p.id)) {
      if (!(o.resendStillTrending && i < o.size && isStillTrending(p))) continue;
      top.push({ id: p.id, reason: `still trending: ${p.reason}` });
    } else {
      top.push({ id: p.id, reason: p.reason });
    }
    used.add(p.id);
  }
  if (top.length) sections.push({ kind: 'trending', title: 'Top trending', papers: top });

  for (const t of topics) {
    const papers: SelectedPaper[] = [];
    for (const m of t.papers) {
      if (papers.length >= o.topicSectionSize) break;
      if (used.has(m.paper.id) || o.alreadySent.has(m.paper.id)) continue;
      used.add(m.paper.id);
      papers.push({ id: m.paper.id, reason: topicReason(t.topic, m.paper) });
    }
    if (papers.length) sections.push({ kind: 'topic', title: `For you: ${t.topic}`, topic: t.topic, papers });
  }
  return sections;
}

/** Gaining since an earlier observation (not merely since it appeared): the crowd is still picking it up. */
export function isStillTrending(p: ScoredPaper): boolean {
  return p.parts.fact?.since === 'observation';
}

/** "matches: long context · +12 upvotes in 24 h": why it is here, then how the crowd takes it when we know. */
export function topicReason(topic: string, p: ScoredPaper): string {
  return p.parts.fact ? `matches: ${topic} · ${p.reason}` : `matches: ${topic}`;
}
