// Topic matching on PostgreSQL ("for you" sections): the papers of a candidate window matching a followed topic,
// with a relevance (larger is better), as createCandidatesRepo(db).matchTopic does with FTS5 on SQLite.
// Invariant: user text reaches PostgreSQL only as a bound parameter of phraseto_tsquery (a phrase of plain words,
// no query syntax); the field weights mirror bm25(title 10, keywords 5, abstract 1).
import type { TopicHit, TopicQuery } from '../../rank/topics.js';
import type { PgPool } from './pool.js';

/** Weights {D, C, B, A}: abstract (C) 0.1, AI keywords (B) 0.5, title (A) 1.0, as bm25's 1 : 5 : 10. */
export const RANK_WEIGHTS = '{0, 0.1, 0.5, 1.0}';

/**
 * ts_rank_cd, not ts_rank: ts_rank scores a phrase query by its words wherever they stand (a title with "AI-Generated
 * Video … Generators" ranked first for "video generation", which that paper says only in its abstract), while
 * ts_rank_cd scores the phrase's own occurrences (covers) by the weight of their field, as bm25 counts phrase hits. Normalization 1 divides by 1 + log(length), the
 * counterpart of bm25's length normalization. On the real fixture week the two engines agree (tests/postgres/topics.test.ts).
 */
export const RELEVANCE = `ts_rank_cd('${RANK_WEIGHTS}', p.search, q.query, 1)`;

// Named statements: node-postgres prepares each once per connection and reuses it afterwards.
const PHRASE = {
  name: 'topics.match_phrase',
  text: `SELECT p.id, ${RELEVANCE} AS relevance
         FROM papers p, phraseto_tsquery('english', search_words($1)) AS q(query)
         WHERE p.search @@ q.query AND p.appeared_at > $2 AND p.appeared_at <= $3`,
};
const CATEGORY = {
  name: 'topics.match_category',
  text: `SELECT p.id FROM paper_categories c JOIN papers p ON p.id = c.paper_id
         WHERE c.category = $1 AND p.appeared_at > $2 AND p.appeared_at <= $3`,
};

export function createPgTopicsRepo(pool: PgPool) {
  return {
    /**
     * Papers that appeared in (from, to] (ISO times) matching the topic: a phrase by full-text search ranked with
     * ts_rank_cd, an arXiv category by paper_categories (relevance 1). Unordered, like the SQLite twin.
     */
    async matchTopic(q: TopicQuery, from: string, to: string): Promise<TopicHit[]> {
      if (q.kind === 'category') {
        const { rows } = await pool.query<{ id: string }>({ ...CATEGORY, values: [q.category, from, to] });
        return rows.map((r) => ({ id: r.id, relevance: 1 }));
      }
      // The phrase goes through search_words() like the indexed text, so its words split where the papers' do.
      const { rows } = await pool.query<{ id: string; relevance: number }>({ ...PHRASE, values: [q.phrase, from, to] });
      return rows.map((r) => ({ id: r.id, relevance: r.relevance }));
    },
  };
}

export type PgTopicsRepo = ReturnType<typeof createPgTopicsRepo>;
