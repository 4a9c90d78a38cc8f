// The editions area's archive reads on PostgreSQL (see src/db/stores/editions.ts): constant SQL texts; a snapshot
// comes back from jsonb already parsed.
import type { PgPool } from './pool.js';
import { all, one } from './transaction.js';
import type { ArchivedEdition, EditionStore, ReadyEditionListing } from '../stores/editions.js';

const LIST = "SELECT date, subject FROM editions WHERE status = 'ready' ORDER BY date DESC LIMIT $1 OFFSET $2";
const COUNT = "SELECT count(*) AS n FROM editions WHERE status = 'ready'";
const BEFORE = "SELECT date FROM editions WHERE date < $1 AND status = 'ready' ORDER BY date DESC LIMIT 1";
const AFTER = "SELECT date FROM editions WHERE date > $1 AND status = 'ready' ORDER BY date LIMIT 1";
const EDITION = "SELECT id, date, subject, prepared_at FROM editions WHERE date = $1 AND status = 'ready'";
const EDITION_BY_ID = "SELECT id, date, subject, prepared_at FROM editions WHERE id = $1 AND status = 'ready'";
const PAPERS = 'SELECT paper_id, rank, reason, snapshot_json FROM edition_papers WHERE edition_id = $1 ORDER BY rank';

const SELECTION = 'SELECT selection_json, kind FROM deliveries WHERE edition_id = $1 AND subscriber_id = $2';

type Head = { id: number; date: string; subject: string; prepared_at: string };

export function createPostgresEditionStore(pool: PgPool): EditionStore {
  const withPapers = async (e: Head | undefined): Promise<ArchivedEdition | undefined> => {
    if (!e) return undefined;
    const papers = await all<{ paper_id: string; rank: number; reason: string; snapshot_json: unknown }>(pool, PAPERS, [e.id]);
    return {
      id: e.id,
      date: e.date,
      subject: e.subject,
      preparedAt: e.prepared_at,
      papers: papers.map((p) => ({ paperId: p.paper_id, rank: p.rank, reason: p.reason, snapshot: p.snapshot_json })),
    };
  };
  return {
    readyEditions: (limit, offset = 0) => all<ReadyEditionListing>(pool, LIST, [limit, offset]),
    countReadyEditions: async () => (await one<{ n: number }>(pool, COUNT))!.n,
    adjacentReadyEdition: async (date, side) => (await one<{ date: string }>(pool, side === 'before' ? BEFORE : AFTER, [date]))?.date,
    readyEdition: async (date) => withPapers(await one<Head>(pool, EDITION, [date])),
    readyEditionById: async (id) => withPapers(await one<Head>(pool, EDITION_BY_ID, [id])),
    async readerSelection(editionId, subscriberId) {
      const d = await one<{ selection_json: unknown; kind: 'daily' | 'weekly' }>(pool, SELECTION, [editionId, subscriberId]);
      return d && { sections: d.selection_json, kind: d.kind };
    },
  };
}
