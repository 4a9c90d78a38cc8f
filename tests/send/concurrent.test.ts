// A send running in another process while people subscribe and unsubscribe through the HTTP app in this one,
// on the same SQLite file: no SQLITE_BUSY anywhere, every request answered, and an unsubscribe that lands
// before a delivery is claimed stops that delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sendFixture, receivedBy, ledger, type SendFixture } from './setup.js';
import { startChildSender, childEnv, killChildSenders } from './child-sender.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { signSubscriberToken } from '../../src/lib/tokens.js';

const AUDIENCE = 120;

describe('subscribe and unsubscribe while a send runs in another process', () => {
  let f: SendFixture;
  let http: FastifyInstance;

  beforeAll(async () => {
    f = await sendFixture({ subscribers: AUDIENCE, env: { SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '100000', CONFIRM_RESEND_MINUTES: '0' } });
    http = await buildHttpApp(f.app);
  });
  afterAll(async () => {
    killChildSenders();
    await http.close();
    await f.close();
  });

  it('no SQLITE_BUSY, and unsubscribes before the claim stop the delivery', async () => {
    const ids = [...f.emails.keys()];
    // The sender is slowed to ~60 messages/s so the requests below overlap it.
    const child = startChildSender(childEnv({ config: f.app.config, databasePath: f.app.config.databasePath, editionId: f.edition.id, extra: { SMTP_RATE_PER_SECOND: '60' } }));
    await child.ready;

    const statuses: number[] = [];
    const deliveryStatus = f.app.db.prepare<[number, number], { status: string }>('SELECT status FROM deliveries WHERE edition_id = ? AND subscriber_id = ?');
    /** Subscriber id → the delivery's status right after the unsubscribe was answered. */
    const atUnsubscribe = new Map<number, string>();
    const unsubscribe = async (id: number) => {
      const res = await http.inject({
        method: 'POST',
        url: `/unsubscribe?token=${signSubscriberToken(f.app.config.secretKey, 'unsubscribe', id)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      statuses.push(res.statusCode);
      atUnsubscribe.set(id, deliveryStatus.get(f.edition.id, id)!.status);
    };
    const newcomers = Array.from({ length: 30 }, (_, i) => `newcomer${i}@example.org`);
    const subscribe = async (email: string) => {
      const res = await http.inject({ method: 'POST', url: '/api/subscriptions', payload: { email } });
      statuses.push(res.statusCode);
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    child.go();
    // The tail of the queue right away (claims go in id order, so these are not claimed yet), then a mix of
    // unsubscribes across the list and new subscriptions while the send goes on.
    const tail = ids.slice(-15);
    const spread = ids.filter((_, i) => i % 10 === 5).slice(0, 10);
    await Promise.all([
      (async () => {
        for (const id of tail) await unsubscribe(id);
      })(),
      (async () => {
        for (const id of spread) {
          await unsubscribe(id);
          await pause(60);
        }
      })(),
      (async () => {
        for (const email of newcomers) {
          await subscribe(email);
          await pause(20);
        }
      })(),
    ]);
    const exit = await child.exited;

    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect(child.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/i);
    expect(statuses.every((s) => s === 200 || s === 202), `statuses: ${statuses.join(',')}`).toBe(true);
    expect(statuses).toHaveLength(tail.length + spread.length + newcomers.length);

    const digests = receivedBy(f.smtp.messages.filter((m) => m.messageId?.startsWith('<digest-')));
    const rows = ledger(f.app, f.edition.id);
    expect(rows.filter((d) => d.status === 'sending')).toEqual([]);
    for (const d of rows) {
      const copies = digests.get(d.email)?.length ?? 0;
      const before = atUnsubscribe.get(d.subscriber_id);
      if (before === undefined) {
        expect(d.status, d.email).toBe('sent');
        expect(copies, d.email).toBe(1);
      } else if (before === 'skipped') {
        // Unsubscribed before the claim: stopped.
        expect(d.status, d.email).toBe('skipped');
        expect(copies, d.email).toBe(0);
      } else {
        // Already claimed when the unsubscribe landed: sent, or stopped by the sender's last-moment check.
        expect(['sent', 'skipped'], d.email).toContain(d.status);
        expect(copies, d.email).toBe(d.status === 'sent' ? 1 : 0);
      }
    }
    // The tail was unsubscribed before the sender got there.
    expect(tail.filter((id) => atUnsubscribe.get(id) === 'skipped').length).toBeGreaterThanOrEqual(tail.length - 3);
    // Newcomers are pending (not confirmed): no digest for them, only the confirmation.
    for (const email of newcomers) expect(digests.has(email), email).toBe(false);
    await f.smtp.waitFor(AUDIENCE - rows.filter((d) => d.status === 'skipped').length + newcomers.length);
  }, 120_000);
});
