// Rules of the profiles area that both engines apply the same way (a module of its own, free of engine imports).
import { MAX_PROFILE_PAPERS, type ProfileImport, type ProfileImportCounts } from './profiles.js';

/**
 * How an import's papers fall, given the ids the profile holds: added in order while there is room, present when
 * held (or met earlier in the import), over the limit otherwise. One rule for both engines.
 */
export function planProfileImport(held: ReadonlySet<string>, papers: readonly ProfileImport[]): { add: ProfileImport[]; counts: ProfileImportCounts } {
  const seen = new Set(held);
  let room = MAX_PROFILE_PAPERS - held.size;
  const add: ProfileImport[] = [];
  const counts = { added: 0, present: 0, overLimit: 0 };
  for (const p of papers) {
    if (seen.has(p.paperId)) counts.present++;
    else if (room <= 0) counts.overLimit++;
    else {
      seen.add(p.paperId);
      add.push(p);
      room--;
      counts.added++;
    }
  }
  return { add, counts };
}
