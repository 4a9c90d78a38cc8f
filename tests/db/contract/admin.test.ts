// The operators' read model's contract, one file for both engines: the subscriber search (substring of the address
// in any case, the user's wildcards taken literally, an exact id, status filter, pages by id), the editions' sends
// by outcome, one edition's overview, counts and problems, and its recipients. Editions and deliveries are seeded
// with plain SQL (the preparation's writes are another area's).
import { describe, expect, it } from 'vitest';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';

describe.each(testEngines())('admin read model on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh } = stores;

  const seedEdition = async (date: string, status = 'ready', reason: string | null = null): Promise<number> => {
    await stores.run("INSERT INTO editions (date, prepared_at, status, reason, subject) VALUES (?, ?, ?, ?, 'Digest')", [date, NOW, status, reason]);
    return Number((await stores.run('SELECT id FROM editions WHERE date = ?', [date]))[0]!.id);
  };
  const seedDelivery = async (editionId: number, subscriberId: number, status: string, o: { error?: string; attempts?: number } = {}) =>
    stores.run(
      'INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, attempts, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [editionId, subscriberId, status, JSON.stringify([{ kind: 'trending', title: 'Top', papers: [{ id: '2608.00001', reason: 'r' }] }]), NOW, `<${editionId}.${subscriberId}@x>`, NOW, o.attempts ?? 0, o.error ?? null],
    );

  it('searches subscribers by part of the address in any case, or by id, with wildcards taken literally, a page at a time', async () => {
    const store = await fresh();
    const ada = await store.createSubscriber({ email: 'Ada.Lovelace@Example.org', status: 'active', now: NOW, timezone: 'Europe/London', hour: 7, frequency: 'weekly', paused: true });
    const grace = await store.createSubscriber({ email: 'grace_hopper@example.net', status: 'pending', now: NOW });
    const alan = await store.createSubscriber({ email: 'alan%turing@example.org', status: 'active', now: NOW });

    expect(await store.adminSubscribers({ search: 'lovelace@EXAMPLE', limit: 10 })).toEqual([
      { id: ada, email: 'Ada.Lovelace@Example.org', status: 'active', created_at: NOW, confirmed_at: NOW, timezone: 'Europe/London', delivery_hour: 7, frequency: 'weekly', paused: true },
    ]);
    expect((await store.adminSubscribers({ search: '_', limit: 10 })).map((s) => s.id)).toEqual([grace]);
    expect((await store.adminSubscribers({ search: '%', limit: 10 })).map((s) => s.id)).toEqual([alan]);
    expect((await store.adminSubscribers({ search: ` ${grace} `, limit: 10 })).map((s) => s.id)).toEqual([grace]);
    expect((await store.adminSubscribers({ search: 'example.org', status: 'active', limit: 10 })).map((s) => s.id)).toEqual([ada, alan]);
    expect((await store.adminSubscribers({ status: 'pending', limit: 10 })).map((s) => s.id)).toEqual([grace]);
    const page1 = await store.adminSubscribers({ limit: 2 });
    expect(page1.map((s) => s.id)).toEqual([ada, grace]);
    expect(page1[1]!.paused).toBe(false);
    expect((await store.adminSubscribers({ after: page1.at(-1)!.id, limit: 2 })).map((s) => s.id)).toEqual([alan]);
    expect(await store.adminSubscribers({ search: 'nobody', limit: 10 })).toEqual([]);
  });

  it("reads editions' sends by outcome (oldest first, the latest N), one edition's overview, counts, problems and recipients", async () => {
    const store = await fresh();
    const a = await store.createSubscriber({ email: 'a@example.org', status: 'active', now: NOW });
    const b = await store.createSubscriber({ email: 'b@example.org', status: 'active', now: NOW });
    const c = await store.createSubscriber({ email: 'c@example.org', status: 'active', now: NOW });
    await seedEdition('2026-08-19', 'empty', 'nothing new');
    const e20 = await seedEdition('2026-08-20');
    const e21 = await seedEdition('2026-08-21');
    await seedDelivery(e20, a, 'sent');
    await seedDelivery(e21, a, 'sent');
    await seedDelivery(e21, b, 'failed', { error: '550 no such user', attempts: 3 });
    await seedDelivery(e21, c, 'pending', { error: '421 try later', attempts: 1 });

    expect(await store.editionSends(2)).toEqual([
      { date: '2026-08-20', status: 'ready', reason: null, sent: 1, failed: 0, bounced: 0, queued: 0, skipped: 0 },
      { date: '2026-08-21', status: 'ready', reason: null, sent: 1, failed: 1, bounced: 0, queued: 1, skipped: 0 },
    ]);
    expect((await store.editionSends(30))[0]).toEqual({ date: '2026-08-19', status: 'empty', reason: 'nothing new', sent: 0, failed: 0, bounced: 0, queued: 0, skipped: 0 });

    expect(await store.editionOverview('2026-08-21')).toEqual({ id: e21, date: '2026-08-21', status: 'ready', reason: null, subject: 'Digest', preparedAt: NOW });
    expect(await store.editionOverview('2026-08-22')).toBeUndefined();
    expect(await store.editionDeliveryCounts(e21)).toEqual({ pending: 1, sending: 0, sent: 1, failed: 1, bounced: 0, skipped: 0 });
    const problems = await store.deliveryProblems(e21);
    expect(problems.map(({ id: _id, ...p }) => p)).toEqual([
      { subscriber_id: b, status: 'failed', attempts: 3, next_attempt_at: null, error: '550 no such user' },
      { subscriber_id: c, status: 'pending', attempts: 1, next_attempt_at: null, error: '421 try later' },
    ]);
    expect(await store.deliveryProblems(e21, 1)).toHaveLength(1);
    expect(await store.deliveryProblems(e20)).toEqual([]);

    const recipients = await store.editionRecipients(e21);
    expect(recipients.map((r) => [r.subscriberId, r.email, r.messageId])).toEqual([
      [a, 'a@example.org', `<${e21}.${a}@x>`],
      [b, 'b@example.org', `<${e21}.${b}@x>`],
      [c, 'c@example.org', `<${e21}.${c}@x>`],
    ]);
    expect(recipients[0]!.sections).toEqual([{ kind: 'trending', title: 'Top', papers: [{ id: '2608.00001', reason: 'r' }] }]);
  });
  it("status reads: the latest edition whatever its status, an edition's pending deliveries by why they wait, and when the next comes due", async () => {
    const store = await fresh();
    expect(await store.latestEditionOverview()).toBeUndefined();
    expect(await store.nextDueAt(NOW)).toBeNull();
    const ids = [];
    for (const e of ['a', 'b', 'c', 'd', 'e']) ids.push(await store.createSubscriber({ email: `${e}@example.org`, status: 'active', now: NOW }));
    const e20 = await seedEdition('2026-08-20');
    const e21 = await seedEdition('2026-08-21', 'preparing');
    expect(await store.latestEditionOverview()).toMatchObject({ id: e21, date: '2026-08-21', status: 'preparing' });
    const later = '2026-08-21T09:00:00.000Z';
    const retryAt = '2026-08-21T07:30:00.000Z';
    await seedDelivery(e21, ids[0]!, 'pending'); // due now
    await seedDelivery(e21, ids[1]!, 'pending');
    await stores.run('UPDATE deliveries SET due_at = ? WHERE subscriber_id = ?', [later, ids[1]]); // a later local hour
    await seedDelivery(e21, ids[2]!, 'pending', { attempts: 1 });
    await stores.run('UPDATE deliveries SET next_attempt_at = ? WHERE subscriber_id = ?', [retryAt, ids[2]]); // waits to retry
    await seedDelivery(e21, ids[3]!, 'sent');
    await seedDelivery(e20, ids[4]!, 'pending'); // another edition's
    expect(await store.pendingBreakdown(e21, NOW)).toEqual({ due: 1, later: 1, retry: 1 });
    expect(await store.nextDueAt(NOW)).toBe(retryAt);
    expect(await store.nextDueAt('2026-08-21T08:00:00.000Z')).toBe(later);
    expect(await store.nextDueAt('2026-08-21T10:00:00.000Z')).toBeNull();
  });
});
