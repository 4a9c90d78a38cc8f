// GET/POST /unsubscribe: RFC 8058 one-click as urlencoded and multipart, no cookies, 200 never a redirect,
// idempotent; a GET never unsubscribes; forged or mismatched tokens are refused.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscriberUrls } from '../../src/http/links.js';
import { browserForm, LEAK, multipart, preferencesToken, SECRET, startHarness, unsubscribeToken, type HttpHarness } from './harness.js';

let h: HttpHarness;
let id: number;

beforeEach(async () => {
  h = await startHarness();
  id = h.app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now: new Date().toISOString() });
});
afterEach(async () => h.close());

const status = () => h.app.subscriptions.repo.get(id)?.status;
const ONE_CLICK_FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The URL exactly as the digest's List-Unsubscribe header carries it, made relative. */
const unsubscribePath = () => {
  const url = new URL(subscriberUrls('https://papers.example.org', SECRET, id).unsubscribeUrl);
  return url.pathname + url.search;
};

describe('one-click unsubscribe (RFC 8058)', () => {
  it('accepts List-Unsubscribe=One-Click as application/x-www-form-urlencoded', async () => {
    const res = await h.http.inject({ method: 'POST', url: unsubscribePath(), headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.json()).toEqual({ status: 'unsubscribed' });
    expect(status()).toBe('unsubscribed');
  });

  it('accepts List-Unsubscribe=One-Click as multipart/form-data', async () => {
    const res = await h.http.inject({ method: 'POST', url: unsubscribePath(), ...multipart({ 'List-Unsubscribe': 'One-Click' }) });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(status()).toBe('unsubscribed');
  });

  it('is idempotent: every repeat, in either form, answers 200 and changes nothing more', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await h.http.inject({ method: 'POST', url: unsubscribePath(), headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' }));
      answers.push(await h.http.inject({ method: 'POST', url: unsubscribePath(), ...multipart({ 'List-Unsubscribe': 'One-Click' }) }));
    }
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const row = h.app.subscriptions.repo.get(id)!;
    expect(row.status).toBe('unsubscribed');
    // A bounced or deleted subscriber's link still answers 200: nothing will be sent either way.
    h.app.subscriptions.repo.setStatus(id, 'bounced', new Date().toISOString());
    expect((await h.http.inject({ method: 'POST', url: unsubscribePath(), headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode).toBe(200);
    expect(status()).toBe('bounced');
    await h.app.subscriptions.deleteData(id);
    expect((await h.http.inject({ method: 'POST', url: unsubscribePath(), headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode).toBe(200);
  });

  it('ignores cookies and works when a provider sends an Origin of its own', async () => {
    const res = await h.http.inject({
      method: 'POST',
      url: unsubscribePath(),
      headers: { ...ONE_CLICK_FORM, cookie: 'session=abc', origin: 'https://mail.provider.example', 'sec-fetch-site': 'cross-site' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
    expect(status()).toBe('unsubscribed');
  });

  it('stops the deliveries not yet sent at once', async () => {
    const db = h.app.db;
    const edition = Number(db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', 'x', 'ready', 's')").run().lastInsertRowid);
    db.prepare("INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at) VALUES (?, ?, 'pending', '[]', 'x', '<m@x>', 'x')").run(edition, id);
    await h.http.inject({ method: 'POST', url: unsubscribePath(), headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(db.prepare('SELECT status, error FROM deliveries WHERE subscriber_id = ?').get(id)).toEqual({ status: 'skipped', error: 'unsubscribed' });
  });
});

describe('unsubscribe pages', () => {
  it('GET shows a button and never unsubscribes (link scanners prefetch)', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await h.http.inject({ method, url: unsubscribePath(), headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
    }
    const page = await h.http.inject({ method: 'GET', url: unsubscribePath() });
    expect(page.body).toContain(`<form method="post" action="/unsubscribe?token=${unsubscribeToken(id)}"`);
    expect(page.body).toContain(`/preferences?token=${preferencesToken(id)}`);
    expect(status()).toBe('active');
  });

  it('the button posts from the page and answers with a page', async () => {
    const res = await h.http.inject({ method: 'POST', url: unsubscribePath(), ...browserForm({}) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('You are unsubscribed');
    expect(status()).toBe('unsubscribed');
    const again = await h.http.inject({ method: 'GET', url: unsubscribePath() });
    expect(again.body).toContain('You are not subscribed');
  });

});

describe('forged and malformed unsubscribe links', () => {
  // Every request here is refused, so they share one app and one subscriber.
  let v: HttpHarness;
  let vid: number;
  beforeAll(async () => {
    v = await startHarness();
    vid = v.app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now: new Date().toISOString() });
  });
  afterAll(async () => v.close());

  it.each([
    ['a tampered signature', () => unsubscribeToken(vid).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ["another subscriber's id with this signature", () => `${vid + 1}.${unsubscribeToken(vid).split('.')[1]}`],
    ['a preferences token', () => preferencesToken(vid)],
    ['a token signed with another secret', () => `${vid}.${'A'.repeat(32)}`],
    ['garbage', () => '../../etc/passwd'],
    ['nothing', () => ''],
  ])('refuses %s without a 5xx', async (_name, token) => {
    const url = `/unsubscribe?token=${encodeURIComponent(token())}`;
    const post = await v.http.inject({ method: 'POST', url, headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(post.statusCode).toBe(404);
    expect(post.json()).toEqual({ error: { code: 'INVALID_TOKEN', message: expect.any(String) } });
    const page = await v.http.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('This link is not valid');
    expect(page.body).not.toMatch(LEAK);
    expect(v.app.subscriptions.repo.get(vid)!.status).toBe('active');
  });

  it('a repeated token parameter is a clear 400, not a crash', async () => {
    const t = unsubscribeToken(vid);
    const res = await v.http.inject({ method: 'POST', url: `/unsubscribe?token=${t}&token=${t}`, headers: ONE_CLICK_FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});
