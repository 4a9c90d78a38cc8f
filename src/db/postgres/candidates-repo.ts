// The ranking's candidate reader on PostgreSQL (SQLite: src/db/candidates-repo.ts `load`): the papers of a window with
// their observation history up to the cut-off, or the earliest later one for a paper with none by then. The three
// reads share one snapshot (REPEATABLE READ), so an ingest committing meanwhile cannot split a paper from its history.
// papers.appeared_at is the generated twin of SQLite's APPEARED_AT expression; ids and times compare alike (COLLATE "C",
// timestamptz read back as ISO strings with ms).
import type { PgPool } from './pool.js';
import { inReadSnapshot } from './transaction.js';
import { createPgTopicsRepo } from './topics-repo.js';
import type { AsyncCandidateReader } from '../../rank/edition-async.js';
import type { Candidate, ObservationPoint } from '../../rank/types.js';

const CANDIDATES = {
  name: 'candidates.window',
  text: 'SELECT id, appeared_at, first_seen_at FROM papers WHERE appeared_at > $1 AND appeared_at <= $2 ORDER BY id',
};
const OBSERVATIONS = {
  name: 'candidates.observations',
  text: `SELECT o.paper_id, o.observed_at AS "observedAt", o.upvotes, o.comments, o.github_stars AS "githubStars"
         FROM observations o JOIN papers p ON p.id = o.paper_id
         WHERE p.appeared_at > $1 AND p.appeared_at <= $2 AND o.observed_at <= $3
         ORDER BY o.paper_id, o.observed_at, o.id`,
};
const LATE = {
  name: 'candidates.late',
  text: `SELECT DISTINCT ON (o.paper_id) o.paper_id, o.observed_at AS "observedAt", o.upvotes, o.comments, o.github_stars AS "githubStars"
         FROM papers p JOIN observations o ON o.paper_id = p.id AND o.observed_at > $3
         WHERE p.appeared_at > $1 AND p.appeared_at <= $2
           AND NOT EXISTS (SELECT 1 FROM observations o3 WHERE o3.paper_id = p.id AND o3.observed_at <= $3)
         ORDER BY o.paper_id, o.observed_at, o.id`,
};

type Row = ObservationPoint & { paper_id: string };

export function createPgCandidateReader(pool: PgPool): AsyncCandidateReader {
  const topics = createPgTopicsRepo(pool);
  const point = (o: Row): ObservationPoint => ({ observedAt: o.observedAt, upvotes: o.upvotes, comments: o.comments, githubStars: o.githubStars });
  return {
    async load(from, to, asOf) {
      return inReadSnapshot(pool, async (c) => {
        const byId = new Map<string, Candidate>();
        const papers = await c.query<{ id: string; appeared_at: string; first_seen_at: string }>({ ...CANDIDATES, values: [from, to] });
        for (const r of papers.rows) byId.set(r.id, { id: r.id, appearedAt: r.appeared_at, firstSeenAt: r.first_seen_at, observations: [] });
        for (const o of (await c.query<Row>({ ...OBSERVATIONS, values: [from, to, asOf] })).rows) byId.get(o.paper_id)?.observations.push(point(o));
        for (const o of (await c.query<Row>({ ...LATE, values: [from, to, asOf] })).rows) {
          const cand = byId.get(o.paper_id);
          if (cand) cand.late = point(o);
        }
        return [...byId.values()];
      });
    },
    matchTopic: (q, from, to) => topics.matchTopic(q, from, to),
  };
}
