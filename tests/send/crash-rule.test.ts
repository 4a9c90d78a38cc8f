// The crash rule (src/mail/send-claims.ts): a `sending` claim goes back to the queue exactly when its sender is
// dead — no registration, a vanished process on this host, or a heartbeat older than the lease — and never
// while its sender is alive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { newSenderIdentity, registerSender, requeueAbandonedClaims, hasAbandonedClaims, releaseSender, heartbeat } from '../../src/mail/send-claims.js';

const NOW = '2026-08-21T07:00:00.000Z';
const LEASE = 60_000;

describe('requeueAbandonedClaims', () => {
  let app: TestApp;
  const clock = fixedClock(NOW);
  let nextSubscriber = 0;

  beforeEach(() => {
    app = createTestApp({}, { clock });
    app.db.prepare("INSERT INTO editions (id, date, prepared_at, status, subject) VALUES (1, '2026-08-21', ?, 'ready', 's')").run(NOW);
  });
  afterEach(async () => {
    await app.cleanup();
  });

  /** A delivery claimed by `owner` (null: a claim without an owner). Returns its id. */
  function claimedBy(owner: string | null): number {
    const sub = app.subscriptions.repo.create({ email: `r${++nextSubscriber}@example.org`, status: 'active', now: NOW });
    return Number(
      app.db
        .prepare(
          `INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, attempts, claimed_at, claim_owner, updated_at)
           VALUES (1, ?, 'sending', '[]', ?, ?, 1, ?, ?, ?)`,
        )
        .run(sub, NOW, `<m${sub}@x>`, NOW, owner, NOW).lastInsertRowid,
    );
  }
  const statusOf = (id: number) => (app.db.prepare('SELECT status, claim_owner, attempts FROM deliveries WHERE id = ?').get(id) as { status: string; attempts: number });
  const worker = (owner: string, host: string, pid: number, heartbeatAt: string) =>
    app.db.prepare('INSERT INTO send_workers (owner, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)').run(owner, host, pid, heartbeatAt, heartbeatAt);

  it('requeues claims whose sender never registered or left no row (rule 1), keeping the attempt count', async () => {
    const a = claimedBy('ghost');
    const b = claimedBy(null);
    expect(await hasAbandonedClaims(app.store, { now: clock.now(), leaseMs: LEASE })).toBe(true);
    expect(requeueAbandonedClaims(app.db, { now: clock.now(), leaseMs: LEASE })).toBe(2);
    expect(statusOf(a)).toMatchObject({ status: 'pending', claim_owner: null, attempts: 1 });
    expect(statusOf(b).status).toBe('pending');
  });

  it('requeues at once the claims of a sender on this host whose process is gone (rule 2), however fresh its heartbeat', async () => {
    // A real process that has exited: its pid is free.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    const host = 'this-host';
    worker('dead-here', host, pid, NOW);
    const d = claimedBy('dead-here');
    expect(requeueAbandonedClaims(app.db, { now: clock.now(), leaseMs: LEASE, host })).toBe(1);
    expect(statusOf(d).status).toBe('pending');
    expect(app.db.prepare('SELECT count(*) AS n FROM send_workers').get()).toEqual({ n: 0 });
  });

  it('a row with our pid that is not one of our senders is a previous incarnation (a container restarted with the same pid)', () => {
    worker('previous-life', 'this-host', process.pid, NOW);
    const d = claimedBy('previous-life');
    expect(requeueAbandonedClaims(app.db, { now: clock.now(), leaseMs: LEASE, host: 'this-host' })).toBe(1);
    expect(statusOf(d).status).toBe('pending');
  });

  it('leaves alone a live sender on this host and one on another host until its heartbeat is a lease old (rule 3)', async () => {
    const ours = newSenderIdentity();
    registerSender(app.db, ours, clock.now());
    const mine = claimedBy(ours.owner);
    worker('parent-process', ours.host, process.ppid, NOW); // alive: the process that started this test
    const parents = claimedBy('parent-process');
    worker('elsewhere', 'another-host', 1, NOW);
    const remote = claimedBy('elsewhere');

    clock.advance(LEASE - 1000);
    heartbeat(app.db, ours.owner, clock.now());
    app.db.prepare("UPDATE send_workers SET heartbeat_at = ? WHERE owner = 'parent-process'").run(clock.now().toISOString());
    expect(requeueAbandonedClaims(app.db, { now: clock.now(), leaseMs: LEASE })).toBe(0);
    expect(await hasAbandonedClaims(app.store, { now: clock.now(), leaseMs: LEASE })).toBe(false);

    clock.advance(2000); // the remote sender's heartbeat is now older than the lease
    expect(requeueAbandonedClaims(app.db, { now: clock.now(), leaseMs: LEASE })).toBe(1);
    expect(statusOf(remote).status).toBe('pending');
    expect(statusOf(mine).status).toBe('sending');
    expect(statusOf(parents).status).toBe('sending');

    // Our own sender on its way out gives back what it holds.
    expect(releaseSender(app.db, ours.owner, clock.now())).toBe(1);
    expect(statusOf(mine)).toMatchObject({ status: 'pending', claim_owner: null });
    clock.set(NOW);
  });
});
