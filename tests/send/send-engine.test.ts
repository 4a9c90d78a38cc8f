// The sending engine against a real SMTP server that misbehaves: random 4xx replies, dropped connections,
// permanent rejections for chosen recipients, a server that goes down and comes back, a server that refuses
// us outright. Every active subscriber ends with the edition, bounced ones are marked, nothing is lost, and
// nothing is marked sent that the server did not accept.
import { afterEach, describe, expect, it } from 'vitest';
import { sendFixture, ledger, receivedBy, prng, PREPARED_AT, type SendFixture } from './setup.js';
import { sendDue, retryDeliveries, type SendOutcome } from '../../src/mail/send-edition.js';
import { createSendPauseRepo } from '../../src/db/send-pause-repo.js';


/** Runs the sender the way the scheduler would, until nothing is left to do (bounded). */
async function sendUntilDone(f: SendFixture, maxRuns = 20): Promise<SendOutcome[]> {
  const runs: SendOutcome[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    runs.push(r);
    if (!r.paused && r.remaining === 0) return runs;
  }
  throw new Error(`still ${runs.at(-1)?.remaining} remaining after ${maxRuns} runs: ${JSON.stringify(runs.at(-1))}`);
}

/** The ledger and the server agree: sent ⇔ the server holds a copy with the ledger's Message-ID. */
function expectLedgerMatchesServer(f: SendFixture) {
  const got = receivedBy(f.smtp.messages);
  for (const d of ledger(f.app, f.edition.id)) {
    const copies = got.get(d.email) ?? [];
    if (d.status === 'sent') {
      expect(copies.length, `${d.email} is marked sent`).toBeGreaterThanOrEqual(1);
      expect(new Set(copies)).toEqual(new Set([d.message_id]));
    } else {
      expect(copies, `${d.email} is ${d.status} but the server has a copy`).toEqual([]);
    }
  }
  const rows = f.app.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'sending'").get() as { n: number };
  expect(rows.n).toBe(0);
  expect((f.app.db.prepare('SELECT count(*) AS n FROM send_workers').get() as { n: number }).n).toBe(0);
}

