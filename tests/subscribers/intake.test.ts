// The subscribe intake keeps every request it answered 202 for: a batch that meets a locked, read-only or full
// database is written again later (with a fresh connection: one opened read-only stays read-only), a request is
// dropped only after the documented bound (retries, waiting requests) and every drop is counted by reason.
// It used to forget a request whose write failed on a read-only database (logged, then gone).
// Real SQLite files and a real SMTP server; the intake runs in-process here (intake-thread.test.ts runs it in its thread).
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { createIntake, type Intake, type IntakeSettings } from '../../src/subscribers/intake.js';
import { createIntakeCounters, type IntakeCounters } from '../../src/subscribers/intake-counters.js';
import { createSmtpMailer } from '../../src/mail/mailer.js';
import { silentLogger } from '../../src/lib/logger.js';
import { hashToken } from '../../src/lib/tokens.js';
import { createSqliteSubscribeSpool, hasSpooledSubscribeRequests } from '../../src/db/sqlite/subscribe-spool-repo.js';
import { createSqliteSubscribersCore } from '../../src/db/sqlite/subscribers-repo.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  app: TestApp;
  smtp: SmtpSink;
  intake: Intake;
  counters: IntakeCounters;
  commits: { ok: boolean; code: string | null }[];
  opened: Db[];
}

/** `open(n)` opens the intake's n-th connection (0, 1, …): a test decides which ones are broken and how. */
async function rig(
  open: (n: number, path: string) => Db,
  settings: Partial<IntakeSettings> = {},
  afterCommit: (ok: boolean, path: string) => void = () => {},
): Promise<Rig> {
  const app = createTestApp();
  const smtp = await startSmtpSink();
  const mailer = createSmtpMailer(smtp.url, { from: 'Digest <digest@papers.example.org>', maxConnections: 2, ratePerSecond: 0 });
  const counters = createIntakeCounters();
  const commits: Rig['commits'] = [];
  const opened: Db[] = [];
  let n = 0;
  const intake = createIntake(
    {
      openDb: () => {
        const db = open(n++, app.config.databasePath);
        opened.push(db);
        return db;
      },
      mailer,
      logger: silentLogger(),
      counters,
      onCommit: (ok, code) => {
        commits.push({ ok, code });
        afterCommit(ok, app.config.databasePath);
      },
    },
    { publicBaseUrl: app.config.publicBaseUrl, confirmTtlHours: 48, confirmResendMinutes: 10, writeRetryDelayMs: 5, ...settings },
  );
  cleanups.push(async () => {
    intake.close();
    for (const db of opened) if (db.open) db.close();
    await mailer.close();
    await smtp.close();
    await app.cleanup();
  });
  return { app, smtp, intake, counters, commits, opened };
}

