// The profiles area of the Store: a reader's own view of their profile (profile_papers) — "More/Less like this" from
// a digest, papers imported on the preferences page, the list they see and edit. The ranking's reads of every
// profile (src/db/profiles-repo.ts: inRange, texts) are not here. Implementations: src/db/sqlite/profiles-store.ts,
// src/db/postgres/profiles-store.ts.
// Invariants: every write is one transaction and idempotent (the same say twice changes nothing; an import adds each
// paper once, never overrides a say from a digest, and keeps a reader at MAX_PROFILE_PAPERS); nothing is written for
// an unknown subscriber; a reader's writes are serialized (their subscriber row is the lock on PostgreSQL, the
// database's one writer on SQLite), so the limit holds under concurrent imports.

/** Papers kept per reader at most: an import beyond it keeps the first ones (README, "Papers you already like"). */
export const MAX_PROFILE_PAPERS = 300;

export type ProfileSignal = 1 | -1;
export type ProfileOrigin = 'email' | 'list' | 'bibtex' | 'csl-json';

export interface ProfilePaperRow {
  paperId: string;
  signal: ProfileSignal;
  origin: ProfileOrigin;
  /** The stored paper's title, else the one the import gave, else null (a pasted id no source has brought yet). */
  title: string | null;
  /** Whether we store the paper itself (a source brought it). */
  stored: boolean;
  addedAt: string;
}

export interface ProfileImport {
  paperId: string;
  title?: string | null | undefined;
  abstract?: string | null | undefined;
}

export interface ProfileImportCounts {
  added: number;
  /** Already in the profile (or twice in the import): left as they were. */
  present: number;
  /** Left out: the profile was full. */
  overLimit: number;
}

export interface ProfileStore {
  /** Every paper of a reader's profile, newest first (then by id), with the title we can show. */
  profilePapers(subscriberId: number): Promise<ProfilePaperRow[]>;
  /** The reader's say on one paper, or null (not in their profile). */
  profileSignal(subscriberId: number, paperId: string): Promise<ProfileSignal | null>;
  /**
   * Sets (or, with null, clears) a reader's say on one paper from a digest (origin 'email'; a paper already there
   * keeps its origin and date). Returns the say before, or undefined when the subscriber does not exist (nothing written).
   */
  setProfileSignal(subscriberId: number, paperId: string, signal: ProfileSignal | null, now: string): Promise<{ previous: ProfileSignal | null } | undefined>;
  /** True when the paper was in the profile. */
  removeProfilePaper(subscriberId: number, paperId: string): Promise<boolean>;
  /** Adds liked papers (an import) in order, up to MAX_PROFILE_PAPERS in all; undefined when the subscriber does not exist. */
  importProfilePapers(subscriberId: number, papers: readonly ProfileImport[], origin: ProfileOrigin, now: string): Promise<ProfileImportCounts | undefined>;
}
