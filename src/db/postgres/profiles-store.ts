// The profiles area on PostgreSQL (see src/db/stores/profiles.ts): constant SQL texts. A reader's profile writes
// lock their subscriber row first (FOR UPDATE), which both answers "does the reader exist?" and serializes two writes
// of the same reader (two imports racing for the last places under the limit).
import type { PgPool } from './pool.js';
import { all, inTransaction, one } from './transaction.js';
import { planProfileImport } from '../stores/profile-rules.js';
import type { ProfileOrigin, ProfilePaperRow, ProfileSignal, ProfileStore } from '../stores/profiles.js';

const LIST = `SELECT pp.paper_id, pp.signal, pp.origin, coalesce(p.title, pp.title) AS title, p.id IS NOT NULL AS stored, pp.added_at
  FROM profile_papers pp LEFT JOIN papers p ON p.id = pp.paper_id WHERE pp.subscriber_id = $1 ORDER BY pp.added_at DESC, pp.paper_id`;
const SIGNAL = 'SELECT signal FROM profile_papers WHERE subscriber_id = $1 AND paper_id = $2';
const READER_LOCKED = 'SELECT id FROM subscribers WHERE id = $1 FOR UPDATE';
// "More like this" on a paper that was imported keeps its origin and date: the reader only confirmed it.
const SET_SIGNAL = `INSERT INTO profile_papers (subscriber_id, paper_id, signal, origin, added_at) VALUES ($1, $2, $3, 'email', $4)
  ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET signal = EXCLUDED.signal`;
const REMOVE = 'DELETE FROM profile_papers WHERE subscriber_id = $1 AND paper_id = $2';
const HELD = 'SELECT paper_id FROM profile_papers WHERE subscriber_id = $1';
// An import never overrides what the reader said from a digest (a paper marked "less like this" stays so).
const IMPORT = `INSERT INTO profile_papers (subscriber_id, paper_id, signal, origin, title, abstract, added_at)
  SELECT $1, p.paper_id, 1, $2, p.title, p.abstract, $3 FROM unnest($4::text[], $5::text[], $6::text[]) AS p (paper_id, title, abstract)
  ON CONFLICT (subscriber_id, paper_id) DO NOTHING`;

type ListRow = { paper_id: string; signal: ProfileSignal; origin: ProfileOrigin; title: string | null; stored: boolean; added_at: string };

export function createPostgresProfileStore(pool: PgPool): ProfileStore {
  return {
    async profilePapers(subscriberId): Promise<ProfilePaperRow[]> {
      const rows = await all<ListRow>(pool, LIST, [subscriberId]);
      return rows.map((r) => ({ paperId: r.paper_id, signal: r.signal, origin: r.origin, title: r.title, stored: r.stored, addedAt: r.added_at }));
    },
    profileSignal: async (subscriberId, paperId) => (await one<{ signal: ProfileSignal }>(pool, SIGNAL, [subscriberId, paperId]))?.signal ?? null,
    setProfileSignal: (subscriberId, paperId, signal, now) =>
      inTransaction(pool, async (c) => {
        if (!(await one(c, READER_LOCKED, [subscriberId]))) return undefined;
        const previous = (await one<{ signal: ProfileSignal }>(c, SIGNAL, [subscriberId, paperId]))?.signal ?? null;
        if (previous !== signal) {
          if (signal === null) await c.query(REMOVE, [subscriberId, paperId]);
          else await c.query(SET_SIGNAL, [subscriberId, paperId, signal, now]);
        }
        return { previous };
      }),
    removeProfilePaper: async (subscriberId, paperId) => ((await pool.query(REMOVE, [subscriberId, paperId])).rowCount ?? 0) > 0,
    importProfilePapers: (subscriberId, papers, origin, now) =>
      inTransaction(pool, async (c) => {
        if (!(await one(c, READER_LOCKED, [subscriberId]))) return undefined;
        const held = new Set((await all<{ paper_id: string }>(c, HELD, [subscriberId])).map((r) => r.paper_id));
        const { add, counts } = planProfileImport(held, papers);
        if (add.length)
          await c.query(IMPORT, [subscriberId, origin, now, add.map((p) => p.paperId), add.map((p) => p.title ?? null), add.map((p) => p.abstract ?? null)]);
        return counts;
      }),
  };
}
