// The delivery ledger's contract as a sender uses it, one file for both engines: what a claim takes (pending, due,
// not waiting for a retry, an active reader, a ready edition; in id order from the cursor, up to the limit) and that
// two senders claiming at once never take the same delivery; each transition of an outcome (sent with its papers in
// the never-twice ledger, retry counted or not, gone, failed, bounced with its reader) applies only under the
// sender's own claim, except an accepted message, recorded as sent even after its claim was requeued; the queue's
// reads (pending id range, departed readers skipped by id window, due count, anything due, next retry, an active
// reader's address); the never-twice ledger's retention (pruned by edition date, in batches).
// Deliveries are written with plain SQL as the preparation writes them (its writes are not on the Store yet).
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/db/store.js';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
const selection = (...ids: string[]) => [
  { kind: 'trending', title: 'Top trending', papers: ids.slice(0, 1).map((id) => ({ id, reason: 'r' })) },
  { kind: 'topic', title: 'For you', topic: 'agents', papers: ids.slice(1).map((id) => ({ id, reason: 'matches' })) },
];

describe.each(testEngines())('delivery ledger on $name', ({ open }) => {
  const stores = freshStores(open);
  const { run } = stores;
  const secondProcess = (): Promise<Store> => stores.opened.secondStore();

  /** Readers 1..n active; a ready edition and one still preparing; one delivery per reader of the ready one. */
  const setup = async (n: number) => {
    const opened = await stores.open();
    const store = opened.store;
    const readers: number[] = [];
    for (let i = 1; i <= n; i++) readers.push(await store.createSubscriber({ email: `r${i}@example.org`, status: 'active', now: NOW }));
    await run("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', ?, 'ready', 's')", [NOW]);
    await run("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-22', ?, 'preparing', 's')", [NOW]);
    const [ready, preparing] = (await run('SELECT id FROM editions ORDER BY date')).map((r) => Number(r.id));
    const deliveries: number[] = [];
    for (const r of readers) {
      await run(
        "INSERT INTO deliveries (edition_id, subscriber_id, selection_json, due_at, message_id, updated_at, kind) VALUES (?, ?, ?, ?, ?, ?, 'daily')",
        [ready, r, JSON.stringify(selection(`2608.${String(r).padStart(5, '0')}`, '2608.99999')), NOW, `<${r}@example.org>`, NOW],
      );
      deliveries.push(Number((await run('SELECT id FROM deliveries WHERE edition_id = ? AND subscriber_id = ?', [ready, r]))[0]!.id));
    }
    return { store, readers, deliveries, ready: ready!, preparing: preparing! };
  };
  const statusOf = async (id: number) => (await run('SELECT status, attempts, claim_owner, error, next_attempt_at FROM deliveries WHERE id = ?', [id]))[0];

  it('claims pending, due, not-waiting deliveries of active readers in ready editions, in id order from the cursor, up to the limit', async () => {
    const { store, readers, deliveries, ready, preparing } = await setup(8);
    await store.unsubscribeSubscriber(readers[1]!, NOW); // skipped by the unsubscribe itself
    await run('UPDATE deliveries SET due_at = ? WHERE id = ?', [at(60), deliveries[2]]); // a later local hour
    await run('UPDATE deliveries SET next_attempt_at = ? WHERE id = ?', [at(5), deliveries[3]]); // waiting to retry
    await run("INSERT INTO deliveries (edition_id, subscriber_id, selection_json, due_at, message_id, updated_at) VALUES (?, ?, '[]', ?, '<p@x>', ?)", [
      preparing, readers[0], NOW, NOW,
    ]);

    const first = await store.recordAndClaim('sender-a', NOW, [], { cursor: 0, limit: 2, editionId: null });
    expect(first.claimed.map((d) => d.id)).toEqual([deliveries[0], deliveries[4]]);
    expect(first.claimed[0]).toEqual({
      id: deliveries[0], edition_id: ready, subscriber_id: readers[0], sections: selection('2608.00001', '2608.99999'),
      message_id: '<1@example.org>', attempts: 0, kind: 'daily',
    });
    expect(await statusOf(deliveries[0]!)).toMatchObject({ status: 'sending', claim_owner: 'sender-a' });
    const rest = await store.recordAndClaim('sender-a', NOW, [], { cursor: deliveries[4]!, limit: 10, editionId: ready });
    expect(rest.claimed.map((d) => d.id)).toEqual(deliveries.slice(5));
    expect((await store.recordAndClaim('sender-a', NOW, [], { cursor: 0, limit: 10, editionId: null })).claimed).toEqual([]);
    // Five minutes on, the retry is due; an hour on, the later hour too.
    expect((await store.recordAndClaim('sender-a', at(5), [], { cursor: 0, limit: 10, editionId: null })).claimed.map((d) => d.id)).toEqual([deliveries[3]]);
    expect((await store.recordAndClaim('sender-a', at(60), [], { cursor: 0, limit: 10, editionId: null })).claimed.map((d) => d.id)).toEqual([deliveries[2]]);
  });

  it('two senders claiming at once never take the same delivery, and together take all', async () => {
    const { store, deliveries } = await setup(60);
    const other = await secondProcess();
    const claimAll = async (s: Store, owner: string) => {
      const got: number[] = [];
      for (let cursor = 0; ; ) {
        const { claimed } = await s.recordAndClaim(owner, NOW, [], { cursor, limit: 7, editionId: null });
        if (!claimed.length) return got;
        for (const d of claimed) got.push(d.id);
        cursor = claimed[claimed.length - 1]!.id;
      }
    };
    const [a, b] = await Promise.all([claimAll(store, 'sender-a'), claimAll(other, 'sender-b')]);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(deliveries);
  });

  it('records each outcome only under its own claim; an accepted message is sent even after a requeue; papers enter the never-twice ledger', async () => {
    const { store, readers, deliveries, ready } = await setup(7);
    const [dSent, dRetry, dWait, dGone, dFailed, dBounced, dRequeued] = deliveries as [number, number, number, number, number, number, number];
    await store.recordAndClaim('sender-a', NOW, [], { cursor: 0, limit: 10, editionId: null });
    // The last one's claim was requeued (its sender judged dead).
    await run("UPDATE deliveries SET status = 'pending', claim_owner = NULL WHERE id = ?", [dRequeued]);

    const w = await store.recordAndClaim('sender-a', at(1), [
      { id: dSent, to: 'sent', response: '250 ok' },
      { id: dRetry, to: 'retry', error: '451 later', next: at(10), counted: true },
      { id: dWait, to: 'retry', error: 'connection refused', next: null, counted: false },
      { id: dGone, to: 'gone' },
      { id: dFailed, to: 'failed', error: '554 content' },
      { id: dBounced, to: 'bounced', subscriberId: readers[5]!, error: '550 no such user' },
      { id: dRequeued, to: 'sent', response: '250 late' },
      { id: dRetry, to: 'failed', error: 'a second outcome for a claim already settled' },
    ], null);
    expect(w.applied).toEqual([true, true, true, true, true, true, true, false]);
    expect(w.sentAfterRequeue).toEqual([dRequeued]);
    expect(w.claimed).toEqual([]);

    expect(await statusOf(dSent)).toMatchObject({ status: 'sent', attempts: 1, claim_owner: null, error: null });
    expect(await statusOf(dRetry)).toMatchObject({ status: 'pending', attempts: 1, error: '451 later', next_attempt_at: at(10) });
    expect(await statusOf(dWait)).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: null });
    expect(await statusOf(dGone)).toMatchObject({ status: 'skipped', error: 'subscriber no longer active' });
    expect(await statusOf(dFailed)).toMatchObject({ status: 'failed', attempts: 1, error: '554 content' });
    expect(await statusOf(dBounced)).toMatchObject({ status: 'bounced', attempts: 1 });
    expect(await store.getSubscriber(readers[5]!)).toMatchObject({ status: 'bounced', bounce_reason: '550 no such user' });
    expect(await statusOf(dRequeued)).toMatchObject({ status: 'sent', attempts: 1 });

    const ledger = await run('SELECT subscriber_id, papers_json FROM sent_papers WHERE edition_id = ? ORDER BY subscriber_id', [ready]);
    const papers = ledger.map((r) => [Number(r.subscriber_id), typeof r.papers_json === 'string' ? JSON.parse(r.papers_json) : r.papers_json]);
    expect(papers).toEqual([
      [readers[0], ['2608.00001', '2608.99999']],
      [readers[6], ['2608.00007', '2608.99999']],
    ]);
    // Another sender cannot settle a claim it does not hold.
    await store.recordAndClaim('sender-a', at(20), [], { cursor: 0, limit: 10, editionId: null });
    const foreign = await store.recordAndClaim('sender-b', at(20), [{ id: dRetry, to: 'failed', error: 'not mine' }], null);
    expect(foreign.applied).toEqual([false]);
    expect(await statusOf(dRetry)).toMatchObject({ status: 'sending', claim_owner: 'sender-a' });
  });

  it("reads the queue: pending id range, departed readers skipped by id window, due count, next retry, an active reader's address", async () => {
    const { store, readers, deliveries, ready } = await setup(6);
    expect(await store.pendingIdRange()).toEqual({ lo: deliveries[0], hi: deliveries[5] });
    expect(await store.countDue(NOW, null)).toBe(6);
    expect(await store.countDue(NOW, ready + 100)).toBe(0);
    // Readers who left without the unsubscribe's own skip (an import, a bounce elsewhere): skipped by window.
    await run("UPDATE subscribers SET status = 'unsubscribed' WHERE id IN (?, ?)", [readers[1], readers[4]]);
    expect(await store.skipDeparted(NOW, null, deliveries[0]! - 1, deliveries[2]!)).toBe(1);
    expect(await store.skipDeparted(NOW, ready, deliveries[2]!, deliveries[5]!)).toBe(1);
    expect(await store.countDue(NOW, null)).toBe(4);
    await run('UPDATE deliveries SET next_attempt_at = ? WHERE id = ?', [at(30), deliveries[3]]);
    await run('UPDATE deliveries SET next_attempt_at = ? WHERE id = ?', [at(15), deliveries[5]]);
    expect(await store.nextRetryAt(NOW, null)).toBe(at(15));
    expect(await store.nextRetryAt(at(20), ready)).toBe(at(30));
    expect(await store.activeEmail(readers[0]!)).toBe('r1@example.org');
    expect(await store.activeEmail(readers[1]!)).toBeUndefined();
  });

  it('says whether anything pending is due now: its time reached and no retry time ahead', async () => {
    const { store, deliveries } = await setup(2);
    expect(await store.anyDue(NOW)).toBe(true);
    expect(await store.anyDue(at(-1))).toBe(false); // before any due time
    await run('UPDATE deliveries SET next_attempt_at = ? WHERE id = ?', [at(10), deliveries[0]]);
    await run("UPDATE deliveries SET status = 'sent' WHERE id = ?", [deliveries[1]]);
    expect(await store.anyDue(NOW)).toBe(false); // one waits for its retry, the other is done
    expect(await store.anyDue(at(10))).toBe(true);
    await store.recordAndClaim('sender-a', at(10), [], { cursor: 0, limit: 5, editionId: null });
    expect(await store.anyDue(at(10))).toBe(false); // claimed: no longer pending
  });

  it("prunes the never-twice ledger's rows of editions before a date, a batch at a time, and nothing newer", async () => {
    const { store, readers } = await setup(5);
    await run("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-07-01', ?, 'ready', 's')", [NOW]);
    await run("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-07-02', ?, 'ready', 's')", [NOW]);
    const ids = Object.fromEntries((await run('SELECT id, date FROM editions')).map((r) => [String(r.date), Number(r.id)]));
    for (const date of ['2026-07-01', '2026-07-02', '2026-08-21'])
      for (const r of readers) await run('INSERT INTO sent_papers (edition_id, subscriber_id, papers_json) VALUES (?, ?, ?)', [ids[date], r, '["2607.00001"]']);
    let pauses = 0;
    expect(await store.pruneSentPapers('2026-07-02', { batchSize: 2, pause: async () => void pauses++ })).toBe(5);
    expect(pauses).toBe(2); // batches of 2, 2, 1: a pause after each full one
    const left = async () => (await run('SELECT edition_id, count(*) AS n FROM sent_papers GROUP BY edition_id ORDER BY edition_id')).map((r) => [Number(r.edition_id), Number(r.n)]);
    expect(await left()).toEqual([[ids['2026-08-21'], 5], [ids['2026-07-02'], 5]]); // (the July editions were inserted last)
    expect(await store.pruneSentPapers('2026-08-21')).toBe(5);
    expect(await store.pruneSentPapers('2026-08-21')).toBe(0);
    expect(await left()).toEqual([[ids['2026-08-21'], 5]]);
  });

  it('counts the due deliveries however far apart their ids are, claimed (sending) ones included', async () => {
    const { store, deliveries, ready } = await setup(4);
    // Ids several of the SQLite count's windows (5,000 ids) apart, the last one claimed.
    await run('UPDATE deliveries SET id = ? WHERE id = ?', [deliveries[2]! + 12_000, deliveries[2]]);
    await run('UPDATE deliveries SET id = ? WHERE id = ?', [deliveries[3]! + 31_000, deliveries[3]]);
    const claimed = await store.recordAndClaim('sender-a', NOW, [], { cursor: deliveries[3]! + 30_000, limit: 1, editionId: ready });
    expect(claimed.claimed.map((d) => d.id)).toEqual([deliveries[3]! + 31_000]);
    expect(await store.countDue(NOW, ready)).toBe(4);
    expect(await store.countDue(at(-1), ready)).toBe(0);
    expect(await store.pendingIdRange()).toEqual({ lo: deliveries[0], hi: deliveries[2]! + 12_000 });
  });
});
