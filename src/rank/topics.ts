// "For you" matching: each distinct topic is matched once per edition (FTS5 bm25 or category), then blended
// with trending so that a relevant paper the crowd also likes comes first. Never once per subscriber.
import type { ScoredPaper, TrendParams } from './types.js';
import type { TopicMatches } from './select.js';

export interface TopicHit {
  id: string;
  relevance: number; // larger is better
}

/**
 * Blends relevance with trending: score = trendingScore · (1 + relevance / maxRelevance).
 * Only papers in the candidate window (present in `trendingById`) qualify.
 */
export function blendTopic(topic: string, hits: TopicHit[], trendingById: ReadonlyMap<string, ScoredPaper>): TopicMatches {
  const inWindow = hits.filter((h) => trendingById.has(h.id));
  const max = Math.max(1e-9, ...inWindow.map((h) => h.relevance));
  const papers = inWindow
    .map((h) => {
      const t = trendingById.get(h.id)!;
      // +1e-6 keeps a relevant paper with no votes yet above zero, still ordered by relevance.
      return { ...t, score: (t.score + 1e-6) * (1 + h.relevance / max) };
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return { topic, papers };
}

export type { TrendParams };
