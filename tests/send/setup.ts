// Shared set-up for the sending tests: a real app on a temp SQLite file wired to a real SMTP server in the test
// process, the recorded sample papers ingested, N active subscribers and a prepared edition.
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink, type ReceivedMessage } from '../helpers/smtp-sink.js';
import { fixedClock } from '../../src/lib/clock.js';
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

export async function sendFixture(o: { subscribers: number; env?: Record<string, string>; smtp?: SmtpSink; beforePrepare?: (app: TestApp) => void }): Promise<SendFixture> {
  const smtp = o.smtp ?? (await startSmtpSink());
  const clock = fixedClock(PREPARED_AT);
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
