// The operators' read model of the Store: what the admin API and page and the CLI show of subscribers, editions and
// their deliveries (searches, per-edition counts, problems). Read-only. Implementations: src/db/sqlite/admin-read-model.ts,
// src/db/postgres/admin-read-model.ts.
// Invariants: a subscriber search is a bounded, case-insensitive substring match on the address (the user's
// wildcards % and _ match themselves) or an exact id, in id order; values are the same on both engines (ISO-8601 UTC
// times with ms, `paused` a boolean, counts numbers, a delivery's sections the stored JSON value).
import type { Frequency, SubscriberStatus } from './subscribers.js';


export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'bounced' | 'skipped';

export interface AdminSubscriberQuery {
  /** Part of the address, or an id. */
  search?: string | undefined;
  status?: SubscriberStatus | undefined;
  /** Ids after this one (the previous page's last). */
  after?: number | undefined;
  limit: number;
}

export interface AdminSubscriber {
  id: number;
  email: string;
  status: SubscriberStatus;
  created_at: string;
  confirmed_at: string | null;
  timezone: string | null;
  delivery_hour: number | null;
  frequency: Frequency;
  paused: boolean;
}

export interface EditionSends {
  date: string;
  status: 'preparing' | 'ready' | 'empty';
  reason: string | null;
  sent: number;
  failed: number;
  bounced: number;
  queued: number;
  skipped: number;
}

/** An edition of any status (the archive reads of the editions area return only ready ones). */
export interface EditionOverview {
  id: number;
  date: string;
  status: 'preparing' | 'ready' | 'empty';
  reason: string | null;
  subject: string;
  preparedAt: string;
}

export interface DeliveryProblem {
  id: number;
  subscriber_id: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  error: string | null;
}

export interface EditionRecipient {
  subscriberId: number;
  email: string;
  /** The reader's sections, as the stored JSON value (unchecked). */
  sections: unknown;
  messageId: string;
}

export interface AdminReadModel {
  adminSubscribers(q: AdminSubscriberQuery): Promise<AdminSubscriber[]>;
  /** The latest `limit` editions with their deliveries by outcome, oldest first (chart order). */
  editionSends(limit: number): Promise<EditionSends[]>;
  editionOverview(date: string): Promise<EditionOverview | undefined>;
  /** The latest edition by date, whatever its status (`papers status` without a date). */
  latestEditionOverview(): Promise<EditionOverview | undefined>;
  /** An edition's pending deliveries: due now, waiting for a later local hour, waiting to retry. */
  pendingBreakdown(editionId: number, now: string): Promise<{ due: number; later: number; retry: number }>;
  /** When the queue's next pending delivery comes due (a later local hour or a retry), or null. */
  nextDueAt(now: string): Promise<string | null>;
  /** An edition's deliveries by status (every status present, 0 when none). */
  editionDeliveryCounts(editionId: number): Promise<Record<DeliveryStatus, number>>;
  /** Failed and bounced deliveries and those with an error, in id order, at most `limit`. */
  deliveryProblems(editionId: number, limit?: number): Promise<DeliveryProblem[]>;
  /** Every delivery of an edition with its reader's address, by subscriber id (the sample edition and previews). */
  editionRecipients(editionId: number): Promise<EditionRecipient[]>;
}
