// Ranks one edition date from what the candidates repository reads: the candidate window, the global trending
// list as of the edition's cut-off, and "For you" matches computed once per distinct topic query (memoized),
// whatever the number of subscribers following it. Used by prepareEdition and by the `rank` CLI alike.
import type { CandidatesRepo } from '../db/candidates-repo.js';
import { rankTrending } from './score.js';
import { blendTopic, parseTopic } from './topics.js';
import type { Candidate, ScoredPaper, TopicMatches, TrendParams } from './types.js';

export interface RankSettings {
  candidateWindowDays: number;
  trend: TrendParams;
}

export interface EditionRanking {
  date: string;
  /** Observations and papers up to this instant count: the end of the edition's day (UTC), or now if earlier. */
  asOf: string;
  /** Papers that appeared after this instant are candidates. */
  from: string;
  candidates: Candidate[];
  trending: ScoredPaper[];
  byId: ReadonlyMap<string, ScoredPaper>;
  /** The topic's matches, best first (null when the topic has nothing to search for). Memoized per query. */
  topic(topic: string): TopicMatches | null;
  /** How many distinct topic queries have been run so far. */
  queriesRun(): number;
}

const DAY = 86_400_000;

export function editionWindow(date: string, now: Date, candidateWindowDays: number): { asOf: string; from: string } {
  const endOfDay = `${date}T23:59:59.999Z`;
  const nowIso = now.toISOString();
  return {
    asOf: nowIso < endOfDay ? nowIso : endOfDay,
    from: new Date(Date.parse(`${date}T00:00:00.000Z`) - candidateWindowDays * DAY).toISOString(),
  };
}

export function rankEdition(repo: Pick<CandidatesRepo, 'load' | 'matchTopic'>, date: string, now: Date, s: RankSettings): EditionRanking {
  const { asOf, from } = editionWindow(date, now, s.candidateWindowDays);
  const candidates = repo.load(from, asOf, asOf);
  const trending = rankTrending(candidates, new Date(asOf), s.trend);
  const byId = new Map(trending.map((p) => [p.id, p]));
  const byQuery = new Map<string, TopicMatches['papers']>();
  const byTopic = new Map<string, TopicMatches | null>();
  return {
    date,
    asOf,
    from,
    candidates,
    trending,
    byId,
    topic(topic) {
      const known = byTopic.get(topic);
      if (known !== undefined) return known;
      const q = parseTopic(topic);
      let matches: TopicMatches | null = null;
      if (q) {
        let papers = byQuery.get(q.key);
        if (!papers) {
          papers = blendTopic(topic, repo.matchTopic(q, from, asOf), byId).papers;
          byQuery.set(q.key, papers);
        }
        // Same matches, titled with the subscriber's own words ("LLM" and "llm" share one query).
        matches = { topic, papers };
      }
      byTopic.set(topic, matches);
      return matches;
    },
    queriesRun: () => byQuery.size,
  };
}
