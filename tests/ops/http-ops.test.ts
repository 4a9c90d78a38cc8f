// Health, readiness, metrics and the admin API and page, through the real Fastify app (inject) on a temp
// SQLite file with a real daily run behind them.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { createJobRunner } from '../../src/jobs/runner.js';
import { createMetrics } from '../../src/http/routes/metrics.js';

const TOKEN = 'admin-token-0123456789abcdef';
const bearer = { authorization: `Bearer ${TOKEN}` };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(env: Record<string, string> = {}, ops: Parameters<typeof buildHttpApp>[1] = {}) {
  const clock = fixedClock('2026-08-21T07:00:00.000Z');
  const app = createTestApp({ ADMIN_TOKEN: TOKEN, ...env }, { clock });
  cleanups.push(() => app.cleanup());
  const http = await buildHttpApp(app, ops);
  cleanups.push(() => http.close());
  return { app, http, clock };
}

function seedSubscribers(app: TestApp, clock: ReturnType<typeof fixedClock>) {
  const now = clock.now().toISOString();
  for (const [email, status] of [
    ['ada@example.org', 'active'],
    ['grace@example.org', 'active'],
    ['alan@example.org', 'pending'],
    ['edsger@example.net', 'unsubscribed'],
  ] as const)
    app.subscriptions.repo.create({ email, status, now });
}

const waitUntil = async (check: () => boolean, ms = 15_000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('health and readiness', () => {
  it('reports the process and database healthy and ready', async () => {
    const { http } = await setup();
    const h = await http.inject('/healthz');
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'ok' });
    const r = await http.inject('/readyz');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      status: 'ready',
      checks: {
        migrations: { ok: true, pending: [] },
        database: { ok: true },
        disk: { ok: true, freeBytes: expect.any(Number), floorBytes: 100 * 1024 * 1024 },
        shutdown: { ok: true },
      },
    });
  });

  it('is not ready while shutting down or with a migration missing', async () => {
    let stopping = false;
    const { app, http } = await setup({}, { lifecycle: { stopping: () => stopping } });
    stopping = true;
    const r = await http.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.shutdown).toEqual({ ok: false });
    stopping = false;
    app.db.prepare('DELETE FROM schema_migrations WHERE version = 7').run();
    const m = await http.inject('/readyz');
    expect(m.statusCode).toBe(503);
    expect(m.json().checks.migrations).toEqual({ ok: false, pending: [7] });
  });

  it('fails both when the database is gone', async () => {
    const { app, http } = await setup();
    app.db.close();
    expect((await http.inject('/healthz')).statusCode).toBe(503);
    const r = await http.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.database).toEqual({ ok: false, error: 'database closed' });
  });
});

