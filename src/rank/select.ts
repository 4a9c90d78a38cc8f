// Personal selection (pure): the top trending papers this subscriber has not had yet, then one
// "For you" section per followed topic. No paper appears twice within a digest.
import type { ScoredPaper } from './types.js';

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

export interface TopicMatches {
  topic: string;
  /** Papers matching the topic, best first, each with its blended score; computed once per topic. */
  papers: ScoredPaper[];
}

export interface SelectOptions {
  size: number;
  topicSectionSize: number;
  /** Papers already sent to this subscriber (ignored when resendStillTrending says so). */
  alreadySent: ReadonlySet<string>;
}

export function selectForSubscriber(trending: readonly ScoredPaper[], topics: readonly TopicMatches[], o: SelectOptions): Section[] {
  const used = new Set<string>();
  const take = (list: readonly ScoredPaper[], n: number, reason: (p: ScoredPaper) => string): SelectedPaper[] => {
    const out: SelectedPaper[] = [];
    for (const p of list) {
      if (out.length >= n) break;
      if (used.has(p.id) || o.alreadySent.has(p.id)) continue;
      used.add(p.id);
      out.push({ id: p.id, reason: reason(p) });
    }
    return out;
  };
  const sections: Section[] = [];
  const top = take(trending, o.size, (p) => p.reason);
  if (top.length) sections.push({ kind: 'trending', title: 'Top trending', papers: top });
  for (const t of topics) {
    const papers = take(t.papers, o.topicSectionSize, () => `matches: ${t.topic}`);
    if (papers.length) sections.push({ kind: 'topic', title: `For you: ${t.topic}`, topic: t.topic, papers });
  }
  return sections;
}
