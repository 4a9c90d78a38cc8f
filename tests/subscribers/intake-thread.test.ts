// Subscribing costs the HTTP thread the same whatever the address's state, by construction: the request handler
// only hands the request to the intake thread, which records it and sends the confirmation email. Shown without
// timing anything: with the HTTP thread's database closed, every state still gets the identical 202 and is
// recorded; and with the HTTP thread blocked, the records and the emails still appear — so none of that work
// (the reads, the writes, the email that differ by state) can run on the thread that answers requests.
// It used to run there, right after the response: a request arriving next was slower when the previous one had
// triggered a confirmation email (a timing side channel telling a new address from a confirmed one).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createTestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { OUTBOX_MS } from '../../src/subscribers/intake-client.js';
import { createSqliteSubscribeSpool, hasSpooledSubscribeRequests } from '../../src/db/sqlite/subscribe-spool-repo.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Blocks this thread (no event loop turn at all) until `check` holds or `ms` pass. */
function blockUntil(check: () => boolean, ms: number): boolean {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    Atomics.wait(nap, 0, 0, 10);
  }
  return check();
}

/** Waits (event loop turns, bounded) until `check` holds. */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the subscribe request path', () => {
  it('does nothing that depends on the address: no database on this thread, the work done by the intake thread', async () => {
    const clock = fixedClock('2026-08-21T10:00:00.000Z');
    const app = createTestApp({ SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000' }, { clock }); // mail goes to the outbox folder
    cleanups.push(() => app.cleanup());
    const http = await buildHttpApp(app);
    cleanups.push(() => http.close());
    const repo = app.subscriptions.repo;
    const now = clock.now().toISOString();
    repo.create({ email: 'active@example.org', status: 'active', now });
    repo.create({ email: 'bounced@example.org', status: 'bounced', now });
    repo.create({ email: 'gone@example.org', status: 'unsubscribed', now });
    const pending = repo.create({ email: 'pending@example.org', status: 'pending', now });
    // Mailed a minute ago: its request took the window then, and its token went out with its email.
    const mailedAt = new Date(clock.now().getTime() - 60_000).toISOString();
    repo.subscribe({ email: 'pending@example.org' }, { now: mailedAt, resendMinutes: 60 });
    expect(repo.issueConfirmToken(pending, mailedAt, 'h'.repeat(64), '2026-08-23T10:00:00.000Z')).toBe(true);
    const path = app.config.databasePath;

    // The HTTP thread's connection is gone: whatever answering a subscribe request does here cannot read state.
    app.db.close();
    const emails = ['new@example.org', 'pending@example.org', 'active@example.org', 'gone@example.org', 'bounced@example.org'];
    const answers = [];
    for (const email of emails) {
      const res = await http.inject({ method: 'POST', url: '/api/subscriptions', payload: { email } });
      const { date: _d, 'x-ratelimit-remaining': _r, 'x-ratelimit-reset': _s, ...headers } = res.headers;
      answers.push({ status: res.statusCode, body: res.body, headers });
    }
    expect(answers[0]!.status).toBe(202);
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);

    // The requests are handed over in one message OUTBOX_MS after the first: a timer set later for longer fires after it.
    await new Promise((resolve) => setTimeout(resolve, 2 * OUTBOX_MS));
    // Now block this thread entirely. The records and the emails appear anyway: another thread does that work.
    const reader = new Database(path, { readonly: true });
    cleanups.push(() => void reader.close());
    const status = (email: string) => (reader.prepare('SELECT status FROM subscribers WHERE email = ?').get(email) as { status: string } | undefined)?.status;
    const outbox = app.config.mail.outboxDir;
    const mails = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : []);
    const done = blockUntil(() => status('new@example.org') === 'pending' && status('gone@example.org') === 'pending' && mails().length === 2, 30_000);
    expect(done, `recorded: new=${status('new@example.org')} gone=${status('gone@example.org')}, emails: ${mails().length}`).toBe(true);
    // One email each for the new and the returning address; none for pending (within its window), active or bounced.
    expect(mails().map((f) => f.replace(/^.*-\d{4}-/, '')).sort()).toEqual(['gone@example.org.eml', 'new@example.org.eml']);
    expect(['active', 'bounced', 'pending'].map((s) => status(`${s}@example.org`))).toEqual(['active', 'bounced', 'pending']);
  }, 60_000);

  it("at the server's start, the intake thread applies and confirms what a stopped process left in the spool", async () => {
    const app = createTestApp();
    cleanups.push(() => app.cleanup());
    const at = new Date().toISOString(); // the confirmation links stay valid on the real clock
    createSqliteSubscribeSpool(app.db, app.subscriptions.repo.subscribeBatch).keep([
      { request: { email: 'left-a@example.org' }, at },
      { request: { email: 'left-b@example.org', topics: ['cs.CL'] }, at },
    ]);
    app.subscriptions.resumeIntake(); // what src/server.ts does after opening the app
    await app.subscriptions.drain();
    // An intake already open is told too: a request left after it opened is applied and confirmed.
    createSqliteSubscribeSpool(app.db, app.subscriptions.repo.subscribeBatch).keep([{ request: { email: 'left-c@example.org' }, at }]);
    app.subscriptions.resumeIntake();
    await until(() => !hasSpooledSubscribeRequests(app.db));
    await app.subscriptions.drain();
    expect(hasSpooledSubscribeRequests(app.db)).toBe(false);
    const repo = app.subscriptions.repo;
    expect([repo.getByEmail('left-a@example.org')?.status, repo.getByEmail('left-b@example.org')?.confirm_sent_at]).toEqual(['pending', at]);
    const outbox = app.config.mail.outboxDir;
    expect(readdirSync(outbox).filter((f) => f.endsWith('.eml')).map((f) => f.replace(/^.*-\d{4}-/, '')).sort()).toEqual([
      'left-a@example.org.eml',
      'left-b@example.org.eml',
      'left-c@example.org.eml',
    ]);
  }, 60_000);
});
