// POST /api/subscriptions and POST /subscribe: double opt-in, the identical-answer rule, per-address and
// per-IP limits, the honeypot, validation and normalization of the address.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { browserForm, confirmTokenFromMail, form, LEAK, multipart, startHarness, type HttpHarness } from './harness.js';

const clock = fixedClock('2026-08-20T10:00:00.000Z');
let h: HttpHarness;

beforeEach(async () => {
  clock.set('2026-08-20T10:00:00.000Z');
  h = await startHarness({}, { clock });
});
afterEach(async () => h.close());

const subscribe = (payload: unknown) => h.http.inject({ method: 'POST', url: '/api/subscriptions', payload: payload as object });

describe('POST /api/subscriptions', () => {
  it('records a pending subscriber and sends one confirmation email with a working link', async () => {
    const res = await subscribe({ email: '  Ada.Lovelace+papers@Example.ORG ', topics: ['long context', 'cs.CL', 'Long Context'], timezone: 'europe/berlin', hour: 6 });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'pending_confirmation', message: expect.any(String) });
    // Accepted means queued: the write lands within a tick (batched with other requests).
    await h.app.subscriptions.drain();
    const sub = h.app.subscriptions.repo.getByEmail('Ada.Lovelace+papers@example.org')!;
    expect(sub.status).toBe('pending');
    expect(sub.timezone).toBe('Europe/Berlin');
    expect(sub.delivery_hour).toBe(6);
    expect(h.app.subscriptions.repo.topics(sub.id)).toEqual(['cs.CL', 'long context']);
    await h.app.subscriptions.drain();
    await h.smtp.waitFor(1);
    expect(h.smtp.messages[0]!.to).toEqual(['Ada.Lovelace+papers@example.org']);
    const mail = await h.smtp.parsed(0);
    expect(mail.subject).toMatch(/confirm/i);
    const token = await confirmTokenFromMail(h, 0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Stored only as a hash.
    expect(JSON.stringify(sub)).not.toContain(token);
    expect((await h.http.inject({ method: 'GET', url: `/confirm?token=${token}` })).statusCode).toBe(200);
  });

  it('converts an internationalized domain to punycode', async () => {
    expect((await subscribe({ email: 'jürgen@BÜCHER.example' })).statusCode).toBe(400); // non-ASCII local part
    expect((await subscribe({ email: 'juergen@BÜCHER.example' })).statusCode).toBe(202);
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.getByEmail('juergen@xn--bcher-kva.example')?.status).toBe('pending');
  });

  it('answers every address state with the same status, headers and body', async () => {
    const now = clock.now().toISOString();
    const repo = h.app.subscriptions.repo;
    repo.create({ email: 'active@example.org', status: 'active', now });
    repo.create({ email: 'gone@example.org', status: 'unsubscribed', now });
    repo.create({ email: 'bounced@example.org', status: 'bounced', now });
    await subscribe({ email: 'pending@example.org' }); // pending, inside its confirmation window
    const answers = [];
    for (const email of ['new@example.org', 'pending@example.org', 'active@example.org', 'gone@example.org', 'bounced@example.org']) {
      const res = await subscribe({ email });
      const { date, 'x-ratelimit-remaining': _r, 'x-ratelimit-reset': _s, ...headers } = res.headers;
      answers.push({ status: res.statusCode, body: res.body, headers });
    }
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
    // Only the new and the unsubscribed address (asking again) get an email; active and bounced get none.
    await h.app.subscriptions.drain();
    await h.smtp.waitFor(3);
    expect(h.smtp.messages.map((m) => m.to[0]).sort()).toEqual(['gone@example.org', 'new@example.org', 'pending@example.org']);
    expect(repo.getByEmail('active@example.org')!.status).toBe('active');
    expect(repo.getByEmail('bounced@example.org')!.status).toBe('bounced');
  });

  it('sends at most one confirmation per address per window, even for racing requests', async () => {
    await Promise.all([1, 2, 3, 4].map(() => subscribe({ email: 'race@example.org' })));
    await subscribe({ email: 'RACE@example.org' }); // the same address (case-insensitive)
    // drain() resolves once every confirmation has been accepted by the SMTP server (the sink records a message
    // before it answers 250), so what the sink holds now is all there will be: no sleep needed.
    await h.app.subscriptions.drain();
    expect(h.smtp.messages).toHaveLength(1);
    clock.advance(9 * 60_000);
    await subscribe({ email: 'race@example.org' });
    await h.app.subscriptions.drain();
    expect(h.smtp.messages).toHaveLength(1);
    clock.advance(60_000); // CONFIRM_RESEND_MINUTES = 10 by default
    await subscribe({ email: 'race@example.org' });
    await h.app.subscriptions.drain();
    await h.smtp.waitFor(2);
    // The newer link replaces the older one.
    const [first, second] = [await confirmTokenFromMail(h, 0), await confirmTokenFromMail(h, 1)];
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token: first }) })).statusCode).toBe(404);
    expect((await h.http.inject({ method: 'POST', url: '/confirm', ...form({ token: second }) })).statusCode).toBe(200);
  });

  it('records a burst of concurrent requests (more than one write batch) and confirms every address once', async () => {
    const emails = Array.from({ length: 260 }, (_, i) => `burst-${i}@example.org`);
    const answers = await Promise.all(emails.map((email) => subscribe({ email })));
    expect(answers.every((a) => a.statusCode === 202)).toBe(true);
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.countByStatus().pending).toBe(260);
    await h.smtp.waitFor(260, 20_000);
    expect(new Set(h.smtp.messages.map((m) => m.to[0])).size).toBe(260);
  });

  it('frees the window when the confirmation could not be sent, so asking again works at once', async () => {
    h.smtp.faults.rcpt = () => ({ code: 451, message: 'try later' });
    await subscribe({ email: 'retry@example.org' });
    await h.app.subscriptions.drain();
    expect(h.smtp.messages).toHaveLength(0);
    h.smtp.faults.rcpt = undefined;
    await subscribe({ email: 'retry@example.org' });
    await h.app.subscriptions.drain();
    await h.smtp.waitFor(1);
    expect(h.smtp.messages[0]!.to).toEqual(['retry@example.org']);
  });

});

