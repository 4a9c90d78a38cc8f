// A reader's whole life through the real HTTP app on PostgreSQL (the app opened from DATABASE_URL, the subscribe
// intake in-process over the pool): subscribe → confirmation email at a real SMTP sink → confirm → one-click
// unsubscribe, which skips a delivery not yet sent. The same flows on SQLite: tests/http/{subscribe,confirm,unsubscribe}.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { subscriberUrls } from '../../src/http/links.js';
import { sql } from '../helpers/engines.js';
import { browserForm, confirmTokenFromMail, form, SECRET, startHarness, type HttpHarness } from '../http/harness.js';

const clock = fixedClock('2026-08-20T10:00:00.000Z');
let h: HttpHarness;

beforeEach(async () => {
  clock.set('2026-08-20T10:00:00.000Z');
  h = await startHarness({ CONFIRM_TOKEN_TTL_HOURS: '48' }, { clock, engine: 'postgres' });
});
afterEach(async () => h.close());

const subscribe = (payload: object) => h.http.inject({ method: 'POST', url: '/api/subscriptions', payload });
const subscriber = async (email: string) => (await h.app.store.getSubscriberByEmail(email))!;
const ONE_CLICK = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' };

describe('a subscriber through the real HTTP app on PostgreSQL', () => {
  it('subscribes, confirms from the email once, and unsubscribes in one click, which skips a delivery not yet sent', async () => {
    expect(h.app.store.engine).toBe('postgres');
    const res = await subscribe({ email: '  Ada.Lovelace+papers@Example.ORG ', topics: ['long context', 'cs.CL', 'Long Context'], timezone: 'europe/berlin', hour: 6 });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'pending_confirmation', message: expect.any(String) });
    await h.app.subscriptions.drain();
    const pending = await subscriber('Ada.Lovelace+papers@example.org');
    expect(pending).toMatchObject({ status: 'pending', timezone: 'Europe/Berlin', delivery_hour: 6, confirmed_at: null });
    expect(await h.app.store.subscriberTopics(pending.id)).toEqual(['cs.CL', 'long context']);

    await h.smtp.waitFor(1);
    expect(h.smtp.messages[0]!.to).toEqual(['Ada.Lovelace+papers@example.org']);
    expect((await h.smtp.parsed(0)).subject).toMatch(/confirm/i);
    const token = await confirmTokenFromMail(h, 0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(pending)).not.toContain(token); // stored only as a hash

    // A GET (a mail scanner following the link) shows the button and confirms nothing.
    const page = await h.http.inject({ method: 'GET', url: `/confirm?token=${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`name="token" value="${token}"`);
    expect((await subscriber('Ada.Lovelace+papers@example.org')).status).toBe('pending');

    const confirmed = await h.http.inject({ method: 'POST', url: '/confirm', ...browserForm({ token }) });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('You are subscribed');
    expect(await subscriber('Ada.Lovelace+papers@example.org')).toMatchObject({ status: 'active', confirmed_at: '2026-08-20T10:00:00.000Z' });
    const replay = await h.http.inject({ method: 'POST', url: '/confirm', ...browserForm({ token }) });
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toContain('already subscribed');

    // A digest of theirs waits in the queue (rows the daily job would have written).
    const [edition] = await sql(h.app.location, "INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', ?, 'ready', 's') RETURNING id", [clock.now().toISOString()]);
    await sql(
      h.app.location,
      "INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at) VALUES (?, ?, 'pending', '[]', ?, '<m@x>', ?)",
      [edition!.id, pending.id, '2026-08-21T06:00:00.000Z', clock.now().toISOString()],
    );

    // The List-Unsubscribe URL exactly as the digest carries it, posted as a mail provider does (RFC 8058).
    const link = new URL(subscriberUrls('https://papers.example.org', SECRET, pending.id).unsubscribeUrl);
    const gone = await h.http.inject({ method: 'POST', url: link.pathname + link.search, ...ONE_CLICK });
    expect(gone.statusCode).toBe(200);
    expect(gone.headers.location).toBeUndefined();
    expect(gone.json()).toEqual({ status: 'unsubscribed' });
    expect((await subscriber('Ada.Lovelace+papers@example.org')).status).toBe('unsubscribed');
    expect(await sql(h.app.location, 'SELECT status, error FROM deliveries WHERE subscriber_id = ?', [pending.id])).toEqual([{ status: 'skipped', error: 'unsubscribed' }]);
    // Idempotent; and the old confirmation link does not subscribe them again.
    const again = await h.http.inject({ method: 'POST', url: link.pathname + link.search, ...ONE_CLICK });
    expect([again.statusCode, again.body]).toEqual([200, gone.body]);
    const late = await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token }) });
    expect(late.statusCode).toBe(410);
    expect((await subscriber('Ada.Lovelace+papers@example.org')).status).toBe('unsubscribed');
  });

  it('sends one confirmation per address per window to racing requests; a later link replaces the earlier', async () => {
    await Promise.all([1, 2, 3, 4].map(() => subscribe({ email: 'race@example.org' })));
    await subscribe({ email: 'RACE@example.org' }); // the same address (case-insensitive)
    await h.app.subscriptions.drain();
    expect(h.smtp.messages).toHaveLength(1);
    clock.advance(10 * 60_000); // CONFIRM_RESEND_MINUTES = 10 by default
    await subscribe({ email: 'race@example.org' });
    await h.app.subscriptions.drain();
    await h.smtp.waitFor(2);
    const [first, second] = [await confirmTokenFromMail(h, 0), await confirmTokenFromMail(h, 1)];
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token: first }) })).statusCode).toBe(404);
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token: second }) })).statusCode).toBe(200);
    expect((await subscriber('race@example.org')).status).toBe('active');
  });
});
