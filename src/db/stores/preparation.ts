// The preparation area of the Store: what preparing an edition reads (the candidate window, topic matches, a page of
// the frozen audience with its topics, ledger and profiles, profile texts, stored papers) and writes (the edition
// decided empty or opened 'preparing', each step's deliveries and edition papers, the edition marked ready), for
// src/digest/prepare-on-store.ts. SQLite's own tuned path (src/digest/prepare.ts: synchronous repositories, the
// ranking on a helper thread) does not go through here; the SQLite twin of this area serves the same code on both
// engines (the contract tests) and the tools that hold only a Store.
// Invariants: one step is one transaction, which writes only while the edition is 'preparing' and still where the
// step started (prepared_through), so a step replayed or raced writes nothing twice; deliveries and edition papers
// are written with ON CONFLICT DO NOTHING (UNIQUE (edition_id, subscriber_id), PRIMARY KEY (edition_id, paper_id)).
import type { EditionRow } from '../editions-repo.js';
import type { PaperRow } from './ingest.js';
import type { AsyncCandidateReader } from '../../rank/edition-async.js';
import type { ProfileRow } from '../../rank/personal.js';
import type { PaperText } from '../../rank/text-vectors.js';

export type { EditionRow };

/** A member of the frozen audience as a page reads it (`paused` is 0/1 on SQLite, a boolean on PostgreSQL). */
export interface AudienceMember {
  id: number;
  timezone: string | null;
  delivery_hour: number | null;
  frequency: string;
  paused: number | boolean;
}

/** A page of the audience with what selecting for its readers needs, each read once for the whole page. */
export interface PreparationPage {
  members: readonly AudienceMember[];
  topics: ReadonlyMap<number, readonly string[]>;
  /** Papers accepted for a reader (the never-twice ledger), or still outstanding in another edition. */
  alreadyHad: ReadonlyMap<number, ReadonlySet<string>>;
  profiles: ReadonlyMap<number, readonly ProfileRow[]>;
}

export interface DeliveryDraft {
  editionId: number;
  subscriberId: number;
  status: 'pending' | 'skipped';
  selectionJson: string;
  dueAt: string;
  messageId: string;
  now: string;
  kind: 'daily' | 'weekly';
}

export interface EditionPaperDraft {
  paperId: string;
  rank: number;
  score: number;
  reason: string;
  snapshotJson: string;
}

export interface PageRequest {
  editionId: number;
  /** Readers with ids above this … */
  after: number;
  /** … up to the frozen audience's largest id, confirmed by audience_at. */
  audienceMaxId: number;
  audienceAt: string;
  limit: number;
  /** The never-twice ledger is read from editions dated from this day. */
  fromDate: string;
}

export type OpenedPreparation =
  | { outcome: 'ready'; edition: EditionRow }
  | { outcome: 'empty'; edition: EditionRow }
  | { outcome: 'opened' | 'resumed'; edition: EditionRow };

export interface PreparationStep {
  editionId: number;
  /** Where the step started: it writes nothing unless the edition is still 'preparing' there. */
  from: number;
  /** prepared_through after the step. */
  through: number;
  papers: readonly EditionPaperDraft[];
  deliveries: readonly DeliveryDraft[];
}

export interface EditionPreparationStore {
  /** The candidate reader of the ranking (rank/edition-async.ts). */
  readonly candidateReader: AsyncCandidateReader;
  editionByDate(date: string): Promise<EditionRow | undefined>;
  /** The date of the latest ready edition before `date`. */
  latestReadyEditionBefore(date: string): Promise<string | undefined>;
  /**
   * One transaction: a ready edition is returned as it is, a 'preparing' one to be resumed; otherwise an earlier empty
   * edition of the date makes way and the edition is written empty (`emptyReason`) or opened 'preparing' with its
   * audience frozen (ids up to the largest now, confirmed by `now`).
   */
  openEditionPreparation(date: string, now: string, decision: { emptyReason: string } | { subject: string }): Promise<OpenedPreparation>;
  editionPaperIds(editionId: number): Promise<string[]>;
  /** The next page of the frozen audience (members in id order) with their topics, ledger and profiles. */
  preparationPage(r: PageRequest): Promise<PreparationPage>;
  /**
   * One reader's never-twice record as a preparation for `beforeDate` would read it (papers accepted in editions
   * dated from `fromDate` and before `beforeDate`, and outstanding in another edition than `exceptEditionId`), and
   * their profile in paper order: what `papers rank --subscriber` explains.
   */
  readerHistory(subscriberId: number, r: { fromDate: string; beforeDate: string; exceptEditionId: number }): Promise<{ alreadyHad: Set<string>; profile: ProfileRow[] }>;
  /** Text of the papers we hold any for (stored, else as an import gave it); ids without any are absent. */
  paperTexts(ids: readonly string[]): Promise<Map<string, PaperText>>;
  papersByIds(ids: readonly string[]): Promise<Map<string, PaperRow>>;
  /**
   * One step in one transaction: its edition papers and deliveries, and prepared_through moved on. Throws
   * PREPARATION_MOVED (nothing written) when the edition is no longer 'preparing' at `from`. Returns the deliveries
   * written by status (a replayed reader's is not).
   */
  writePreparationStep(step: PreparationStep): Promise<{ pending: number; skipped: number }>;
  /** The edition is ready (prepared through its whole audience). */
  markEditionReady(editionId: number, audienceMaxId: number): Promise<EditionRow>;
}
