// The named locks' contract, one file for both engines (SQLite: a lease row; PostgreSQL: a session advisory lock):
// one holder at a time, whoever asks; the holder is shown while it holds; release frees it at once; a second
// acquire by the holder's rival succeeds only after; a holder that died is replaced at once (SQLite: by the
// caller's verdict on it; PostgreSQL: its session ended) and learns on renewal that it lost the lock.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/db/store.js';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
const TTL = 60_000;

describe.each(testEngines())('named locks on $name', ({ name: engine, open }) => {
  const stores = freshStores(open);
  const { fresh } = stores;
  const rival = (): Promise<Store> => stores.opened.secondStore();

  it('one holder at a time; the holder is shown; release frees it for the rival at once', async () => {
    const store = await fresh();
    const other = await rival();
    const a = await store.acquireLock('daily', 'host:1:aaaaaaaa', { now: NOW, ttlMs: TTL });
    expect(a?.owner).toBe('host:1:aaaaaaaa');
    expect(await other.acquireLock('daily', 'host:2:bbbbbbbb', { now: later(1000), ttlMs: TTL })).toBeUndefined();
    expect(await other.lockHolder('daily', later(1000))).toEqual({ owner: 'host:1:aaaaaaaa', expires_at: later(TTL) });
    // Another name is another lock.
    const prep = await other.acquireLock('prepare:2026-08-21', 'host:2:bbbbbbbb', { now: NOW, ttlMs: TTL });
    expect(prep).toBeDefined();
    expect(await a!.renew(later(30_000))).toBe(true);
    expect(await other.lockHolder('daily', later(31_000))).toEqual({ owner: 'host:1:aaaaaaaa', expires_at: later(30_000 + TTL) });

    await a!.release();
    await a!.release(); // idempotent
    expect(await store.lockHolder('daily', later(31_000))).toBeUndefined();
    const b = await other.acquireLock('daily', 'host:2:bbbbbbbb', { now: later(32_000), ttlMs: TTL });
    expect(b?.owner).toBe('host:2:bbbbbbbb');
    expect(await a!.renew(later(33_000))).toBe(false); // released: no longer the holder
    await b!.release();
    await prep!.release();
  });

  it('a holder that died is replaced at once, and the dead one learns on renewal that it lost the lock', async () => {
    const store = await fresh();
    const other = await rival();
    const dead = await store.acquireLock('daily', 'host:1:deaddead', { now: NOW, ttlMs: TTL });
    expect(dead).toBeDefined();
    if (engine === 'postgres') {
      // The holder's process is gone: the server ends its session (what happens to the connection of a kill -9'd process).
      // pg_locks is the whole cluster's: other tests' databases hold advisory locks of their own meanwhile.
      const rows = await stores.run(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      expect(rows).toHaveLength(1);
      await stores.run('SELECT pg_terminate_backend(?)', [rows[0]!.pid]);
      // The server drops the session's locks as the backend exits (soon after the call returns).
      for (let i = 0; i < 100 && (await other.lockHolder('daily', later(1000))); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await other.lockHolder('daily', later(1000))).toBeUndefined();
    }
    // Within the lease: SQLite asks the caller about the holder it finds (same host, process gone).
    const verdicts: string[] = [];
    const next = await other.acquireLock('daily', 'host:2:livelive', {
      now: later(1000),
      ttlMs: TTL,
      holderIsDead: (owner) => (verdicts.push(owner), owner === 'host:1:deaddead'),
    });
    expect(next?.owner).toBe('host:2:livelive');
    expect(verdicts).toEqual(engine === 'sqlite' ? ['host:1:deaddead'] : []);
    expect(await dead!.renew(later(2000))).toBe(false);
    await dead!.release(); // never throws on a connection already gone
    expect(await other.lockHolder('daily', later(2000))).toEqual({ owner: 'host:2:livelive', expires_at: later(1000 + TTL) });
    await next!.release();
  });

  it('a live holder is not taken over', async () => {
    const store = await fresh();
    const other = await rival();
    const live = await store.acquireLock('daily', 'host:1:livelive', { now: NOW, ttlMs: TTL });
    expect(await other.acquireLock('daily', 'host:2:otherone', { now: later(1000), ttlMs: TTL, holderIsDead: () => false })).toBeUndefined();
    expect(await live!.renew(later(2000))).toBe(true);
    await live!.release();
  });
});