/** Polls (event loop turns and short timers, bounded) until `check` holds: no assertion rests on elapsed time. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const AT = new Date('2026-08-21T07:00:00.000Z');
const writable = (_n: number, path: string) => openDatabase(path);

describe('subscribe intake', () => {
  it('keeps a batch that met a locked database and writes it once the lock is gone', async () => {
    const r = await rig((_n, path) => openDatabase(path, { busyTimeoutMs: 10 }));
    const blocker = openDatabase(r.app.config.databasePath);
    cleanups.push(() => void (blocker.open && blocker.close()));
    blocker.exec('BEGIN IMMEDIATE'); // another process holding the write lock (a long prepare, say)
    r.intake.receive({ email: 'late@example.org' }, AT);
    await until(() => r.commits.some((c) => c.code === 'SQLITE_BUSY'), 'a busy write');
    expect(r.app.subscriptions.repo.getByEmail('late@example.org')).toBeUndefined();
    expect(r.counters.get('waiting')).toBe(1);
    blocker.exec('COMMIT');
    await until(() => r.counters.get('waiting') === 0, 'the write');
    expect(r.app.subscriptions.repo.getByEmail('late@example.org')?.status).toBe('pending');
    await r.intake.drain();
    expect(r.smtp.messages.map((m) => m.to)).toEqual([['late@example.org']]);
    expect(r.counters.dropped()).toEqual({ write_failed: 0, buffer_full: 0, invalid: 0, worker_failed: 0 });
    expect(r.opened).toHaveLength(1); // contention: the same connection waits
  });

  it("sends a confirmation whose token met a locked database once the lock is gone (it was given up: window freed, no email)", async () => {
    // Another writer takes the lock right after the request's batch commits (the daily preparation's steps commit
    // back to back: the 1,000,000 soak lost one confirmation this way, SQLITE_BUSY after the busy timeout).
    let blocker: Db | undefined;
    const r = await rig((_n, path) => openDatabase(path, { busyTimeoutMs: 10 }), {}, (ok, path) => {
      if (!ok || blocker) return;
      blocker = openDatabase(path);
      blocker.exec('BEGIN IMMEDIATE');
    });
    cleanups.push(() => void (blocker?.open && blocker.close()));
    r.intake.receive({ email: 'locked-out@example.org' }, AT);
    await until(() => blocker !== undefined, 'the batch commit');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the token write meets the lock, more than once
    expect(r.smtp.messages).toEqual([]);
    blocker!.exec('COMMIT');
    await r.intake.drain();
    expect(r.smtp.messages.map((m) => m.to)).toEqual([['locked-out@example.org']]);
    const token = /confirm\?token=([\w-]+)/.exec((await r.smtp.parsed(0)).text ?? '')![1]!;
    expect(r.app.subscriptions.repo.getByEmail('locked-out@example.org')?.confirm_token_hash).toBe(hashToken(token));
  });

  it('keeps requests that met a read-only database and writes them once it can take writes (a fresh connection)', async () => {
    // The first two connections are opened read-only (a read-only mount, a file without write permission).
    const r = await rig((n, path) => (n < 2 ? openDatabase(path, { readonly: true }) : openDatabase(path)));
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) r.intake.receive({ email }, AT);
    await until(() => r.counters.get('waiting') === 0, 'the writes');
    expect(r.commits.slice(0, 3)).toEqual([
      { ok: false, code: 'SQLITE_READONLY' },
      { ok: false, code: 'SQLITE_READONLY' },
      { ok: true, code: null },
    ]);
    expect(r.app.subscriptions.repo.countByStatus().pending).toBe(3);
    await r.intake.drain();
    expect(r.smtp.messages).toHaveLength(3);
    expect(r.counters.dropped().write_failed).toBe(0);
  });

  it('keeps requests that met a full database (SQLITE_FULL) and writes them when there is room again', async () => {
    // max_page_count at the current size: SQLite answers "database or disk is full" to any growth.
    const r = await rig((n, path) => {
      const db = openDatabase(path);
      if (n === 0) db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      return db;
    });
    const emails = Array.from({ length: 80 }, (_, i) => `full-${i}@example.org`); // more than one page of rows
    for (const email of emails) r.intake.receive({ email }, AT);
    await until(() => r.counters.get('waiting') === 0, 'the writes');
    expect(r.commits[0]).toEqual({ ok: false, code: 'SQLITE_FULL' });
    expect(r.app.subscriptions.repo.countByStatus().pending).toBe(80);
    expect(r.counters.dropped().write_failed).toBe(0);
    await r.intake.drain();
  });

  it('drops a request only after the retries, counts it by reason, and the next request is written', async () => {
    let broken = true;
    const r = await rig((_n, path) => (broken ? openDatabase(path, { readonly: true }) : openDatabase(path)), { writeRetries: 3 });
    r.intake.receive({ email: 'lost@example.org' }, AT);
    await until(() => r.counters.dropped().write_failed === 1, 'the drop');
    expect(r.commits.filter((c) => !c.ok)).toHaveLength(4); // the first try and three retries
    expect(r.counters.get('waiting')).toBe(0);
    expect(r.counters.get('finished')).toBe(1);
    broken = false;
    r.intake.receive({ email: 'next@example.org' }, AT);
    await r.intake.drain();
    await until(() => r.counters.get('finished') === 2, 'the second write');
    expect(r.app.subscriptions.repo.getByEmail('next@example.org')?.status).toBe('pending');
    expect(r.app.subscriptions.repo.getByEmail('lost@example.org')).toBeUndefined();
  });

  it('bounds the requests waiting to be written: beyond the bound one is dropped at once and counted', async () => {
    const r = await rig((_n, path) => openDatabase(path, { readonly: true }), { maxWaiting: 5, writeRetryDelayMs: 60_000 });
    for (let i = 0; i < 7; i++) r.intake.receive({ email: `w${i}@example.org` }, AT);
    expect(r.counters.dropped().buffer_full).toBe(2);
    expect(r.counters.get('waiting')).toBe(5);
    await until(() => r.commits.length > 0, 'the first attempt');
    expect(r.counters.get('waiting')).toBe(5); // kept for the retry, not dropped
    r.intake.close(); // stopping with requests unwritten: counted too
    expect(r.counters.dropped()).toMatchObject({ buffer_full: 2, write_failed: 5 });
  });

  it('stores a confirmation token as its email leaves, and sends nothing for a decision that no longer stands', async () => {
    // One email at a time: while the first is held at the end of DATA, the second's window is freed (as a failed
    // send or a newer request would) — its email must not go out, and no token of it may exist.
    const r = await rig(writable, { confirmConcurrency: 1 });
    const repo = r.app.subscriptions.repo;
    const at = new Date(); // the link is confirmed below on the app's real clock, within its 48 hours
    r.smtp.faults.dataDelayMs = (to) => {
      if (to.includes('first@example.org')) repo.releaseConfirmWindow(repo.getByEmail('second@example.org')!.id, at.toISOString());
      return 0;
    };
    r.intake.receive({ email: 'first@example.org' }, at);
    r.intake.receive({ email: 'second@example.org' }, at);
    await r.intake.drain();
    expect(r.smtp.messages.map((m) => m.to)).toEqual([['first@example.org']]);
    const token = /confirm\?token=([\w-]+)/.exec((await r.smtp.parsed(0)).text ?? '')![1]!;
    expect(repo.getByEmail('first@example.org')).toMatchObject({
      confirm_token_hash: hashToken(token),
      confirm_sent_at: at.toISOString(),
      confirm_expires_at: new Date(at.getTime() + 48 * 3_600_000).toISOString(),
    });
    expect(repo.getByEmail('second@example.org')).toMatchObject({ status: 'pending', confirm_token_hash: null, confirm_sent_at: null });
    expect(await r.app.subscriptions.confirm(token)).toMatchObject({ ok: true });
    expect(repo.getByEmail('first@example.org')?.status).toBe('active');
  });

  it("drops only a request that is itself invalid (a constraint), never its batch", async () => {
    const r = await rig(writable);
    r.intake.receive({ email: 'ok1@example.org' }, AT);
    r.intake.receive({ email: 'bad@example.org', hour: 24 }, AT); // CHECK (delivery_hour BETWEEN 0 AND 23)
    r.intake.receive({ email: 'ok2@example.org' }, AT);
    await r.intake.drain();
    expect(r.counters.dropped().invalid).toBe(1);
    expect(r.app.subscriptions.repo.getByEmail('ok1@example.org')?.status).toBe('pending');
    expect(r.app.subscriptions.repo.getByEmail('ok2@example.org')?.status).toBe('pending');
    expect(r.app.subscriptions.repo.getByEmail('bad@example.org')).toBeUndefined();
    expect(r.commits).toEqual([{ ok: true, code: null }]);
  });
});

// A burst of sign-ups: while the site is busy the intake keeps each batch in the spool (one append) and records the
// requests when it is quiet again — the CPU goes to answering them first. Nothing is lost, the order is kept, a
// stopped process's spool is applied by the next one, and each spooled request is applied exactly once.
describe('subscribe intake: the spool', () => {
  /** Keeps the traffic meter above its threshold (the HTTP thread's count of requests) until the returned stop. */
  const keepBusy = (counters: IntakeCounters) => {
    counters.add('foreground', 1_000);
    const t = setInterval(() => counters.add('foreground', 100), 20);
    return () => clearInterval(t);
  };
  const spoolRows = (db: Db) => (db.prepare('SELECT count(*) AS n FROM subscribe_spool').get() as { n: number }).n;

  it('while the site is busy, keeps requests in the spool, and records and confirms them once it is quiet', async () => {
    const r = await rig(writable);
    const repo = r.app.subscriptions.repo;
    const quiet = keepBusy(r.counters);
    const emails = Array.from({ length: 300 }, (_, i) => `burst-${i}@example.org`); // more than one batch
    for (const email of emails) r.intake.receive({ email }, AT);
    // The same address twice: the later request's topics win, as they would unspooled.
    r.intake.receive({ email: 'twice@example.org', topics: ['cs.CL'] }, AT);
    r.intake.receive({ email: 'twice@example.org', topics: ['cs.LG'] }, new Date(AT.getTime() + 60_000));
    await until(() => r.counters.get('spooled') === 302, 'the spooled batches');
    expect(r.counters.get('waiting')).toBe(0); // durable in the database: written, as far as the 202 goes
    expect(spoolRows(r.app.db)).toBe(302);
    expect(repo.countByStatus().pending).toBe(0);
    expect(r.smtp.messages).toHaveLength(0);
    quiet();
    await until(() => repo.countByStatus().pending === 301, 'the spool applied once the site is quiet', 15_000);
    await r.intake.drain();
    expect(spoolRows(r.app.db)).toBe(0);
    expect(r.counters.get('spoolApplied')).toBe(302);
    expect(r.smtp.messages).toHaveLength(301); // one per address: the second request of twice@ was throttled
    expect(repo.getByEmail('burst-0@example.org')).toMatchObject({ status: 'pending', confirm_sent_at: AT.toISOString() });
    expect(repo.topics(repo.getByEmail('twice@example.org')!.id)).toEqual(['cs.LG']);
    expect(r.counters.dropped()).toEqual({ write_failed: 0, buffer_full: 0, invalid: 0, worker_failed: 0 });
  });

  it('applies a spool bigger than the confirmation queue as the queue empties: no confirmation is dropped', async () => {
    const r = await rig(writable, { confirmMaxQueued: 300 });
    const quiet = keepBusy(r.counters);
    for (let i = 0; i < 700; i++) r.intake.receive({ email: `big-${i}@example.org` }, AT);
    await until(() => r.counters.get('spooled') === 700, 'the spooled batches');
    quiet();
    await r.intake.drain();
    expect(r.app.subscriptions.repo.countByStatus().pending).toBe(700);
    expect(r.smtp.messages).toHaveLength(700);
    expect(r.counters.get('confirmationsDropped')).toBe(0);
  });

  it('in a flood that lasts, applies the spool a batch at a time once it has been held for the hold time', async () => {
    const r = await rig(writable, { spoolHoldMs: 50 });
    const quiet = keepBusy(r.counters);
    cleanups.push(quiet);
    for (let i = 0; i < 10; i++) r.intake.receive({ email: `flood-${i}@example.org` }, AT);
    await until(() => r.counters.get('spooled') === 10, 'the spooled batch');
    await until(() => r.app.subscriptions.repo.countByStatus().pending === 10, 'the spool applied while still busy', 15_000);
    expect(spoolRows(r.app.db)).toBe(0);
  });

  it('applies what a stopped process left in the spool, once, even on a connection that first cannot write', async () => {
    // Two requests kept by a process that stopped before applying them (its own connection, now closed).
    const r = await rig((n, path) => (n === 0 ? openDatabase(path, { readonly: true }) : openDatabase(path)));
    const left = openDatabase(r.app.config.databasePath);
    createSqliteSubscribeSpool(left, createSqliteSubscribersCore(left).subscribeBatch).keep([
      { request: { email: 'left-1@example.org', topics: ['cs.CL'] }, at: AT.toISOString() },
      { request: { email: 'left-2@example.org', hour: 7, timezone: 'Europe/Berlin' }, at: AT.toISOString() },
    ]);
    left.close();
    expect(hasSpooledSubscribeRequests(r.app.db)).toBe(true);
    r.intake.resumeSpool();
    await until(() => r.app.subscriptions.repo.countByStatus().pending === 2, 'the left requests applied');
    expect(r.commits[0]).toEqual({ ok: false, code: 'SQLITE_READONLY' }); // the read-only try left every row in place
    await r.intake.drain();
    expect(r.smtp.messages.map((m) => m.to).flat().sort()).toEqual(['left-1@example.org', 'left-2@example.org']);
    expect(r.app.subscriptions.repo.getByEmail('left-2@example.org')).toMatchObject({ delivery_hour: 7, timezone: 'Europe/Berlin', confirm_sent_at: AT.toISOString() });
    expect(hasSpooledSubscribeRequests(r.app.db)).toBe(false);
    // Another intake on the same database finds nothing more to apply: no second email.
    const again = await rig(writable);
    again.intake.resumeSpool();
    await again.intake.drain();
    expect(again.smtp.messages).toHaveLength(0);
  });

  it('reports a spooled row it cannot read as an invalid request and removes it with its batch', async () => {
    const r = await rig(writable);
    r.app.db.prepare('INSERT INTO subscribe_spool (received_at, email, request) VALUES (?, ?, ?), (?, ?, ?)')
      .run(AT.toISOString(), 'x@example.org', '{"email": 42}', AT.toISOString(), 'fine@example.org', '{"email":"fine@example.org"}');
    r.intake.resumeSpool();
    await r.intake.drain();
    expect(r.counters.dropped().invalid).toBe(1);
    expect(r.app.subscriptions.repo.getByEmail('fine@example.org')?.status).toBe('pending');
    expect(spoolRows(r.app.db)).toBe(0);
  });

  it("erasing a subscriber removes their requests still in the spool (which would bring the address back)", async () => {
    const r = await rig(writable);
    const repo = r.app.subscriptions.repo;
    r.intake.receive({ email: 'gone@example.org' }, AT);
    await r.intake.drain();
    const quiet = keepBusy(r.counters);
    r.intake.receive({ email: 'gone@example.org', topics: ['cs.CL'] }, new Date(AT.getTime() + 3_600_000));
    await until(() => r.counters.get('spooled') === 1, 'the spooled request');
    expect(repo.deleteCompletely(repo.getByEmail('gone@example.org')!.id)).toBeGreaterThan(0);
    expect(spoolRows(r.app.db)).toBe(0);
    quiet();
    await r.intake.drain();
    expect(repo.getByEmail('gone@example.org')).toBeUndefined();
  });
});
