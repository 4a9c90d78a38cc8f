// GET/POST /confirm: a GET never confirms; a POST activates once; replayed, expired (fixed clock), tampered
// and unknown tokens get a friendly page that offers a fresh link.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { browserForm, form, LEAK, multipart, startHarness, subscribeAndReadToken, type HttpHarness } from './harness.js';

const clock = fixedClock('2026-08-20T10:00:00.000Z');
let h: HttpHarness;

beforeEach(async () => {
  clock.set('2026-08-20T10:00:00.000Z');
  h = await startHarness({ CONFIRM_TOKEN_TTL_HOURS: '48' }, { clock });
});
afterEach(async () => h.close());

const status = (id: number) => h.app.subscriptions.repo.get(id)!.status;

describe('confirm', () => {
  it('GET shows a button that posts the token and changes nothing, however often it is fetched', async () => {
    const { token, id } = await subscribeAndReadToken(h, 'ada@example.org');
    for (const method of ['GET', 'HEAD', 'GET'] as const) {
      const res = await h.http.inject({ method, url: `/confirm?token=${token}`, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
    }
    const page = await h.http.inject({ method: 'GET', url: `/confirm?token=${token}` });
    expect(page.body).toContain('<form method="post" action="/confirm"');
    expect(page.body).toContain(`name="token" value="${token}"`);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(status(id)).toBe('pending');
  });

  it('POST activates the subscriber once; a replay is recognised and changes nothing', async () => {
    const { token, id } = await subscribeAndReadToken(h, 'ada@example.org');
    const first = await h.http.inject({ method: 'POST', url: '/confirm', ...browserForm({ token }) });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('You are subscribed');
    expect(first.body).toMatch(/href="\/preferences\?token=\d+\.[\w-]{32}"/);
    expect(status(id)).toBe('active');
    expect(h.app.subscriptions.repo.get(id)!.confirmed_at).toBe('2026-08-20T10:00:00.000Z');

    const replay = await h.http.inject({ method: 'POST', url: '/confirm', ...browserForm({ token }) });
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toContain('already subscribed');
    // Unsubscribed later: the old link must not resubscribe them.
    await h.app.subscriptions.unsubscribe(id);
    const late = await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token }) });
    expect(late.statusCode).toBe(410);
    expect(late.body).toContain('already used');
    expect(late.body).toContain('action="/subscribe"'); // offers a fresh link
    expect(status(id)).toBe('unsubscribed');
  });

  it('accepts the confirm form as multipart too', async () => {
    const { token, id } = await subscribeAndReadToken(h, 'multi@example.org');
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...multipart({ token }) })).statusCode).toBe(200);
    expect(status(id)).toBe('active');
  });

  it('refuses an expired token with a page that offers to resend, and a fresh link then works', async () => {
    const { token, id } = await subscribeAndReadToken(h, 'late@example.org');
    clock.advance(48 * 3_600_000 + 1);
    const get = await h.http.inject({ method: 'GET', url: `/confirm?token=${token}` });
    expect(get.statusCode).toBe(410);
    expect(get.body).toContain('has expired');
    expect(get.body).toContain('Send a new link');
    const post = await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token }) });
    expect(post.statusCode).toBe(410);
    expect(status(id)).toBe('pending');
    const fresh = await subscribeAndReadToken(h, 'late@example.org');
    expect(fresh.token).not.toBe(token);
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token: fresh.token }) })).statusCode).toBe(200);
    expect(status(id)).toBe('active');
  });

  it('a token still works one millisecond before it expires', async () => {
    const { token, id } = await subscribeAndReadToken(h, 'edge@example.org');
    clock.advance(48 * 3_600_000 - 1);
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token }) })).statusCode).toBe(200);
    expect(status(id)).toBe('active');
  });

  it('a confirm POST with no body or a wrong field is a friendly 404 page, not an error', async () => {
    for (const opts of [{}, form({ nope: 'x' }), { headers: { 'content-type': 'application/json' }, payload: '{"token":5}' }]) {
      const res = await h.http.inject({ method: 'POST', url: '/confirm', ...opts });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('not valid');
    }
  });
});

describe('forged confirmation tokens', () => {
  // Every request here is refused, so they share one app (each with its own address).
  let v: HttpHarness;
  beforeAll(async () => {
    v = await startHarness();
  });
  afterAll(async () => v.close());

  it.each([
    ['tampered', (t: string) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`],
    ['truncated', (t: string) => t.slice(0, 20)],
    ['empty', () => ''],
    ['over-long', (t: string) => t.repeat(5)],
    ['with markup', () => '"><script>alert(1)</script>'],
  ])('refuses a %s token without a 5xx and without echoing it', async (name, mangle) => {
    const { token, id } = await subscribeAndReadToken(v, `tamper-${name.replace(/\W/g, '')}@example.org`);
    const bad = mangle(token);
    const post = await v.http.inject({ method: 'POST', url: '/confirm', ...browserForm({ token: bad }) });
    expect([400, 404]).toContain(post.statusCode);
    expect(post.body).not.toContain('<script>alert(1)');
    expect(post.body).not.toMatch(LEAK);
    const get = await v.http.inject({ method: 'GET', url: `/confirm?token=${encodeURIComponent(bad)}`, headers: { accept: 'text/html' } });
    expect([400, 404]).toContain(get.statusCode);
    expect(get.headers['content-type']).toMatch(/text\/html/);
    expect(get.body).not.toContain('<script>alert(1)');
    expect(v.app.subscriptions.repo.get(id)!.status).toBe('pending');
  });

});