describe('sendDue against a faulty SMTP server', () => {
  let f: SendFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('random 421/451 replies, dropped connections and 550 for chosen recipients: everyone else gets exactly one copy', async () => {
    f = await sendFixture({ subscribers: 60, env: { SEND_PAUSE_AFTER_FAILURES: '1000' } });
    const rejected = new Set([...f.emails.values()].filter((_, i) => i % 9 === 4));
    const random = prng(20260821);
    f.smtp.faults.rcpt = (to) => {
      if (rejected.has(to)) return { code: 550, message: '5.1.1 No such user' };
      const r = random();
      if (r < 0.12) return { code: 451, message: '4.3.0 Try again later' };
      if (r < 0.18) return { code: 421, message: '4.4.2 Closing connection' };
      if (r < 0.22) return 'drop';
      return null;
    };
    f.smtp.faults.data = () => {
      const r = random();
      if (r < 0.1) return { code: 451, message: '4.3.0 Queue full' };
      if (r < 0.14) return 'drop';
      return null;
    };
    const runs = await sendUntilDone(f);

    const got = receivedBy(f.smtp.messages);
    for (const email of f.emails.values()) {
      if (rejected.has(email)) expect(got.get(email), email).toBeUndefined();
      else expect(got.get(email), email).toHaveLength(1);
    }
    const rows = ledger(f.app, f.edition.id);
    expect(rows.filter((d) => d.status === 'bounced').map((d) => d.email).sort()).toEqual([...rejected].sort());
    expect(rows.filter((d) => d.status === 'bounced').every((d) => d.sub_status === 'bounced')).toBe(true);
    expect(rows.filter((d) => d.status === 'sent')).toHaveLength(60 - rejected.size);
    expect(rows.filter((d) => d.status === 'sent').every((d) => d.sub_status === 'active')).toBe(true);
    expect(runs.reduce((n, r) => n + r.retried, 0)).toBeGreaterThan(5); // the faults did happen
    expectLedgerMatchesServer(f);
    const bounced = f.app.db.prepare("SELECT bounce_reason FROM subscribers WHERE status = 'bounced' LIMIT 1").get() as { bounce_reason: string };
    expect(bounced.bounce_reason).toMatch(/550 5\.1\.1/);
  });

  it('the server goes down mid-send and comes back on the same port: the send pauses, the next send probes and finishes, nobody bounces', async () => {
    f = await sendFixture({ subscribers: 40, env: { SEND_PAUSE_AFTER_FAILURES: '4' } });
    const fx = f;
    let down: Promise<void> | undefined;
    f.smtp.faults.onMessage = () => {
      if (down || fx.smtp.messages.length < 12) return;
      // Down until the send has paused (not for a fixed time: on a busy machine the failures come slowly).
      down = fx.smtp.stop();
    };
    const first = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(first.paused).toBe(true);
    expect(first.pauseReason).toMatch(/consecutive failures/);
    expect(first.sent).toBeLessThan(40);
    expect(createSendPauseRepo(f.app.db).get()).toMatchObject({ since: PREPARED_AT, probes: 0 });
    // Caught in the outage, not counted against anyone, and due now (held only by the pause).
    expect(ledger(f.app, f.edition.id).filter((d) => d.status === 'pending').every((d) => d.attempts === 0)).toBe(true);
    await down;
    await f.smtp.start();
    await sendUntilDone(f); // a person's `send` probes at once
    expect(createSendPauseRepo(f.app.db).get()).toBeUndefined();

    const got = receivedBy(f.smtp.messages);
    for (const email of f.emails.values()) expect(got.get(email), email).toHaveLength(1);
    const rows = ledger(f.app, f.edition.id);
    expect(rows.every((d) => d.status === 'sent' && d.sub_status === 'active')).toBe(true);
    // Connection refused is not the delivery's fault: attempts are not used up by an outage.
    expect(Math.max(...rows.map((d) => d.attempts))).toBeLessThanOrEqual(3);
    expectLedgerMatchesServer(f);
  });

  it('a server that refuses us at the greeting (554) pauses at once and bounces nobody; fixing it resumes the send', async () => {
    f = await sendFixture({ subscribers: 12 });
    f.smtp.faults.connect = () => ({ code: 554, message: 'No SMTP service for you' });
    const first = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(first).toMatchObject({ paused: true, sent: 0, bounced: 0, failed: 0 });
    expect(first.pauseReason).toMatch(/refuses us.*554/);
    let rows = ledger(f.app, f.edition.id);
    expect(rows.every((d) => d.status === 'pending' && d.attempts === 0 && d.sub_status === 'active')).toBe(true);

    // A scheduled send waits for the probe time (30 s later); a person's send probes at once.
    f.smtp.faults.connect = undefined;
    expect(await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, probeNow: false })).toMatchObject({ paused: true, sent: 0, remaining: 12 });
    const second = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(second).toMatchObject({ paused: false, sent: 12, remaining: 0 });
    rows = ledger(f.app, f.edition.id);
    expect(rows.every((d) => d.status === 'sent')).toBe(true);
    expectLedgerMatchesServer(f);
  });

  it('"relay access denied" for every recipient is our misconfiguration: nobody is bounced', async () => {
    f = await sendFixture({ subscribers: 10 });
    f.smtp.faults.rcpt = (to) => ({ code: 554, message: `5.7.1 <${to}>: Relay access denied` });
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(r).toMatchObject({ paused: true, bounced: 0, sent: 0 });
    const subs = f.app.db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = 'active'").get() as { n: number };
    expect(subs.n).toBe(10);
    expect(ledger(f.app, f.edition.id).every((d) => d.status === 'pending')).toBe(true);
  });

  it('content rejected after DATA fails the deliveries without bouncing anyone, pauses, and `retry` puts them back', async () => {
    f = await sendFixture({ subscribers: 15, env: { SEND_PAUSE_AFTER_FAILURES: '3' } });
    f.smtp.faults.data = () => ({ code: 554, message: '5.7.1 Message content rejected' });
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(r.paused).toBe(true);
    expect(r.failed).toBeGreaterThanOrEqual(3);
    expect(r.failed).toBeLessThanOrEqual(3 + 2); // the pause stops claims; at most the others in flight finish
    expect(r.bounced).toBe(0);
    let rows = ledger(f.app, f.edition.id);
    expect(rows.every((d) => d.sub_status === 'active')).toBe(true);
    expect(rows.filter((d) => d.status === 'failed')).toHaveLength(r.failed);
    expect(rows.find((d) => d.status === 'failed')!.error).toMatch(/554 5\.7\.1/);

    f.smtp.faults.data = undefined;
    expect(await retryDeliveries(f.app.store, f.edition.id, f.clock.now())).toMatchObject({ failed: r.failed, held: 15 - r.failed, pause: { since: PREPARED_AT } });
    expect(createSendPauseRepo(f.app.db).get()).toBeUndefined();
    const again = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(again).toMatchObject({ sent: 15, paused: false, remaining: 0 });
    rows = ledger(f.app, f.edition.id);
    expect(rows.every((d) => d.status === 'sent')).toBe(true);
    expectLedgerMatchesServer(f);
  });

  it('a recipient that is always deferred is retried up to the attempt limit, then failed; the rest are sent', async () => {
    f = await sendFixture({ subscribers: 8, env: { SEND_MAX_ATTEMPTS: '4' } });
    const stuck = [...f.emails.values()][3]!;
    let tries = 0;
    f.smtp.faults.rcpt = (to) => (to === stuck ? (tries++, { code: 452, message: '4.2.2 Mailbox temporarily over quota' }) : null);
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(r).toMatchObject({ sent: 7, failed: 1, bounced: 0, retried: 3, remaining: 0, paused: false });
    expect(tries).toBe(4);
    const row = ledger(f.app, f.edition.id).find((d) => d.email === stuck)!;
    expect(row).toMatchObject({ status: 'failed', attempts: 4, sub_status: 'active' });
    expectLedgerMatchesServer(f);
  });

  it('backs a deferred delivery off by its own attempts (base, then twice the base, ±25 %), on the injected clock', async () => {
    f = await sendFixture({ subscribers: 4, env: { SEND_RETRY_BASE_SECONDS: '60' } });
    const slow = [...f.emails.values()][1]!;
    let tries = 0;
    f.smtp.faults.rcpt = (to) => (to === slow && ++tries <= 2 ? { code: 451, message: '4.7.1 Greylisted' } : null);
    const retryAt = () => ledger(f!.app, f!.edition.id).find((d) => d.email === slow)!;
    const nextAttemptAt = () => (f!.app.db.prepare('SELECT next_attempt_at AS at FROM deliveries WHERE id = ?').get(retryAt().id) as { at: string }).at;
    // Like the scheduler's sends: the run ends with the retry waiting; the test moves the clock.
    expect(await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, waitForRetries: false })).toMatchObject({ sent: 3, retried: 1, remaining: 1 });
    const first = Date.parse(nextAttemptAt()) - f.clock.now().getTime();
    expect(first).toBeGreaterThanOrEqual(45_000);
    expect(first).toBeLessThanOrEqual(75_000);
    expect(retryAt()).toMatchObject({ status: 'pending', attempts: 1 });
    f.clock.advance(first);
    expect(await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, waitForRetries: false })).toMatchObject({ sent: 0, retried: 1, remaining: 1 });
    const second = Date.parse(nextAttemptAt()) - f.clock.now().getTime();
    expect(second).toBeGreaterThanOrEqual(90_000);
    expect(second).toBeLessThanOrEqual(150_000);
    f.clock.advance(second - 1);
    expect(await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, waitForRetries: false })).toMatchObject({ sent: 0, remaining: 1 }); // not due yet
    f.clock.advance(1);
    expect(await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, waitForRetries: false })).toMatchObject({ sent: 1, remaining: 0 });
    expect(tries).toBe(3);
    expect(retryAt()).toMatchObject({ status: 'sent', attempts: 3 });
    expectLedgerMatchesServer(f);
  });

  it('people who unsubscribe after the edition was prepared are skipped, and the progress callback counts down', async () => {
    f = await sendFixture({ subscribers: 10 });
    const leaving = [...f.emails.keys()].slice(2, 5);
    for (const id of leaving) await f.app.subscriptions.unsubscribe(id);
    const seen: number[] = [];
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, onProgress: (p) => seen.push(p.remaining) });
    expect(r).toMatchObject({ sent: 7, remaining: 0, total: 7 });
    expect(seen[0]).toBe(7);
    expect(seen.at(-1)).toBe(0);
    const got = receivedBy(f.smtp.messages);
    for (const id of leaving) expect(got.has(f.emails.get(id)!)).toBe(false);
    expect(ledger(f.app, f.edition.id).filter((d) => d.status === 'skipped').map((d) => d.subscriber_id)).toEqual(leaving);
    expectLedgerMatchesServer(f);
  });

  it('an edition that cannot be rendered pauses the send at once, costing no delivery an attempt', async () => {
    f = await sendFixture({ subscribers: 6 });
    f.app.db.prepare("UPDATE edition_papers SET snapshot_json = '{\"broken\":true}' WHERE edition_id = ?").run(f.edition.id);
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(r).toMatchObject({ paused: true, sent: 0, failed: 0, bounced: 0, remaining: 6 });
    expect(r.pauseReason).toMatch(/cannot render edition/);
    expect(ledger(f.app, f.edition.id).every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    expect(f.smtp.messages).toEqual([]);
  });

  it('a second send of a finished edition sends nothing', async () => {
    f = await sendFixture({ subscribers: 5 });
    await sendDue(f.app, f.app.sendSettings, {});
    const again = await sendDue(f.app, f.app.sendSettings, {});
    expect(again).toMatchObject({ sent: 0, total: 0, remaining: 0 });
    expect(f.smtp.messages).toHaveLength(5);
  });
});