describe('POST /api/subscriptions with bad input', () => {
  // These requests are all refused, so they can share one app.
  let v: HttpHarness;
  beforeAll(async () => {
    v = await startHarness();
  });
  afterAll(async () => v.close());
  const post = (payload: unknown) => v.http.inject({ method: 'POST', url: '/api/subscriptions', payload: payload as object });

  it.each([
    ['unknown field', { email: 'a@example.org', plan: 'pro' }, 'UNKNOWN_FIELD', /plan/],
    ['CR/LF in the address', { email: 'a@example.org\r\nBcc: victim@example.org' }, 'VALIDATION_FAILED', /email/],
    ['trailing newline', { email: 'a@example.org\n' }, 'VALIDATION_FAILED', /email/],
    ['over-long address', { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.org` }, 'VALIDATION_FAILED', /email/],
    ['over-long local part', { email: `${'a'.repeat(65)}@example.org` }, 'VALIDATION_FAILED', /email/],
    ['no domain dot', { email: 'a@localhost' }, 'VALIDATION_FAILED', /email/],
    ['missing email', {}, 'VALIDATION_FAILED', /email/],
    ['email not a string', { email: 42 }, 'VALIDATION_FAILED', /email/],
    ['bad timezone', { email: 'a@example.org', timezone: 'Mars/Olympus' }, 'VALIDATION_FAILED', /timezone/],
    ['bad hour', { email: 'a@example.org', hour: 24 }, 'VALIDATION_FAILED', /hour/],
    ['too many topics', { email: 'a@example.org', topics: Array.from({ length: 11 }, (_, i) => `topic ${i}`) }, 'VALIDATION_FAILED', /topics/],
    ['topic with control characters', { email: 'a@example.org', topics: ['ok topic', 'bad\u0007topic'] }, 'VALIDATION_FAILED', /topics/],
  ])('rejects %s with a clear 400', async (_name, payload, code, mentions) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(mentions);
    expect(res.body).not.toMatch(LEAK);
    await v.app.subscriptions.drain();
    expect(v.app.subscriptions.repo.countByStatus().pending).toBe(0);
  });

  it('rejects bodies that are not JSON objects, too large, or of another type without a 5xx', async () => {
    const cases = [
      { headers: { 'content-type': 'application/json' }, payload: '{"email":', status: 400 },
      { headers: { 'content-type': 'application/json' }, payload: '[]', status: 400 },
      { headers: { 'content-type': 'application/json' }, payload: 'null', status: 400 },
      { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@example.org', pad: 'x'.repeat(9000) }), status: 413 },
      { headers: { 'content-type': 'text/xml' }, payload: '<email/>', status: 415 },
      { headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1},"email":"a@example.org"}', status: 400 },
    ];
    for (const c of cases) {
      const res = await v.http.inject({ method: 'POST', url: '/api/subscriptions', ...c });
      expect(res.statusCode, c.payload.slice(0, 40)).toBe(c.status);
      expect(res.json()).toEqual({ error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } });
      expect(res.body).not.toMatch(LEAK);
    }
  });
});

describe('POST /subscribe (the home page form)', () => {
  it('accepts urlencoded and multipart forms and answers with the check-your-inbox page', async () => {
    const a = await h.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'form@example.org', topics: 'agents, cs.CL', website: '' }) });
    expect(a.statusCode).toBe(202);
    expect(a.headers['content-type']).toMatch(/text\/html/);
    expect(a.body).toContain('Check your inbox');
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.topics(h.app.subscriptions.repo.getByEmail('form@example.org')!.id)).toEqual(['agents', 'cs.CL']);
    const b = await h.http.inject({ method: 'POST', url: '/subscribe', ...multipart({ email: 'multi@example.org' }) });
    expect(b.statusCode).toBe(202);
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.getByEmail('multi@example.org')?.status).toBe('pending');
  });

  it('answers a filled honeypot exactly like a real subscription but records and sends nothing', async () => {
    const real = await h.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'person@example.org', website: '' }) });
    const bot = await h.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'victim@example.org', website: 'http://spam.example' }) });
    expect(bot.statusCode).toBe(real.statusCode);
    expect(bot.body).toBe(real.body);
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.getByEmail('victim@example.org')).toBeUndefined();
    await h.smtp.waitFor(1);
    expect(h.smtp.messages.map((m) => m.to[0])).toEqual(['person@example.org']);
  });

  it('shows the form again with an accessible error for a bad address', async () => {
    const res = await h.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'not an address', topics: 'x' }) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('aria-invalid="true"');
    expect(res.body).toContain('value="not an address"');
    const topics = await h.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'ok@example.org', topics: 'x' }) });
    expect(topics.statusCode).toBe(400);
    expect(topics.body).toMatch(/Topics: a topic needs at least 2 characters/);
    const unknown = await h.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'ok@example.org', extra: 'field' }) });
    expect(unknown.statusCode).toBe(400);
    await h.app.subscriptions.drain();
    expect(h.app.subscriptions.repo.countByStatus().pending).toBe(0);
  });
});

describe('per-IP rate limit', () => {
  it('limits the API and the form together and answers 429 in the format the client asked for', async () => {
    const limited = await startHarness({ SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const api = (n: number) => limited.http.inject({ method: 'POST', url: '/api/subscriptions', payload: { email: `u${n}@example.org` } });
      expect((await api(1)).statusCode).toBe(202);
      expect((await api(2)).statusCode).toBe(202);
      expect((await limited.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'u3@example.org' }) })).statusCode).toBe(202);
      const json = await api(4);
      expect(json.statusCode).toBe(429);
      expect(json.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
      expect(json.headers['retry-after']).toBeDefined();
      const page = await limited.http.inject({ method: 'POST', url: '/subscribe', ...browserForm({ email: 'u5@example.org' }) });
      expect(page.statusCode).toBe(429);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      // Another client is not affected.
      const other = await limited.http.inject({ method: 'POST', url: '/api/subscriptions', remoteAddress: '10.0.0.9', payload: { email: 'u6@example.org' } });
      expect(other.statusCode).toBe(202);
      await limited.app.subscriptions.drain();
      expect(limited.app.subscriptions.repo.getByEmail('u6@example.org')).toBeDefined();
      expect(limited.app.subscriptions.repo.getByEmail('u4@example.org')).toBeUndefined();
    } finally {
      await limited.close();
    }
  });
});
