// "For you" topics (pure): what a followed topic means as a query, and how its matches blend with trending.
// Invariant: user text never reaches FTS5 as syntax, and a topic is matched once per edition, not per subscriber
// (topics that normalize to the same query share one match).
import { compareScored } from './score.js';
import type { ScoredPaper, TopicMatches } from './types.js';

export type TopicQuery =
  | { kind: 'category'; key: string; category: string }
  | { kind: 'phrase'; key: string; phrase: string };

export interface TopicHit {
  id: string;
  relevance: number; // larger is better
}

// arXiv archives with subject classes ("cs.CL"), and those without, which have no dot ("hep-th", "gr-qc").
// Only these read as categories, so "node.js" stays a phrase.
const DOTTED_ARCHIVES = new Set(['astro-ph', 'cond-mat', 'cs', 'econ', 'eess', 'math', 'nlin', 'physics', 'q-bio', 'q-fin', 'stat']);
const UNDOTTED_ARCHIVES = new Set(['hep-th', 'hep-ph', 'hep-ex', 'hep-lat', 'gr-qc', 'quant-ph', 'nucl-th', 'nucl-ex', 'math-ph']);
const CATEGORY = /^([a-z]+(?:-[a-z]+)?)\.([a-z]+(?:-[a-z]+)?)$/i;

/**
 * "cs.CL" / "cs.cl" → the category cs.CL; anything else → an FTS5 phrase over its words ("Long-Context" →
 * "long context"). Null when the topic has no word to search for.
 */
export function parseTopic(topic: string): TopicQuery | null {
  const t = topic.trim();
  const m = CATEGORY.exec(t);
  if (m && DOTTED_ARCHIVES.has(m[1]!.toLowerCase())) {
    // arXiv writes two-letter subject classes in capitals (cs.CL, astro-ph.GA), longer ones in lower case (cond-mat.soft).
    const subject = m[2]!.length === 2 ? m[2]!.toUpperCase() : m[2]!.toLowerCase();
    const category = `${m[1]!.toLowerCase()}.${subject}`;
    return { kind: 'category', key: `category:${category}`, category };
  }
  if (UNDOTTED_ARCHIVES.has(t.toLowerCase())) return { kind: 'category', key: `category:${t.toLowerCase()}`, category: t.toLowerCase() };
  const phrase = ftsPhrase(t);
  return phrase ? { kind: 'phrase', key: `phrase:${phrase}`, phrase } : null;
}

/** A topic as an FTS5 phrase query: only its letters and digits, quoted, so no operator can slip in. */
export function ftsPhrase(topic: string): string | null {
  const words = topic
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  return words.length ? `"${words.join(' ')}"` : null;
}

/** Keeps a relevant paper that nobody has voted on yet above zero, so it still ranks by relevance. */
const TREND_FLOOR = 1e-6;

/**
 * Blends relevance with trending: score = (trendingScore + ε) · (1 + relevance), relevance = bm25 / best bm25
 * of this topic, in (0, 1]. The best-matching paper gets at most twice its trending score, so a paper the
 * crowd picks up fast still wins over a slightly better match nobody reads. Only candidates (papers in
 * `trendingById`) qualify. Order: blended score, then the trending order (deterministic).
 */
export function blendTopic(topic: string, hits: readonly TopicHit[], trendingById: ReadonlyMap<string, ScoredPaper>): TopicMatches {
  let best = 0;
  for (const h of hits) if (trendingById.has(h.id) && h.relevance > best) best = h.relevance;
  const papers = [];
  for (const h of hits) {
    const paper = trendingById.get(h.id);
    if (!paper) continue;
    const relevance = best > 0 ? Math.max(0, h.relevance) / best : 1;
    papers.push({ paper, relevance, score: (paper.score + TREND_FLOOR) * (1 + relevance) });
  }
  papers.sort((a, b) => b.score - a.score || compareScored(a.paper, b.paper));
  return { topic, papers };
}