describe('metrics', () => {
  it('exposes counts from SQLite in Prometheus format, on a registry per app', async () => {
    const metrics = () => createMetrics(app, { processMetrics: true });
    const { app, http, clock } = await setup();
    seedSubscribers(app, clock);
    await runDailyJob(app, { date: '2026-08-21' });
    const own = metrics();
    app.mailer = own.instrumentMailer(app.mailer);
    await app.mailer.send({ to: 'x@example.org', subject: 's', html: '<p>h</p>', text: 't', messageId: '<m@x>', unsubscribeUrl: 'https://papers.example.org/u', listId: app.sendSettings.listId });
    const text = await own.registry.metrics();
    expect(text).toMatch(/papers_send_duration_seconds_count\{result="accepted"\} 1/);
    expect(text).toContain('process_cpu_user_seconds_total');

    const res = await http.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const body = res.body;
    const ingested = (app.db.prepare('SELECT sum(inserted) AS n FROM ingest_runs').get() as { n: number }).n;
    expect(ingested).toBeGreaterThan(0);
    expect(body).toContain(`papers_ingested_total{source="file"} ${ingested}`);
    expect(body).toContain('papers_deliveries_total{status="sent"} 2');
    expect(body).toContain('papers_deliveries_total{status="bounced"} 0');
    expect(body).toContain('papers_subscribers{status="active"} 2');
    expect(body).toContain('papers_subscribers{status="unsubscribed"} 1');
    expect(body).toContain(`papers_daily_job_last_success_timestamp_seconds ${clock.now().getTime() / 1000}`);
    // Subscribe requests never written are counted by reason (tests/ops/full-disk.test.ts fills a disk for real).
    for (const reason of ['write_failed', 'buffer_full', 'invalid', 'worker_failed']) expect(body).toContain(`papers_subscribe_requests_dropped_total{reason="${reason}"} 0`);
    expect(body).toContain('papers_subscribe_requests_waiting 0');
    expect(body).toContain('papers_subscribe_requests_spooled 0');
    expect(body).toContain('papers_send_paused 0');
    // A second app in the same process has its own registry (no "already registered" clash).
    const other = await buildHttpApp(app);
    expect((await other.inject('/metrics')).statusCode).toBe(200);
    await other.close();
  });

  it('requires METRICS_TOKEN as a bearer token when it is set', async () => {
    const { http } = await setup({ METRICS_TOKEN: 'metrics-token-0123456789' });
    expect((await http.inject('/metrics')).statusCode).toBe(401);
    expect((await http.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode).toBe(200);
  });
});

describe('admin API', () => {
  it('does not exist when ADMIN_TOKEN is unset', async () => {
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    const app = createTestApp({}, { clock });
    cleanups.push(() => app.cleanup());
    const http = await buildHttpApp(app);
    cleanups.push(() => http.close());
    for (const url of ['/api/admin/subscribers', '/api/admin/subscribers/counts', '/admin'])
      expect((await http.inject({ url, headers: { authorization: 'Bearer anything-at-all-here' } })).statusCode).toBe(404);
  });

  it('refuses requests without the right bearer token', async () => {
    const { http } = await setup();
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abc' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const r = await http.inject({ url: '/api/admin/subscribers/counts', headers });
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(r.json().error.code).toBe('UNAUTHORIZED');
    }
    expect((await http.inject({ method: 'POST', url: '/api/admin/jobs/daily', payload: {} })).statusCode).toBe(401);
  });

  it('lists, searches and counts subscribers', async () => {
    const { app, http, clock } = await setup();
    seedSubscribers(app, clock);
    const counts = await http.inject({ url: '/api/admin/subscribers/counts', headers: bearer });
    expect(counts.json()).toEqual({ counts: { pending: 1, active: 2, unsubscribed: 1, bounced: 0 } });
    const all = (await http.inject({ url: '/api/admin/subscribers', headers: bearer })).json();
    expect(all.subscribers.map((s: { email: string }) => s.email)).toEqual(['ada@example.org', 'grace@example.org', 'alan@example.org', 'edsger@example.net']);
    expect(all.next).toBeNull();
    const net = (await http.inject({ url: '/api/admin/subscribers?search=example.net', headers: bearer })).json();
    expect(net.subscribers.map((s: { email: string }) => s.email)).toEqual(['edsger@example.net']);
    // LIKE wildcards in the search are literal.
    expect((await http.inject({ url: '/api/admin/subscribers?search=%25', headers: bearer })).json().subscribers).toEqual([]);
    const active = (await http.inject({ url: '/api/admin/subscribers?status=active&limit=1', headers: bearer })).json();
    expect(active.subscribers).toHaveLength(1);
    const page2 = (await http.inject({ url: `/api/admin/subscribers?status=active&limit=1&after=${active.next}`, headers: bearer })).json();
    expect(page2.subscribers.map((s: { email: string }) => s.email)).toEqual(['grace@example.org']);
    expect((await http.inject({ url: '/api/admin/subscribers?status=nope', headers: bearer })).statusCode).toBe(400);
  });

  it('runs the job now in the background, refuses a second at once, and reports the edition', async () => {
    const runner = createJobRunner((await setup()).app.logger);
    const { app, http, clock } = await setup({}, { runner });
    seedSubscribers(app, clock);
    const res = await http.inject({ method: 'POST', url: '/api/admin/jobs/daily', headers: bearer, payload: { date: '2026-08-21' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'started', date: '2026-08-21' });
    const again = await http.inject({ method: 'POST', url: '/api/admin/jobs/daily', headers: bearer, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toMatch(/^JOB_(BUSY|LOCKED)$/);
    await waitUntil(() => !runner.current());

    const runs = (await http.inject({ url: '/api/admin/jobs/runs', headers: bearer })).json();
    expect(runs.runs[0]).toMatchObject({ scheduled_for: '2026-08-21', status: 'ok', triggered_by: 'admin', outcome: { send: { sent: 2 } } });
    const edition = await http.inject({ url: '/api/admin/editions/2026-08-21', headers: bearer });
    expect(edition.statusCode).toBe(200);
    expect(edition.json()).toMatchObject({ edition: { date: '2026-08-21', status: 'ready' }, deliveries: { sent: 2, failed: 0 }, problems: [] });
    expect((await http.inject({ url: '/api/admin/editions/2026-08-20', headers: bearer })).statusCode).toBe(404);
    expect((await http.inject({ url: '/api/admin/editions/2026-02-30', headers: bearer })).statusCode).toBe(400);
    expect((await http.inject({ method: 'POST', url: '/api/admin/jobs/daily', headers: bearer, payload: { date: 'tomorrow' } })).statusCode).toBe(400);
  });
});

describe('admin page', () => {
  const login = async (http: FastifyInstance) => {
    const r = await http.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(TOKEN)}`,
    });
    expect(r.statusCode).toBe(303);
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^papers_admin=\d+\.[\w-]{43}; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    expect(cookie).not.toContain(TOKEN);
    return cookie.split(';')[0]!;
  };

  it('shows a login form without a session, and refuses a wrong token', async () => {
    const { http } = await setup();
    const page = await http.inject('/admin');
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('<form class="card" method="post" action="/admin/login">');
    const wrong = await http.inject({ method: 'POST', url: '/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('after login shows the charts, counts and last runs, with no script', async () => {
    const { app, http, clock } = await setup();
    seedSubscribers(app, clock);
    await runDailyJob(app, { date: '2026-08-21', trigger: 'schedule' });
    const cookie = await login(http);
    const page = await http.inject({ url: '/admin', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('aria-label="Active subscribers over time"');
    expect(page.body).toContain('aria-label="Deliveries per edition, by outcome"');
    expect(page.body).toMatch(/<rect class="bar bar-sent"[^>]*><title>08-21 sent: 2<\/title>/);
    expect(page.body).toContain('<td>2026-08-21</td>');
    expect(page.body).toContain('<span class="status-ok">ok</span> edition ready; 2 sent, 0 failed');
    expect(page.body).not.toMatch(/<script|style="/);
    const css = /href="(\/assets\/admin\.[0-9a-f]{12}\.css)"/.exec(page.body)![1]!;
    expect((await http.inject(css)).headers['content-type']).toContain('text/css');
  });

  it('runs the job from the page, refuses cross-site posts and bad or expired sessions', async () => {
    const { app, http, clock } = await setup();
    seedSubscribers(app, clock);
    const cookie = await login(http);
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie };
    const cross = await http.inject({ method: 'POST', url: '/admin/run', headers: { ...form, 'sec-fetch-site': 'cross-site' }, payload: 'date=' });
    expect(cross.statusCode).toBe(403);
    const run = await http.inject({ method: 'POST', url: '/admin/run', headers: { ...form, 'sec-fetch-site': 'same-origin' }, payload: 'date=' });
    expect(run.statusCode).toBe(303);
    expect(run.headers.location).toBe('/admin?started=2026-08-21');
    await waitUntil(() => (app.db.prepare("SELECT count(*) AS n FROM job_runs WHERE status = 'ok'").get() as { n: number }).n === 1);

    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await http.inject({ url: '/admin', headers: { cookie: tampered } })).statusCode).toBe(401);
    expect((await http.inject({ method: 'POST', url: '/admin/run', headers: { ...form, cookie: tampered }, payload: 'date=' })).statusCode).toBe(401);
    clock.advance(13 * 3600_000);
    expect((await http.inject({ url: '/admin', headers: { cookie } })).statusCode).toBe(401);
    const out = await http.inject({ method: 'POST', url: '/admin/logout', headers: form });
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('slows down guessing: the eleventh failed login in a window is refused', async () => {
    const { http } = await setup();
    const attempt = () =>
      http.inject({ method: 'POST', url: '/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=guess' });
    for (let i = 0; i < 10; i++) expect((await attempt()).statusCode).toBe(401);
    expect((await attempt()).statusCode).toBe(429);
  });
});
