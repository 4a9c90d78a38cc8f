// The preparation area on SQLite (see src/db/stores/preparation.ts), over the synchronous repositories that SQLite's
// own preparation (src/digest/prepare.ts) uses in its steps: the same statements, each method one unit of work.
import type { Db } from '../open.js';
import { createCandidatesRepo } from '../candidates-repo.js';
import { createEditionsRepo } from '../editions-repo.js';
import { editionPreparationRepo } from '../edition-preparation-repo.js';
import { createSentPapersRepo } from '../sent-papers-repo.js';
import { createProfilesRepo } from '../profiles-repo.js';
import { createSqlitePapersCore } from './papers-repo.js';
import { AppError } from '../../lib/errors.js';
import type { EditionPreparationStore } from '../stores/preparation.js';
import type { PaperRow } from '../stores/ingest.js';

export function createSqlitePreparationStore(db: Db): EditionPreparationStore {
  const candidates = createCandidatesRepo(db);
  const editions = createEditionsRepo(db);
  const writes = editionPreparationRepo(db);
  const sentPapers = createSentPapersRepo(db);
  const profiles = createProfilesRepo(db);
  const papers = createSqlitePapersCore(db);
  return {
    candidateReader: {
      load: async (from, to, asOf) => candidates.load(from, to, asOf),
      matchTopic: async (q, from, to) => candidates.matchTopic(q, from, to),
    },
    editionByDate: async (date) => editions.getByDate(date),
    latestReadyEditionBefore: async (date) => editions.latestReadyBefore(date)?.date,
    openEditionPreparation: async (date, now, decision) => writes.openEdition(date, now, decision),
    editionPaperIds: async (editionId) => editions.papers(editionId).map((p) => p.paper_id),
    async preparationPage(r) {
      // One read transaction: the page and its data from one snapshot.
      return db.transaction(() => {
        const members = writes.audiencePage(r.after, r.audienceMaxId, r.audienceAt, r.limit);
        const last = members.at(-1)?.id ?? r.after;
        return {
          members,
          topics: candidates.topicsOf(r.after, last),
          alreadyHad: sentPapers.alreadyHad(r.fromDate, r.after, last, r.editionId),
          profiles: profiles.inRange(r.after, last),
        };
      })();
    },
    readerHistory: async (id, r) => ({
      alreadyHad: sentPapers.alreadyHad(r.fromDate, id - 1, id, r.exceptEditionId, r.beforeDate).get(id) ?? new Set<string>(),
      profile: profiles.inRange(id - 1, id).get(id) ?? [],
    }),
    paperTexts: async (ids) => profiles.texts(ids),
    async papersByIds(ids) {
      const out = new Map<string, PaperRow>();
      for (const id of ids) {
        const row = papers.get(id);
        if (row) out.set(id, row);
      }
      return out;
    },
    async writePreparationStep(step) {
      return db
        .transaction(() => {
          const e = editions.get(step.editionId);
          if (e?.status !== 'preparing' || (e.prepared_through ?? 0) !== step.from)
            throw new AppError('PREPARATION_MOVED', `edition ${step.editionId} is no longer being prepared from ${step.from}`);
          for (const p of step.papers) writes.insertPaper(step.editionId, p.paperId, p.rank, p.score, p.reason, p.snapshotJson);
          const written = { pending: 0, skipped: 0 };
          for (const d of step.deliveries) if (writes.insertDelivery(d)) written[d.status]++;
          writes.moveOn(step.editionId, step.through);
          return written;
        })
        .immediate();
    },
    async markEditionReady(editionId, audienceMaxId) {
      return db
        .transaction(() => {
          writes.markReady(editionId, audienceMaxId);
          return editions.get(editionId)!;
        })
        .immediate();
    },
  };
}
