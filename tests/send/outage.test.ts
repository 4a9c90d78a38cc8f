// A mail-server outage costs about as long as the outage, not hours. Against the real SMTP sink (down: connection
// refused; then up but turning us away with a 421 greeting; then fine) and a real SQLite file, on an injected
// clock driven minute by minute as the scheduler's tick would: the deliveries caught in the outage keep their
// attempts and stay due, sending pauses (persisted, shown by `papers status`), the paused send probes the server
// 30 s, 1, 2, 4, 8 min … (at most 15 min) apart, and the first probe the server accepts sends everything.
// It used to back each delivery off by the run's count of consecutive failures: up to 6 hours for a 20 s outage.
import { afterEach, describe, expect, it } from 'vitest';
import { sendFixture, ledger, receivedBy, PREPARED_AT, type SendFixture } from './setup.js';
import { sendDue, retryDeliveries } from '../../src/mail/send-edition.js';
import { sendPendingDeliveries } from '../../src/jobs/pending-sends.js';
import { createSendPauseRepo } from '../../src/db/send-pause-repo.js';
import { statusReport } from '../../src/cli/status.js';
import { retrySummary } from '../../src/cli/retry.js';

const T0 = Date.parse(PREPARED_AT);
const MINUTE = 60_000;
const AUDIENCE = 24;

describe('an SMTP outage', () => {
  let f: SendFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const nextAttempts = (fx: SendFixture) =>
    fx.app.db.prepare<[number], { at: string | null }>('SELECT next_attempt_at AS at FROM deliveries WHERE edition_id = ?').all(fx.edition.id).map((r) => r.at);

  it('of 20 minutes delays the digest by about 20 minutes: bounded probing, then everything at once', async () => {
    // The production defaults: a 60 s retry base, a pause after 20 consecutive failures, probes from 30 s to 15 min.
    f = await sendFixture({ subscribers: AUDIENCE, env: { SEND_RETRY_BASE_SECONDS: '60' } });
    const fx = f;
    const pauses = createSendPauseRepo(fx.app.db);
    await fx.smtp.stop(); // down: connection refused

    // The daily run's send meets the outage.
    const first = await sendDue(fx.app, fx.app.sendSettings, { editionId: fx.edition.id, probeNow: false });
    expect(first).toMatchObject({ paused: true, sent: 0, failed: 0, bounced: 0, remaining: AUDIENCE });
    expect(first.pausedSince).toBe(PREPARED_AT);
    expect(first.nextProbeAt).toBe(new Date(T0 + 30_000).toISOString());
    // Nobody's attempts were used, and nothing waits beyond the pause: every delivery is due now.
    expect(ledger(fx.app, fx.edition.id).every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    expect(nextAttempts(fx).every((at) => at === null)).toBe(true);
    expect((await statusReport(fx.app, '2026-08-21')).lines).toContain(
      `sending: paused since ${PREPARED_AT}, next probe at ${new Date(T0 + 30_000).toISOString()} — 20 consecutive failures, the last: ${first.pauseReason!.split(', the last: ')[1]!.split(' — ')[0]}; \`papers send\` probes at once, \`papers retry --date D\` lifts the pause`,
    );

    // The outage lasts 20 minutes: refused for 10, then the server is up but turns us away (421) for 10.
    let connects = 0;
    const probesAt: number[] = [];
    let doneAt: number | undefined;
    for (let minute = 1; minute <= 60 && doneAt === undefined; minute++) {
      fx.clock.set(new Date(T0 + minute * MINUTE));
      if (minute === 10) {
        fx.smtp.faults.connect = () => (connects++, { code: 421, message: '4.3.2 Service not available, try later' });
        await fx.smtp.start();
      }
      if (minute === 20) fx.smtp.faults.connect = undefined; // the outage ends
      const before = pauses.get();
      const tick = await sendPendingDeliveries(fx.app); // what the scheduler's minute tick does
      if (tick.ran) probesAt.push(minute);
      if (before && tick.ran) expect(before.next_probe_at <= fx.clock.now().toISOString()).toBe(true); // never before its time
      if (ledger(fx.app, fx.edition.id).every((d) => d.status === 'sent')) doneAt = minute;
    }

    // Probes at 1, 2, 4, 8 and 16 minutes (30 s doubling, rounded up to the minute tick), the next 15 min later (the cap).
    expect(probesAt).toEqual([1, 2, 4, 8, 16, 31]);
    expect(connects).toBe(3); // the 421 phase saw one probe (at 16 min), up to PROBE_DELIVERIES connections, not a storm
    // Everything went out at the first probe after the outage: 31 minutes for a 20-minute outage, not hours.
    expect(doneAt).toBe(31);
    expect(doneAt! * MINUTE).toBeLessThanOrEqual(20 * MINUTE + 15 * MINUTE);
    const got = receivedBy(fx.smtp.messages);
    for (const email of fx.emails.values()) expect(got.get(email), email).toHaveLength(1);
    // The outage cost nobody an attempt: each delivery counts only the attempt the server accepted.
    expect(ledger(fx.app, fx.edition.id).every((d) => d.status === 'sent' && d.attempts === 1 && d.sub_status === 'active')).toBe(true);
    expect(pauses.get()).toBeUndefined();
    expect((await statusReport(fx.app, '2026-08-21')).lines.join('\n')).not.toMatch(/paused/);
  });

  it('`retry` lifts the pause and covers the pending deliveries it held; the next send sends them all', async () => {
    f = await sendFixture({ subscribers: 6, env: { SEND_PAUSE_AFTER_FAILURES: '3' } });
    await f.smtp.stop();
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id });
    expect(r).toMatchObject({ paused: true, sent: 0, remaining: 6 });
    await f.smtp.start();

    const retried = await retryDeliveries(f.app.store, f.edition.id, f.clock.now());
    expect(retried).toMatchObject({ failed: 0, held: 6, pause: { since: PREPARED_AT } });
    expect(retrySummary('2026-08-21', retried)).toEqual([
      `sending was paused since ${PREPARED_AT} (${retried.pause!.reason}): lifted; 6 pending deliveries of 2026-08-21 were held by it`,
      'run `send` to send them',
    ]);
    // A scheduled send now goes at once: there is no pause left to wait for.
    expect(await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, probeNow: false })).toMatchObject({ paused: false, sent: 6, remaining: 0 });
    expect(retrySummary('2026-08-21', await retryDeliveries(f.app.store, f.edition.id, f.clock.now()))).toEqual([
      'nothing to retry in 2026-08-21: no failed, waiting or paused deliveries',
    ]);
  });

  it('one message the server times out on cannot hold the pause: the probe tries the next deliveries', async () => {
    f = await sendFixture({ subscribers: 5, env: { SEND_PAUSE_AFTER_FAILURES: '2', SMTP_MAX_CONNECTIONS: '1' } });
    const odd = [...f.emails.values()][0]!;
    // 421 for one address only (as a server dropping one message would); the rest are fine.
    f.smtp.faults.rcpt = (to) => (to === odd ? { code: 421, message: '4.4.2 Timeout while processing' } : null);
    createSendPauseRepo(f.app.db).start(f.clock.now(), 'an earlier outage', f.clock.now());
    const r = await sendDue(f.app, f.app.sendSettings, { editionId: f.edition.id, probeNow: false });
    expect(r.sent).toBe(4); // the probe moved past the odd delivery and the pause ended
    expect(ledger(f.app, f.edition.id).find((d) => d.email === odd)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
