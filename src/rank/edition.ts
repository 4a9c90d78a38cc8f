// Ranks one edition date from what the candidates repository reads: the candidate window, the global trending
// list as of the edition's cut-off, and "For you" matches computed once per distinct topic query (memoized),
// whatever the number of subscribers following it. Used by prepareEdition and by the `rank` CLI alike.
// Invariant: the ranking of a date is a function of the stored observations and of the date (and settings),
// never of the wall-clock time of the run: on the day at 07:00, at 09:00 or two days later it is the same.
import { DateTime } from 'luxon';
import { rankTrending } from './score.js';
import { blendTopic, parseTopic, type TopicHit, type TopicQuery } from './topics.js';
import type { Candidate, ScoredPaper, TopicMatches, TrendParams } from './types.js';

export interface RankSettings {
  candidateWindowDays: number;
  trend: TrendParams;
  /** DIGEST_TZ: an edition's date is a day in this zone. */
  timezone: string;
  /** The hour of DIGEST_CRON: when an edition is published on its date. */
  defaultHour: number;
}

export interface EditionWindow {
  /** The cut-off: the end of the edition's date in DIGEST_TZ. Observations made up to it count. */
  asOf: string;
  /** When the edition is published (the DIGEST_CRON hour on its date); estimates of late readings sit here. */
  publication: string;
  /** Papers that appeared after this instant (and by the cut-off) are candidates. */
  from: string;
}

export interface EditionRanking extends EditionWindow {
  date: string;
  candidates: Candidate[];
  trending: ScoredPaper[];
  byId: ReadonlyMap<string, ScoredPaper>;
  /** The topic's matches, best first (null when the topic has nothing to search for). Memoized per query. */
  topic(topic: string): TopicMatches | null;
  /** How many distinct topic queries have been run so far (shared with rankings derived by `withTrend`). */
  queriesRun(): number;
  /** The same candidates ranked with other trend parameters (the weekly edition), sharing the topic searches. */
  withTrend(trend: TrendParams): EditionRanking;
}

/**
 * The window of an edition date: candidates appeared in (from, asOf]; observations up to asOf count; scores
 * are computed at asOf. asOf is the end of the date in DIGEST_TZ, so every run for that date — on time, late,
 * a re-run — reads the same observations (later ones are ignored) and measures ages to the same instant.
 */
export function editionWindow(date: string, s: Pick<RankSettings, 'candidateWindowDays' | 'timezone' | 'defaultHour'>): EditionWindow {
  const day = DateTime.fromISO(date, { zone: s.timezone });
  if (!day.isValid) throw new Error(`invalid edition date or zone: ${date} ${s.timezone}`);
  return {
    asOf: day.endOf('day').toUTC().toISO()!,
    publication: day.set({ hour: s.defaultHour }).startOf('hour').toUTC().toISO()!,
    from: day.startOf('day').minus({ days: s.candidateWindowDays }).toUTC().toISO()!,
  };
}

/** Candidates and trending lists ranked elsewhere (rank/off-thread.ts), for the trend parameters they were ranked with. */
export interface Precomputed {
  candidates: Candidate[];
  trending: { trend: TrendParams; list: ScoredPaper[] }[];
}

/**
 * What the ranking reads, synchronously (SQLite: src/db/candidates-repo.ts): the candidate window with each paper's
 * observations, and the papers of a window matching a topic. The asynchronous twin is rank/edition-async.ts.
 */
export interface CandidateReader {
  /** Papers appeared in (from, to], in id order, each with its observations up to `asOf` (or its `late` one). */
  load(from: string, to: string, asOf: string): Candidate[];
  /** Papers of the window (from, to] matching a topic, unordered; relevance larger is better. */
  matchTopic(q: TopicQuery, from: string, to: string): TopicHit[];
}

export function rankEdition(repo: CandidateReader, date: string, s: RankSettings, pre?: Precomputed): EditionRanking {
  const w = editionWindow(date, s);
  const candidates = pre?.candidates ?? repo.load(w.from, w.asOf, w.asOf);
  // FTS5 hits depend on the window only, not on the trend parameters: shared by derived rankings.
  const hitsByQuery = new Map<string, TopicHit[]>();
  const hits = (q: NonNullable<ReturnType<typeof parseTopic>>) => {
    let h = hitsByQuery.get(q.key);
    if (!h) hitsByQuery.set(q.key, (h = repo.matchTopic(q, w.from, w.asOf)));
    return h;
  };
  const build = (trend: TrendParams): EditionRanking => {
    const trending =
      pre?.trending.find((t) => sameTrend(t.trend, trend))?.list ?? rankTrending(candidates, { asOf: new Date(w.asOf), publication: new Date(w.publication) }, trend);
    const byId = new Map(trending.map((p) => [p.id, p]));
    const byQuery = new Map<string, TopicMatches['papers']>();
    const byTopic = new Map<string, TopicMatches | null>();
    return {
      date,
      ...w,
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
            papers = blendTopic(topic, hits(q), byId).papers;
            byQuery.set(q.key, papers);
          }
          // Same matches, titled with the subscriber's own words ("LLM" and "llm" share one query).
          matches = { topic, papers };
        }
        byTopic.set(topic, matches);
        return matches;
      },
      queriesRun: () => hitsByQuery.size,
      withTrend: build,
    };
  };
  return build(s.trend);
}

function sameTrend(a: TrendParams, b: TrendParams): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof TrendParams>;
  for (const k of keys) if (!Object.is(a[k], b[k])) return false;
  return true;
}
