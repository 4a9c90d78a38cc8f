// The editions area's archive reads on SQLite (see src/db/stores/editions.ts); statements prepared once.
import type { Db } from '../open.js';
import type { ArchivedEdition, EditionStore, ReadyEditionListing } from '../stores/editions.js';

export function createSqliteEditionStore(db: Db): EditionStore {
  const list = db.prepare<[number, number], ReadyEditionListing>(
    "SELECT date, subject FROM editions WHERE status = 'ready' ORDER BY date DESC LIMIT ? OFFSET ?",
  );
  const count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM editions WHERE status = 'ready'");
  const before = db.prepare<[string], { date: string }>("SELECT date FROM editions WHERE date < ? AND status = 'ready' ORDER BY date DESC LIMIT 1");
  const after = db.prepare<[string], { date: string }>("SELECT date FROM editions WHERE date > ? AND status = 'ready' ORDER BY date LIMIT 1");
  const papers = db.prepare<[number], { paper_id: string; rank: number; reason: string; snapshot_json: string }>(
    'SELECT paper_id, rank, reason, snapshot_json FROM edition_papers WHERE edition_id = ? ORDER BY rank',
  );
  type Head = { id: number; date: string; subject: string; prepared_at: string };
  const edition = db.prepare<[string], Head>("SELECT id, date, subject, prepared_at FROM editions WHERE date = ? AND status = 'ready'");
  const editionById = db.prepare<[number], Head>("SELECT id, date, subject, prepared_at FROM editions WHERE id = ? AND status = 'ready'");
  const withPapers = (e: Head | undefined): ArchivedEdition | undefined =>
    e && {
      id: e.id,
      date: e.date,
      subject: e.subject,
      preparedAt: e.prepared_at,
      papers: papers.all(e.id).map((p) => ({ paperId: p.paper_id, rank: p.rank, reason: p.reason, snapshot: parseStoredJson(p.snapshot_json) })),
    };
  const selection = db.prepare<[number, number], { selection_json: string; kind: 'daily' | 'weekly' }>(
    'SELECT selection_json, kind FROM deliveries WHERE edition_id = ? AND subscriber_id = ?',
  );
  return {
    readyEditions: async (limit, offset = 0) => list.all(limit, offset),
    countReadyEditions: async () => count.get()!.n,
    adjacentReadyEdition: async (date, side) => (side === 'before' ? before : after).get(date)?.date,
    readyEdition: async (date) => withPapers(edition.get(date)),
    readyEditionById: async (id) => withPapers(editionById.get(id)),
    async readerSelection(editionId, subscriberId) {
      const d = selection.get(editionId, subscriberId);
      return d && { sections: parseStoredJson(d.selection_json), kind: d.kind };
    },
  };
}

/** SQLite keeps JSON as text; text that is not JSON is passed on as it is, for the digest's check to refuse. */
function parseStoredJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
