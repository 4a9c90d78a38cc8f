// /readyz tells whether a write can commit, on real SQLite files: a database file opened read-only, a real
// commit that failed (SQLITE_FULL: the last real outcome counts, not just a tiny probe that still fits), and free
// disk space under DISK_FREE_FLOOR_MB make it 503 while /healthz (liveness) stays 200. It used to take the write
// lock and roll back (BEGIN IMMEDIATE; ROLLBACK), which succeeds on a read-only file and on a full disk.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/lib/logger.js';
import { buildHttpApp } from '../../src/http/build-app.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(env: Record<string, string> = {}) {
  const clock = fixedClock('2026-08-21T07:00:00.000Z');
  const app = createTestApp(env, { clock });
  cleanups.push(() => app.cleanup());
  const http = await buildHttpApp(app);
  cleanups.push(() => http.close());
  return { app, http, clock };
}

describe('readiness', () => {
  it('is not ready on a database file that can only be read; liveness stays green', async () => {
    const { app: writer } = await serve(); // creates and migrates the file
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    const app = createApp(writer.config, { clock, logger: silentLogger(), db: openDatabase(writer.config.databasePath, { readonly: true }) });
    cleanups.push(() => app.close());
    const http = await buildHttpApp(app);
    cleanups.push(() => http.close());
    expect((await http.inject('/healthz')).statusCode).toBe(200);
    const r = await http.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'not-ready', checks: { database: { ok: false, error: 'SQLITE_READONLY' }, migrations: { ok: true } } });
  });

  it('a real commit that failed keeps it not ready while the tiny probe still fits, until a minute passes', async () => {
    const { app, http, clock } = await serve({ READYZ_WRITE_PROBE_SECONDS: '5' });
    expect((await http.inject('/readyz')).statusCode).toBe(200);
    // The database is full: not one more page. The probe (one row rewritten in place) still commits...
    app.db.pragma(`max_page_count = ${app.db.pragma('page_count', { simple: true }) as number}`);
    let full: unknown;
    try {
      app.db.transaction(() => {
        for (let i = 0; i < 200; i++) app.db.prepare('INSERT INTO http_cache (url, etag, last_modified, body, fetched_at) VALUES (?, ?, ?, ?, ?)').run(`https://x/${i}`, null, null, 'x'.repeat(2000), clock.now().toISOString());
      }).immediate();
    } catch (err) {
      full = err;
    }
    expect(full).toMatchObject({ code: 'SQLITE_FULL' });
    app.writeHealth.recordError(full); // what the intake and the HTTP routes report for their real writes
    clock.advance(5_000); // the next probe is due (and commits)
    const r = await http.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.database).toEqual({ ok: false, error: 'SQLITE_FULL', failedAt: '2026-08-21T07:00:00.000Z' });
    expect((await http.inject('/healthz')).statusCode).toBe(200);
    // A failure is remembered for a minute (it failed at 07:00:00) unless a real commit succeeds before.
    clock.advance(54_000);
    expect((await http.inject('/readyz')).statusCode).toBe(503);
    clock.advance(1_000);
    expect((await http.inject('/readyz')).statusCode).toBe(200);
    app.writeHealth.recordError(full);
    expect((await http.inject('/readyz')).statusCode).toBe(503);
    app.writeHealth.record(true, null);
    expect((await http.inject('/readyz')).statusCode).toBe(200);
  });

  it('is not ready when the free disk space is under DISK_FREE_FLOOR_MB', async () => {
    const { http } = await serve({ DISK_FREE_FLOOR_MB: '1000000000' }); // a petabyte: no test disk has that free
    const r = await http.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.disk).toEqual({ ok: false, freeBytes: expect.any(Number), floorBytes: 1_000_000_000 * 1024 * 1024 });
    expect((await http.inject('/healthz')).statusCode).toBe(200);
    const off = await serve({ DISK_FREE_FLOOR_MB: '0' });
    expect((await off.http.inject('/readyz')).json().checks.disk).toEqual({ ok: true, freeBytes: null, floorBytes: 0 });
  });
});
