// The subscribers area of the Store: subscribers and their topics (status moves pending → active → unsubscribed, or
// → bounced), the subscribe intake's batch, the CSV import and export, the daily counts by status, and the read
// models of the app's health (/healthz, /readyz) and /metrics. Reader profiles are another area
// (src/db/stores/profiles.ts). Implementations: src/db/sqlite/subscribers-repo.ts, src/db/postgres/subscribers-repo.ts.
// Invariants: every method is one unit of work (its own transaction when it writes more than one statement); values
// are the same on both engines (ISO-8601 UTC times with ms, `paused` a boolean, ids and counts numbers); deleting a
// subscriber removes every row that refers to them, in any table (found through the schema's foreign keys, so
// tables added by later migrations are covered too).

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';
export type Frequency = 'daily' | 'weekly';
export const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'bounced'] as const satisfies readonly SubscriberStatus[];

export interface Subscriber {
  id: number;
  email: string;
  status: SubscriberStatus;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounced_at: string | null;
  bounce_reason: string | null;
  timezone: string | null;
  delivery_hour: number | null;
  frequency: Frequency;
  paused: boolean;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  confirm_sent_at: string | null;
}

export interface DeliveryPreferences {
  timezone: string | null;
  hour: number | null;
  frequency: Frequency;
  paused: boolean;
}

export interface NewSubscriber {
  email: string;
  status: SubscriberStatus;
  now: string;
  timezone?: string | null | undefined;
  hour?: number | null | undefined;
  frequency?: Frequency | undefined;
  paused?: boolean | undefined;
  topics?: readonly string[] | undefined;
}

/** A subscribe request as the intake received it (the email already normalized). */
export interface SubscribeRequest {
  email: string;
  topics?: string[] | undefined;
  timezone?: string | undefined;
  hour?: number | undefined;
}

/**
 * What a subscribe request may do: take the address's confirmation window (`now` becomes its confirm_sent_at) when
 * a confirmation email is to go out, at most one per address per `resendMinutes`. The token itself is stored when
 * its email is about to leave (issueConfirmToken), not in the request's write: a burst of sign-ups then writes no
 * random key into the tokens' unique index (about half of the intake thread's time per request).
 */
export interface SubscribeTerms {
  now: string;
  resendMinutes: number;
}

/**
 * created: a new pending subscriber, confirmation due. renewed: a pending or unsubscribed one asked again (now
 * pending, topics and hour updated), confirmation due. throttled: the same, but a confirmation went out within the
 * window. ignored: active or bounced, nothing changed.
 */
export interface SubscribeOutcome {
  subscriberId: number;
  /** The address as stored (a known address keeps its first spelling): where a confirmation goes. */
  email: string;
  action: 'created' | 'renewed' | 'throttled' | 'ignored';
}

/** One request of a batch that could not be recorded (a constraint): the rest of the batch was. */
export interface RequestFailed {
  failed: unknown;
}

export type ConfirmCheck =
  | { ok: true; subscriberId: number }
  | { ok: false; reason: 'invalid' | 'expired' }
  | { ok: false; reason: 'used'; subscriberId: number; active: boolean };

export interface SubscriberDelivery {
  edition_date: string;
  status: string;
  sent_at: string | null;
  message_id: string;
}

/** Everything held about a subscriber except reader profiles (exported by their own repository). */
export interface SubscriberExport {
  subscriber: Subscriber;
  topics: string[];
  deliveries: SubscriberDelivery[];
  sentPapers: { paper_id: string; edition_date: string }[];
  /** Rows of tables this code does not know (added by a later migration) that refer to the subscriber. */
  otherRecords: Record<string, Record<string, unknown>[]>;
}

export interface ImportedSubscriber extends NewSubscriber {
  /** Where the row came from (a CSV line), named back when it could not be written. */
  line: number;
}

export interface ImportOutcome {
  added: number;
  existing: number;
  /** Rows the database refused (a constraint); the other rows were imported. */
  failed: { line: number; error: string }[];
}

/** A subscriber as the CSV export writes it. */
export interface ExportedSubscriber {
  id: number;
  email: string;
  status: SubscriberStatus;
  topics: string[];
  timezone: string | null;
  delivery_hour: number | null;
  frequency: Frequency;
  paused: boolean;
  created_at: string;
  confirmed_at: string | null;
}

/** The counts /metrics reports, read at scrape time. */
export interface MetricsCounts {
  ingestedBySource: { source: string; n: number }[];
  papersStored: number;
  deliveriesByStatus: Record<string, number>;
  subscribersByStatus: Record<SubscriberStatus, number>;
}

