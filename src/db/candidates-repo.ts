// Reads what ranking needs: the candidate papers of a window with their observation history, the papers
// matching a topic (FTS5 bm25 or arXiv category) inside that window, and, a page of subscribers at a time,
// their topics (what was sent to them: sent-papers-repo.ts). Statements are prepared once; nothing here writes.
import type { Db } from './open.js';
import type { Candidate, ObservationPoint } from '../rank/types.js';
import type { TopicHit, TopicQuery } from '../rank/topics.js';

/**
 * When a paper appeared to the community: its Daily Papers day (midnight UTC), else its arXiv date, else when
 * we first saw it. Migration 0003 indexes this exact expression, so keep the two in step.
 */
export const APPEARED_AT = `coalesce(p.daily_date || 'T00:00:00.000Z', p.published_at, p.first_seen_at)`;

// bm25 column weights (title, abstract, AI keywords): a topic in the title or keywords says more than a mention.
const BM25 = 'bm25(papers_fts, 10.0, 1.0, 5.0)';

export function createCandidatesRepo(db: Db) {
  const candidates = db.prepare<[string, string], { id: string; appeared_at: string; first_seen_at: string }>(
    `SELECT p.id, ${APPEARED_AT} AS appeared_at, p.first_seen_at FROM papers p
     WHERE ${APPEARED_AT} > ? AND ${APPEARED_AT} <= ? ORDER BY p.id`,
  );
  // IN (…) makes SQLite seek (paper_id, observed_at) in paper order, so the ORDER BY needs no sort.
  const observations = db.prepare<[string, string, string], ObservationPoint & { paper_id: string }>(
    `SELECT o.paper_id, o.observed_at AS observedAt, o.upvotes, o.comments, o.github_stars AS githubStars
     FROM observations o
     WHERE o.paper_id IN (SELECT p.id FROM papers p WHERE ${APPEARED_AT} > ? AND ${APPEARED_AT} <= ?) AND o.observed_at <= ?
     ORDER BY o.paper_id, o.observed_at, o.id`,
  );
  // A paper with no observation up to the cut-off (first read by a late run or a catch-up after downtime): its
  // earliest later observation, one index seek per such paper. Papers that never have counters (arXiv-only)
  // cost two seeks and return nothing.
  const lateObservations = db.prepare<[{ from: string; to: string; asOf: string }], ObservationPoint & { paper_id: string }>(
    `SELECT o.paper_id, o.observed_at AS observedAt, o.upvotes, o.comments, o.github_stars AS githubStars
     FROM papers p JOIN observations o ON o.id = (
       SELECT o2.id FROM observations o2 WHERE o2.paper_id = p.id AND o2.observed_at > @asOf ORDER BY o2.observed_at, o2.id LIMIT 1)
     WHERE ${APPEARED_AT} > @from AND ${APPEARED_AT} <= @to
       AND NOT EXISTS (SELECT 1 FROM observations o3 WHERE o3.paper_id = p.id AND o3.observed_at <= @asOf)`,
  );
  const ftsMatch = db.prepare<[string, string, string], { id: string; rank: number }>(
    `SELECT p.id, ${BM25} AS rank FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
     WHERE papers_fts MATCH ? AND ${APPEARED_AT} > ? AND ${APPEARED_AT} <= ?`,
  );
  const categoryMatch = db.prepare<[string, string, string], { id: string }>(
    `SELECT p.id FROM paper_categories c JOIN papers p ON p.id = c.paper_id
     WHERE c.category = ? AND ${APPEARED_AT} > ? AND ${APPEARED_AT} <= ?`,
  );
  // A page of subscribers is an id range (pages are read in id order), so one range query serves the whole page.
  const topicsInRange = db.prepare<[number, number], { subscriber_id: number; topic: string }>(
    'SELECT subscriber_id, topic FROM subscriber_topics WHERE subscriber_id > ? AND subscriber_id <= ? ORDER BY subscriber_id, topic',
  );
  return {
    /**
     * Papers that appeared in (from, to], each with its observations up to `asOf`, ascending; a paper with none
     * up to `asOf` carries its earliest later observation as `late` (never "0 upvotes" when the source said 92).
     */
    load(from: string, to: string, asOf: string): Candidate[] {
      const byId = new Map<string, Candidate>();
      for (const r of candidates.all(from, to))
        byId.set(r.id, { id: r.id, appearedAt: iso(r.appeared_at), firstSeenAt: iso(r.first_seen_at), observations: [] });
      for (const o of observations.iterate(from, to, asOf)) {
        byId.get(o.paper_id)?.observations.push({
          observedAt: o.observedAt,
          upvotes: o.upvotes,
          comments: o.comments,
          githubStars: o.githubStars,
        });
      }
      for (const o of lateObservations.iterate({ from, to, asOf })) {
        const c = byId.get(o.paper_id);
        if (c) c.late = { observedAt: o.observedAt, upvotes: o.upvotes, comments: o.comments, githubStars: o.githubStars };
      }
      return [...byId.values()];
    },

    /** Papers of the window (from, to] matching a topic; relevance is bm25 flipped so that larger is better. */
    matchTopic(q: TopicQuery, from: string, to: string): TopicHit[] {
      if (q.kind === 'category') return categoryMatch.all(q.category, from, to).map((r) => ({ id: r.id, relevance: 1 }));
      return ftsMatch.all(q.phrase, from, to).map((r) => ({ id: r.id, relevance: -r.rank }));
    },

    /** Topics of every subscriber with an id in (afterId, lastId], in topic order. */
    topicsOf(afterId: number, lastId: number): Map<number, string[]> {
      const out = new Map<number, string[]>();
      for (const r of topicsInRange.iterate(afterId, lastId)) {
        const list = out.get(r.subscriber_id);
        if (list) list.push(r.topic);
        else out.set(r.subscriber_id, [r.topic]);
      }
      return out;
    },
  };
}

export type CandidatesRepo = ReturnType<typeof createCandidatesRepo>;

// Stored times come from several sources; one ISO form keeps string comparison (and the tie-break) exact.
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
function iso(s: string): string {
  if (CANONICAL.test(s)) return s;
  const t = Date.parse(s);
  return Number.isNaN(t) ? s : new Date(t).toISOString();
}
