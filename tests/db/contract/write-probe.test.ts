// Readiness's write probe on both engines: one committed row, and on a database that cannot take it, the engine's
// error. On PostgreSQL the write health answers from the last probe (a round trip) and starts the next when stale.
import { describe, expect, it } from 'vitest';
import { freshStores, testEngines } from '../../helpers/engines.js';
import { createStoreWriteHealth, postgresUnwritable } from '../../../src/db/write-health.js';
import { fixedClock } from '../../../src/lib/clock.js';

const NOW = '2026-08-21T07:00:00.000Z';

describe.each(testEngines())('the write probe on $name', ({ name: engine, open }) => {
  const stores = freshStores(open);

  it('commits one row, again and again (an upsert), and rejects when the table cannot take it', async () => {
    const opened = await stores.open();
    await opened.store.probeWrite(NOW);
    await opened.store.probeWrite('2026-08-21T07:00:05.000Z');
    const rows = await stores.run('SELECT id, at FROM health_probe');
    expect(rows).toHaveLength(1);
    expect(new Date(rows[0]!.at as string).toISOString()).toBe('2026-08-21T07:00:05.000Z');
    if (engine === 'postgres') {
      await stores.run('DROP TABLE health_probe');
      await expect(opened.store.probeWrite(NOW)).rejects.toMatchObject({ code: '42P01' });
    }
  });
});

describe.each(testEngines().filter((e) => e.name === 'postgres'))('the store write health on $name', ({ open }) => {
  const stores = freshStores(open);

  it('is ready after opening; a failed probe makes it not ready at the next check; a real failure is remembered until a real commit', async () => {
    const opened = await stores.open();
    const clock = fixedClock(NOW);
    const store = opened.store;
    const health = createStoreWriteHealth({ probe: (now) => store.probeWrite(now), clock, probeIntervalMs: 5_000 });
    expect(health.check().database).toEqual({ ok: true });

    await stores.run('DROP TABLE health_probe');
    clock.set('2026-08-21T07:00:06.000Z');
    expect(health.check().database.ok).toBe(true); // the stale result, while the probe runs
    await expect.poll(() => health.check().database, { timeout: 5_000 }).toEqual({ ok: false, error: '42P01' });
    expect(health.check().disk).toEqual({ ok: true, freeBytes: null, floorBytes: 0 }); // the server's disk, not ours

    await stores.run('CREATE TABLE health_probe (id integer PRIMARY KEY CHECK (id = 1), at timestamptz NOT NULL)');
    clock.set('2026-08-21T07:00:12.000Z');
    health.check();
    await expect.poll(() => health.check().database, { timeout: 5_000 }).toEqual({ ok: true });

    // What the intake and the routes report for their real writes: a full disk on the server.
    health.recordError(Object.assign(new Error('could not extend file'), { code: '53100' }));
    expect(health.check().database).toMatchObject({ ok: false, error: '53100' });
    health.record(true, null);
    expect(health.check().database).toEqual({ ok: true });
    // A constraint violation is the request's fault, not the database's.
    health.recordError(Object.assign(new Error('duplicate key'), { code: '23505' }));
    expect(health.check().database).toEqual({ ok: true });
  });

  it('classifies the codes that mean "cannot write now"', () => {
    for (const code of ['53100', '53200', '53300', '25006', '57P01', '57P03', '08006', 'ECONNREFUSED', 'ECONNRESET']) expect(postgresUnwritable(code)).toBe(true);
    for (const code of ['23505', '22001', '40001', '40P01', '55P03', '42P01', null]) expect(postgresUnwritable(code)).toBe(false);
  });
});