export interface SubscriberStore {
  getSubscriber(id: number): Promise<Subscriber | undefined>;
  getSubscriberByEmail(email: string): Promise<Subscriber | undefined>;
  subscriberTopics(id: number): Promise<string[]>;
  /** Inserts a subscriber with their topics; returns the id. */
  createSubscriber(s: NewSubscriber): Promise<number>;
  setSubscriberStatus(id: number, status: SubscriberStatus, now: string, reason?: string | null): Promise<void>;
  setSubscriberTopics(id: number, topics: readonly string[]): Promise<void>;
  /** Records one subscribe request (see SubscribeOutcome). */
  subscribe(request: SubscribeRequest, terms: SubscribeTerms): Promise<SubscribeOutcome>;
  /**
   * The intake's group commit: every request in one transaction; a request the database refuses (a constraint)
   * is a RequestFailed entry and the others are recorded. Any other error (the database cannot write) rejects.
   */
  subscribeBatch(items: readonly { request: SubscribeRequest; terms: SubscribeTerms }[]): Promise<(SubscribeOutcome | RequestFailed)[]>;
  /**
   * Stores the confirmation token (its hash and expiry) of the decision that took the window at `windowAt`, as its
   * email is about to go out. False when that decision no longer stands — the window was freed or taken again since,
   * or the address is no longer pending — and then no email goes out for it.
   */
  issueConfirmToken(id: number, windowAt: string, hash: string, expiresAt: string): Promise<boolean>;
  /** Frees the per-address window taken at `windowAt` when its confirmation could not be sent, so a retry is possible. */
  releaseConfirmWindow(id: number, windowAt: string): Promise<void>;
  /** Looks a confirmation token's hash up without using it. */
  checkConfirmation(hash: string, now: string): Promise<ConfirmCheck>;
  /** Activates the pending subscriber of `hash` (single use: a replay reports 'used'). */
  confirmSubscriber(hash: string, now: string): Promise<ConfirmCheck>;
  /** Idempotent; deliveries not yet claimed by a sender are skipped with `reason`. */
  unsubscribeSubscriber(id: number, now: string, reason?: string): Promise<'unsubscribed' | 'already' | 'unknown'>;
  /** Topics and delivery preferences; pausing skips the deliveries not yet claimed. False when there is no such subscriber. */
  updateSubscriberPreferences(id: number, p: DeliveryPreferences & { topics: readonly string[] }, now: string): Promise<boolean>;
  /** An unsubscribed address that was confirmed before becomes active again. */
  resumeSubscriber(id: number, now: string): Promise<'active' | 'not_allowed' | 'unknown'>;
  subscriberExport(id: number): Promise<SubscriberExport | undefined>;
  /** Hard delete: the subscriber and every row referring to them. Returns the rows removed (0: nothing there). */
  deleteSubscriber(id: number): Promise<number>;
  countSubscribersByStatus(): Promise<Record<SubscriberStatus, number>>;
  /** Active subscribers in id order after a checkpoint, a page at a time (never the whole audience at once). */
  activeSubscribersPage(afterId: number, limit: number): Promise<Subscriber[]>;
  /** CSV import: rows whose address is not present are added, in one transaction; a refused row does not sink the others. */
  importSubscribers(rows: readonly ImportedSubscriber[], o: { dryRun: boolean }): Promise<ImportOutcome>;
  /** CSV export: subscribers (of one status, or all) after `afterId` in id order. */
  exportSubscribersPage(afterId: number, status: SubscriberStatus | null, limit: number): Promise<ExportedSubscriber[]>;
  /** The day's counts by status, for the admin chart; recording a date again overwrites it. */
  recordSubscriberCounts(date: string): Promise<void>;
  /** Active subscribers per recorded date, oldest first, at most `days` points. */
  activeSubscribersHistory(days: number): Promise<{ date: string; n: number }[]>;
  /** Liveness: the database answers a query (rejects otherwise). */
  pingDatabase(): Promise<void>;
  /** Readiness: one committed write of one row (health_probe); rejects with the engine's error when writes fail. */
  probeWrite(now: string): Promise<void>;
  /** Readiness: the migration versions recorded as applied. */
  appliedMigrations(): Promise<number[]>;
  metricsCounts(): Promise<MetricsCounts>;
  /** When the job last finished successfully (and started), or undefined. */
  lastSuccessfulRun(job: string): Promise<{ started_at: string; finished_at: string } | undefined>;
}
