// Reads what ranking needs: candidate papers in a window with their observation history, and FTS topic matches.
import type { Db } from './open.js';
import type { Candidate, ObservationPoint } from '../rank/types.js';

export function createCandidatesRepo(db: Db) {
  // A paper "appeared" on its Daily Papers day (midnight UTC), else when we first saw it.
  const appeared = `coalesce(p.daily_date || 'T00:00:00.000Z', p.first_seen_at)`;
  const candidates = db.prepare<[string, string], { id: string; appeared_at: string }>(
    `SELECT p.id, ${appeared} AS appeared_at FROM papers p
     WHERE ${appeared} > ? AND ${appeared} <= ? ORDER BY p.id`,
  );
  const observations = db.prepare<[string, string, string], ObservationPoint & { paper_id: string }>(
    `SELECT o.paper_id, o.observed_at AS observedAt, o.upvotes, o.comments, o.github_stars AS githubStars
     FROM observations o JOIN papers p ON p.id = o.paper_id
     WHERE ${appeared} > ? AND ${appeared} <= ? AND o.observed_at <= ?
     ORDER BY o.paper_id, o.observed_at, o.id`,
  );
  const ftsMatch = db.prepare<[string], { id: string; rank: number }>(
    `SELECT p.id, bm25(papers_fts, 10.0, 1.0, 5.0) AS rank FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
     WHERE papers_fts MATCH ? ORDER BY rank`,
  );
  const categoryMatch = db.prepare<[string], { id: string }>('SELECT paper_id AS id FROM paper_categories WHERE category = ?');

  return {
    /** Papers that appeared in (from, to], with observations up to `asOf`, in one pass over two queries. */
    load(from: string, to: string, asOf: string): Candidate[] {
      const byId = new Map<string, Candidate>();
      for (const r of candidates.all(from, to)) byId.set(r.id, { id: r.id, appearedAt: r.appeared_at, observations: [] });
      for (const o of observations.iterate(from, to, asOf)) {
        byId.get(o.paper_id)?.observations.push({
          observedAt: o.observedAt,
          upvotes: o.upvotes,
          comments: o.comments,
          githubStars: o.githubStars,
        });
      }
      return [...byId.values()];
    },
    /** Papers matching a topic: an arXiv category ("cs.CL") or a phrase searched with FTS5, best first (bm25). */
    matchTopic(topic: string): { id: string; relevance: number }[] {
      if (isCategory(topic)) return categoryMatch.all(topic).map((r) => ({ id: r.id, relevance: 1 }));
      const query = ftsPhrase(topic);
      if (!query) return [];
      // bm25 is negative, more negative = better; flip it so larger is better.
      return ftsMatch.all(query).map((r) => ({ id: r.id, relevance: -r.rank }));
    },
  };
}

export type CandidatesRepo = ReturnType<typeof createCandidatesRepo>;

export function isCategory(topic: string): boolean {
  return /^[a-z-]+(\.[A-Za-z-]+)?$/.test(topic) && topic.includes('.');
}

/** A topic phrase as an FTS5 phrase query: user text never reaches MATCH as syntax. */
export function ftsPhrase(topic: string): string | null {
  const words = topic
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (!words.length) return null;
  return `"${words.join(' ')}"`;
}
