// Shared set-up for the sending tests: a real app on a temp SQLite file wired to a real SMTP server in the test
// process, the recorded sample papers ingested, N active subscribers and a prepared edition.
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink, type ReceivedMessage } from '../helpers/smtp-sink.js';
import { fixedClock, type Clock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import type { EditionRow } from '../../src/db/editions-repo.js';

export const DATE = '2026-08-21';
export const PREPARED_AT = '2026-08-21T07:00:00.000Z';

export interface SendFixture {
  app: TestApp;
  smtp: SmtpSink;
  clock: ReturnType<typeof fixedClock>;
  edition: EditionRow;
  /** Active subscribers' addresses, by subscriber id. */
  emails: Map<number, string>;
  close(): Promise<void>;
}

export const addressOf = (i: number) => `reader${String(i).padStart(4, '0')}@example.org`;

/** A clock that starts at `at` and then runs in real time (for waits that must really pass). */
export function runningClock(at: string): Clock {
  const offset = Date.parse(at) - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

export async function sendFixture(o: {
  subscribers: number;
  env?: Record<string, string>;
  smtp?: SmtpSink;
  clock?: Clock;
  beforePrepare?: (app: TestApp) => void;
}): Promise<SendFixture> {
  const smtp = o.smtp ?? (await startSmtpSink());
  const fixed = fixedClock(PREPARED_AT);
  const clock = o.clock ? Object.assign(fixed, { now: o.clock.now }) : fixed;
  const app = createTestApp({ SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '3', SEND_MAX_ATTEMPTS: '8', ...o.env }, { clock });
  await runIngest({ ...app, sources: app.sources() }, { days: app.config.sources.hfDays });
  const emails = new Map<number, string>();
  const now = clock.now().toISOString();
  app.db
    .transaction(() => {
      for (let i = 1; i <= o.subscribers; i++) emails.set(app.subscriptions.repo.create({ email: addressOf(i), status: 'active', now }), addressOf(i));
    })
    .immediate();
  o.beforePrepare?.(app);
  const prepared = prepareEdition(app, DATE, app.prepareSettings);
  if (prepared.edition.status !== 'ready') throw new Error(`fixture edition is ${prepared.edition.status}: ${prepared.edition.reason}`);
  return {
    app,
    smtp,
    clock,
    edition: prepared.edition,
    emails,
    async close() {
      await app.cleanup();
      await smtp.close();
    },
  };
}

/** How many copies each address received, and the Message-IDs they carried. */
export function receivedBy(messages: readonly ReceivedMessage[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of messages) for (const to of m.to) out.set(to, [...(out.get(to) ?? []), m.messageId ?? '']);
  return out;
}

export function ledger(app: TestApp, editionId: number) {
  return app.db
    .prepare<[number], { id: number; subscriber_id: number; email: string; status: string; message_id: string; attempts: number; error: string | null; sub_status: string }>(
      `SELECT d.id, d.subscriber_id, s.email, d.status, d.message_id, d.attempts, d.error, s.status AS sub_status
       FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.edition_id = ? ORDER BY d.id`,
    )
    .all(editionId);
}

/** A small seeded PRNG (mulberry32), so that a failing random run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
