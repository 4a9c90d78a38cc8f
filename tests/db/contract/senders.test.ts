// The senders' registry and the pause of sending, one file for both engines: a registered sender's heartbeat moves;
// releasing gives its claims back and removes it; the crash rule's requeue forgets the senders it condemns and gives
// back the claims of dead or unregistered owners, never a live one's; the claim holders are listed with their rows.
// The pause: one row, kept (start and probes) when started again, pushed back by a failed probe, lifted once.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/db/store.js';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

describe.each(testEngines())('senders and the pause on $name', ({ open }) => {
  const stores = freshStores(open);
  const { run } = stores;

  /** Three readers with a claimed delivery each: by sender A, by B, and by an owner that never registered. */
  const setup = async (): Promise<{ store: Store; ids: number[] }> => {
    const opened = await stores.open();
    const store = opened.store;
    await run("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', ?, 'ready', 's')", [NOW]);
    const edition = Number((await run('SELECT id FROM editions'))[0]!.id);
    const ids: number[] = [];
    for (const [i, owner] of ['sender-a', 'sender-b', 'ghost'].entries()) {
      const reader = await store.createSubscriber({ email: `r${i}@example.org`, status: 'active', now: NOW });
      await run(
        "INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, claim_owner) VALUES (?, ?, 'sending', '[]', ?, ?, ?, ?)",
        [edition, reader, NOW, `<${i}@x>`, NOW, owner],
      );
      ids.push(Number((await run('SELECT id FROM deliveries WHERE subscriber_id = ?', [reader]))[0]!.id));
    }
    await store.registerSender({ owner: 'sender-a', host: 'host-1', pid: 101 }, NOW);
    await store.registerSender({ owner: 'sender-b', host: 'host-2', pid: 202 }, NOW);
    return { store, ids };
  };
  const status = async (id: number) => (await run('SELECT status, claim_owner FROM deliveries WHERE id = ?', [id]))[0];

  it('heartbeats, lists claim holders with their rows, and releases a sender with its claims', async () => {
    const { store, ids } = await setup();
    await store.senderHeartbeat('sender-a', at(1));
    const holders = (await store.claimHolders()).sort((x, y) => String(x.owner).localeCompare(String(y.owner)));
    expect(holders).toEqual([
      { owner: 'ghost', host: null, pid: null, heartbeat_at: null },
      { owner: 'sender-a', host: 'host-1', pid: 101, heartbeat_at: at(1) },
      { owner: 'sender-b', host: 'host-2', pid: 202, heartbeat_at: NOW },
    ]);
    expect(await store.releaseSenderClaims('sender-a', at(2))).toBe(1);
    expect(await status(ids[0]!)).toEqual({ status: 'pending', claim_owner: null });
    expect(await run("SELECT owner FROM send_workers WHERE owner = 'sender-a'")).toEqual([]);
    expect(await store.releaseSenderClaims('sender-a', at(3))).toBe(0);
  });

  it("lists the senders one process registered (a forced shutdown gives back their claims)", async () => {
    const { store } = await setup();
    await store.registerSender({ owner: 'sender-c', host: 'host-1', pid: 101 }, NOW);
    await store.registerSender({ owner: 'sender-d', host: 'host-2', pid: 101 }, NOW);
    expect((await store.sendersOfProcess('host-1', 101)).sort()).toEqual(['sender-a', 'sender-c']);
    expect(await store.sendersOfProcess('host-2', 101)).toEqual(['sender-d']);
    expect(await store.sendersOfProcess('host-1', 999)).toEqual([]);
  });

  it("the crash rule's requeue forgets condemned senders and gives back dead and unregistered owners' claims, never a live one's", async () => {
    const { store, ids } = await setup();
    const judged: string[] = [];
    const requeued = await store.requeueDeadClaims((w) => (judged.push(w.owner), w.owner === 'sender-b'), at(5));
    expect(judged.sort()).toEqual(['sender-a', 'sender-b']);
    expect(requeued).toBe(2); // sender-b's and the ghost's
    expect(await status(ids[0]!)).toEqual({ status: 'sending', claim_owner: 'sender-a' });
    expect(await status(ids[1]!)).toEqual({ status: 'pending', claim_owner: null });
    expect(await status(ids[2]!)).toEqual({ status: 'pending', claim_owner: null });
    expect((await run('SELECT owner FROM send_workers ORDER BY owner')).map((r) => r.owner)).toEqual(['sender-a']);
    expect(await store.requeueDeadClaims(() => false, at(6))).toBe(0);
  });

  it('the pause: one row, kept when started again, pushed back by a failed probe, lifted once', async () => {
    const opened = await stores.open();
    const store = opened.store;
    expect(await store.sendPause()).toBeUndefined();
    await store.startSendPause(NOW, '421 too busy', at(1));
    await store.startSendPause(at(2), 'ECONNREFUSED', at(3)); // a second run meeting the same outage
    expect(await store.sendPause()).toEqual({ since: NOW, reason: '421 too busy', probes: 0, next_probe_at: at(3), last_error: 'ECONNREFUSED' });
    await store.sendPauseProbeFailed(at(10), 'still refused');
    expect(await store.sendPause()).toEqual({ since: NOW, reason: '421 too busy', probes: 1, next_probe_at: at(10), last_error: 'still refused' });
    expect(await store.liftSendPause()).toBe(true);
    expect(await store.liftSendPause()).toBe(false);
    expect(await store.sendPause()).toBeUndefined();
  });
});
