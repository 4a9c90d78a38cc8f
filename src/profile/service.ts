// A reader's profile from their side: "More/Less like this" from a digest, papers imported on the preferences page,
// the list they can see and edit. Invariants: every write is one unit of work of the Store and idempotent (setting
// the same state twice changes nothing; an import adds each paper once); nothing is written for an unknown subscriber.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { MAX_PROFILE_PAPERS, type ProfileOrigin, type ProfilePaperRow, type ProfileSignal, type ProfileStore } from '../db/stores/profiles.js';
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
const toState = (signal: ProfileSignal | null): FeedbackState => (signal === 1 ? 'more' : signal === -1 ? 'less' : 'none');

export function createProfileService(deps: { store: ProfileStore; clock: Clock; logger: Logger }) {
  const { store, clock, logger } = deps;

  return {
    async state(subscriberId: number, paperId: string): Promise<FeedbackState> {
      return toState(await store.profileSignal(subscriberId, paperId));
    },

    /**
     * Records a reader's say on a paper (from a digest's feedback page). Returns the state before, for the undo
     * button, or null when the subscriber no longer exists (nothing written).
     */
    async setFeedback(subscriberId: number, paperId: string, state: FeedbackState): Promise<{ previous: FeedbackState } | null> {
      const result = await store.setProfileSignal(subscriberId, paperId, toSignal(state), clock.now().toISOString());
      if (!result) return null;
      const previous = toState(result.previous);
      if (previous !== state) logger.info({ event: 'profile.feedback', subscriberId, paperId, state, previous }, 'reader feedback recorded');
      return { previous };
    },

    list(subscriberId: number): Promise<ProfilePaperRow[]> {
      return store.profilePapers(subscriberId);
    },

    async remove(subscriberId: number, paperId: string): Promise<boolean> {
      const removed = await store.removeProfilePaper(subscriberId, paperId);
      if (removed) logger.info({ event: 'profile.removed', subscriberId, paperId }, 'paper removed from a profile');
      return removed;
    },

    /** Adds what an import read; null when the subscriber no longer exists. */
    async importPapers(subscriberId: number, read: ImportResult): Promise<ImportOutcome | null> {
      const origin: ProfileOrigin = read.format;
      const outcome = await store.importProfilePapers(subscriberId, read.papers, origin, clock.now().toISOString());
      if (!outcome) return null;
      logger.info({ event: 'profile.imported', subscriberId, format: read.format, ...outcome, skipped: read.skipped.length }, 'papers imported into a profile');
      return { ...outcome, skipped: read.skipped };
    },

    maxPapers: MAX_PROFILE_PAPERS,
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
