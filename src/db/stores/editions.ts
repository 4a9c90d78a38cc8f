// The editions area of the Store: editions (one per date, frozen once prepared) and their ranked papers, as the
// archive pages, the Atom feed and the previews read them. Implementations: src/db/sqlite/editions-repo.ts,
// src/db/postgres/editions-repo.ts. The preparation's reads and writes are the preparation area
// (src/db/stores/preparation.ts); SQLite's own preparation keeps the synchronous repositories (src/db/editions-repo.ts).
// Invariants: only `ready` editions are returned by the archive reads; a paper's snapshot leaves the store as the
// parsed JSON value it was stored as (the digest checks it with zod, src/digest/snapshot.ts); dates are YYYY-MM-DD
// and times ISO-8601 UTC with ms on both engines.

export interface ReadyEditionListing {
  date: string;
  subject: string;
}

export interface ArchivedEdition {
  id: number;
  date: string;
  subject: string;
  preparedAt: string;
  /** Every paper any recipient was shown, in global rank order; `snapshot` is the stored JSON value, unchecked. */
  papers: { paperId: string; rank: number; reason: string; snapshot: unknown }[];
}

export interface EditionStore {
  /** Ready editions, newest first, a page at a time. */
  readyEditions(limit: number, offset?: number): Promise<ReadyEditionListing[]>;
  countReadyEditions(): Promise<number>;
  /** The date of the nearest ready edition strictly before or after `date`, if any. */
  adjacentReadyEdition(date: string, side: 'before' | 'after'): Promise<string | undefined>;
  /** The ready edition of `date` with its papers, or undefined (none, or not ready). */
  readyEdition(date: string): Promise<ArchivedEdition | undefined>;
  /** The same, by the edition's id (the sender compiles each edition it sends from). */
  readyEditionById(id: number): Promise<ArchivedEdition | undefined>;
  /** What one reader of an edition was given: their sections (the stored JSON value, unchecked) and the digest's kind. */
  readerSelection(editionId: number, subscriberId: number): Promise<{ sections: unknown; kind: 'daily' | 'weekly' } | undefined>;
}
