// `papers retry`'s contract on both engines (the sending area's retryDeliveries): an edition's failed deliveries go
// back to pending with a fresh attempt budget, pending ones waiting for a later retry are due now, a pause of
// sending is lifted and reported with the due deliveries it held; bounced, skipped, sent and other editions' rows stay.
import { describe, expect, it } from 'vitest';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

describe.each(testEngines())('delivery retry on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh } = stores;

  const seedEdition = async (date: string): Promise<number> => {
    await stores.run("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', 'Digest')", [date, NOW]);
    return Number((await stores.run('SELECT id FROM editions WHERE date = ?', [date]))[0]!.id);
  };
  const seed = async (editionId: number, subscriberId: number, status: string, o: { attempts?: number; next?: string; due?: string } = {}) =>
    stores.run(
      'INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [editionId, subscriberId, status, '[]', o.due ?? NOW, `<${editionId}.${subscriberId}@x>`, NOW, o.attempts ?? 0, o.next ?? null],
    );
  const rows = async (editionId: number) =>
    (await stores.run('SELECT subscriber_id, status, attempts, next_attempt_at FROM deliveries WHERE edition_id = ? ORDER BY subscriber_id', [editionId])).map((r) => ({
      ...r,
      subscriber_id: Number(r.subscriber_id),
    }));

  it('requeues failed, releases waiting, lifts the pause and counts what it held; other rows and editions stay', async () => {
    const store = await fresh();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await store.createSubscriber({ email: `r${i}@example.org`, status: 'active', now: NOW }));
    const [s0, s1, s2, s3, s4, s5] = ids as [number, number, number, number, number, number];
    const e = await seedEdition('2026-08-21');
    const other = await seedEdition('2026-08-20');
    await seed(e, s0, 'failed', { attempts: 5 });
    await seed(e, s1, 'pending', { attempts: 2, next: at(30) });
    await seed(e, s2, 'pending'); // due, held only by the pause
    await seed(e, s3, 'pending', { due: at(120) }); // not due yet (a later local hour)
    await seed(e, s4, 'bounced', { attempts: 1 });
    await seed(e, s5, 'sent', { attempts: 1 });
    await seed(other, s0, 'failed', { attempts: 5 });
    await store.startSendPause(at(-10), '421 too busy', at(5));

    const r = await store.retryDeliveries(e, NOW);
    expect(r).toEqual({ failed: 1, waiting: 1, held: 2, pause: { since: at(-10), reason: '421 too busy', probes: 0, next_probe_at: at(5), last_error: null } });
    expect(await store.sendPause()).toBeUndefined();
    expect(await rows(e)).toEqual([
      { subscriber_id: s0, status: 'pending', attempts: 0, next_attempt_at: null },
      { subscriber_id: s1, status: 'pending', attempts: 2, next_attempt_at: null },
      { subscriber_id: s2, status: 'pending', attempts: 0, next_attempt_at: null },
      { subscriber_id: s3, status: 'pending', attempts: 0, next_attempt_at: null },
      { subscriber_id: s4, status: 'bounced', attempts: 1, next_attempt_at: null },
      { subscriber_id: s5, status: 'sent', attempts: 1, next_attempt_at: null },
    ]);
    expect(await rows(other)).toEqual([{ subscriber_id: s0, status: 'failed', attempts: 5, next_attempt_at: null }]);

    // Again: nothing left to do, and no pause.
    expect(await store.retryDeliveries(e, at(1))).toEqual({ failed: 0, waiting: 0, held: 0, pause: undefined });
  });
});
