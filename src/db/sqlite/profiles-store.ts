// The profiles area on SQLite (see src/db/stores/profiles.ts), over the synchronous repository whose statements the
// ranking also reads through (src/db/profiles-repo.ts). A write that reads first (does the reader exist? what did
// they say?) runs in one IMMEDIATE transaction, so nothing else writes in between.
import type { Db } from '../open.js';
import { createProfilesRepo } from '../profiles-repo.js';
import type { ProfileStore } from '../stores/profiles.js';

export function createSqliteProfileStore(db: Db): ProfileStore {
  const repo = createProfilesRepo(db);
  const exists = db.prepare<[number], { id: number }>('SELECT id FROM subscribers WHERE id = ?');
  const setSignal = db.transaction((subscriberId: number, paperId: string, signal: 1 | -1 | null, now: string) => {
    if (!exists.get(subscriberId)) return undefined;
    const previous = repo.signal(subscriberId, paperId);
    if (previous !== signal) repo.setSignal(subscriberId, paperId, signal, 'email', now);
    return { previous };
  });
  const importPapers = db.transaction((subscriberId: number, papers: Parameters<ProfileStore['importProfilePapers']>[1], origin: Parameters<ProfileStore['importProfilePapers']>[2], now: string) =>
    exists.get(subscriberId) ? repo.importPapers(subscriberId, papers, origin, now) : undefined,
  );
  return {
    profilePapers: async (subscriberId) => repo.list(subscriberId),
    profileSignal: async (subscriberId, paperId) => repo.signal(subscriberId, paperId),
    setProfileSignal: async (subscriberId, paperId, signal, now) => setSignal.immediate(subscriberId, paperId, signal, now),
    removeProfilePaper: async (subscriberId, paperId) => repo.remove(subscriberId, paperId),
    importProfilePapers: async (subscriberId, papers, origin, now) => importPapers.immediate(subscriberId, papers, origin, now),
  };
}
