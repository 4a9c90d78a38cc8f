// A reader's profile from their side: "More/Less like this" from a digest, papers imported on the preferences page,
// the list they can see and edit. Invariants: every write is one immediate transaction and idempotent (setting the
// same state twice changes nothing; an import adds each paper once); nothing is written for an unknown subscriber.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createProfilesRepo, MAX_PROFILE_PAPERS, type ProfileOrigin, type ProfilePaperRow } from '../db/profiles-repo.js';
import { createSubscribersRepo } from '../db/subscribers-repo.js';
import type { ImportResult } from './import-formats.js';

/** A reader's say on one paper: more like it, less like it, or nothing (not in the profile). */
export type FeedbackState = 'more' | 'less' | 'none';

export interface ImportOutcome {
  added: number;
  present: number;
  overLimit: number;
  skipped: ImportResult['skipped'];
}

const toSignal = (s: FeedbackState) => (s === 'more' ? 1 : s === 'less' ? -1 : null);
const toState = (signal: 1 | -1 | null): FeedbackState => (signal === 1 ? 'more' : signal === -1 ? 'less' : 'none');

export function createProfileService(deps: { db: Db; clock: Clock; logger: Logger }) {
  const { db, clock, logger } = deps;
  const repo = createProfilesRepo(db);
  const subscribers = createSubscribersRepo(db);

  return {
    repo,

    state(subscriberId: number, paperId: string): FeedbackState {
      return toState(repo.signal(subscriberId, paperId));
    },

    /**
     * Records a reader's say on a paper (from a digest's feedback page). Returns the state before, for the undo
     * button, or null when the subscriber no longer exists (nothing written).
     */
    setFeedback(subscriberId: number, paperId: string, state: FeedbackState): { previous: FeedbackState } | null {
      const result = db
        .transaction(() => {
          if (!subscribers.get(subscriberId)) return null;
          const previous = toState(repo.signal(subscriberId, paperId));
          if (previous !== state) repo.setSignal(subscriberId, paperId, toSignal(state), 'email', clock.now().toISOString());
          return { previous };
        })
        .immediate();
      if (result && result.previous !== state) logger.info({ event: 'profile.feedback', subscriberId, paperId, state, previous: result.previous }, 'reader feedback recorded');
      return result;
    },

    list(subscriberId: number): ProfilePaperRow[] {
      return repo.list(subscriberId);
    },

    remove(subscriberId: number, paperId: string): boolean {
      const removed = db.transaction(() => repo.remove(subscriberId, paperId)).immediate();
      if (removed) logger.info({ event: 'profile.removed', subscriberId, paperId }, 'paper removed from a profile');
      return removed;
    },

    /** Adds what an import read; null when the subscriber no longer exists. */
    importPapers(subscriberId: number, read: ImportResult): ImportOutcome | null {
      const origin: ProfileOrigin = read.format;
      const outcome = db
        .transaction(() => {
          if (!subscribers.get(subscriberId)) return null;
          return repo.importPapers(subscriberId, read.papers, origin, clock.now().toISOString());
        })
        .immediate();
      if (!outcome) return null;
      logger.info({ event: 'profile.imported', subscriberId, format: read.format, ...outcome, skipped: read.skipped.length }, 'papers imported into a profile');
      return { ...outcome, skipped: read.skipped };
    },

    maxPapers: MAX_PROFILE_PAPERS,
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
