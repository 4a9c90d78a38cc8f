// The ranking of an edition date over an asynchronous candidate reader (PostgreSQL: src/db/postgres/candidates-repo.ts).
// The ranking itself is rankEdition's, unchanged: the candidates are loaded first, and a topic's matches are read
// before the readers who follow it are selected (`loadTopics`, once per distinct query), so that the synchronous
// ranking finds every query it is asked for already answered. Same answers as on SQLite for the same rows, up to
// how each engine's full-text search scores a phrase.
import { editionWindow, rankEdition, type EditionRanking, type RankSettings } from './edition.js';
import { parseTopic, type TopicHit, type TopicQuery } from './topics.js';
import type { Candidate } from './types.js';

export interface AsyncCandidateReader {
  load(from: string, to: string, asOf: string): Promise<Candidate[]>;
  matchTopic(q: TopicQuery, from: string, to: string): Promise<TopicHit[]>;
}

export interface LoadedRanking {
  ranking: EditionRanking;
  /** Reads the matches of every query among `topics` not read yet (the ranking's `topic()` needs them read). */
  loadTopics(topics: Iterable<string>): Promise<void>;
}

export async function rankEditionAsync(reader: AsyncCandidateReader, date: string, s: RankSettings): Promise<LoadedRanking> {
  const w = editionWindow(date, s);
  const candidates = await reader.load(w.from, w.asOf, w.asOf);
  const hits = new Map<string, TopicHit[]>();
  const ranking = rankEdition(
    {
      load: () => candidates,
      matchTopic(q) {
        const h = hits.get(q.key);
        if (!h) throw new Error(`the matches of topic query ${q.key} were not loaded first`);
        return h;
      },
    },
    date,
    s,
  );
  return {
    ranking,
    async loadTopics(topics) {
      for (const t of topics) {
        const q = parseTopic(t);
        if (q && !hits.has(q.key)) hits.set(q.key, await reader.matchTopic(q, w.from, w.asOf));
      }
    },
  };
}
