// Admin API (/api/admin/*, bearer token only) and admin page (/admin, bearer or session cookie): list and search
// subscribers, counts by status, run the daily job now, an edition's delivery status, the last runs.
// Invariants: with ADMIN_TOKEN unset none of these routes exist (404); without valid credentials nothing is
// shown or done (401); a run started here goes through the same job slot and lock as the scheduler's.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { localDate } from '../../digest/schedule.js';
import { DAILY_JOB, DAILY_LOCK, runDailyJob } from '../../jobs/daily.js';
import { truthfulRun } from '../../jobs/abandoned-runs.js';
import { createJobRunner, type JobRunner } from '../../jobs/runner.js';
import { nextRunAfter, parseDailySchedule } from '../../jobs/cron-schedule.js';
import {
  bearerMatches,
  createLoginThrottle,
  isAdminRequest,
  issueAdminSession,
  sessionCookie,
} from './admin-auth.js';
import { isoDateSchema } from '../../lib/iso-date.js';
import { ADMIN_CSS_PATH, ADMIN_CSS_TEXT, adminDashboardPage, adminLoginPage } from '../pages/admin.js';

const HTML = 'text/html; charset=utf-8';
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const statusEnum = z.enum(['pending', 'active', 'unsubscribed', 'bounced']);

export interface AdminOptions {
  app: AppDeps;
  /** The process's job slot, shared with the scheduler; a private one when the app is built without it. */
  runner?: JobRunner | undefined;
}

type StartResult = { ok: true; date: string } | { ok: false; status: 409 | 503; code: string; message: string };

export const adminRoutes: FastifyPluginAsync<AdminOptions> = async (base, opts) => {
  const { app } = opts;
  const token = app.config.adminToken;
  if (!token) return; // disabled: every admin URL is a 404
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const isoDate = isoDateSchema(() => app.clock.now());
  const runner = opts.runner ?? createJobRunner(app.logger);
  const throttle = createLoginThrottle();
  const secure = app.config.publicBaseUrl.startsWith('https://');
  const auth = { adminToken: token, secretKey: app.config.secretKey };

  const startRun = async (date: string | undefined): Promise<StartResult> => {
    const now = app.clock.now();
    const day = date ?? localDate(now, app.config.digest.timezone);
    if (runner.stopping) return { ok: false, status: 503, code: 'SHUTTING_DOWN', message: 'the server is shutting down' };
    const holder = await app.store.lockHolder(DAILY_LOCK, now.toISOString());
    if (holder) return { ok: false, status: 409, code: 'JOB_LOCKED', message: `the daily job is running (${holder.owner})` };
    const job = runner.run('admin-run', (signal) => runDailyJob(app, { date: day, trigger: 'admin', signal }));
    if (!job) return { ok: false, status: 409, code: 'JOB_BUSY', message: 'another job is running in this process' };
    job.catch(() => {}); // the runner and the job log the failure; job_runs records it
    app.logger.info({ event: 'admin.run_started', date: day }, 'daily job started from the admin');
    return { ok: true, date: day };
  };

  // --- JSON API: bearer token only (no cookie, so no cross-site request can use it) ---
  await fastify.register(async (api) => {
    const r = api.withTypeProvider<ZodTypeProvider>();
    r.addHook('onRequest', async (req, reply) => {
      if (!bearerMatches(req.headers.authorization, token)) {
        req.log.info({ event: 'admin.refused', route: req.routeOptions.url }, 'admin request without a valid token');
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: { code: 'UNAUTHORIZED', message: 'a valid admin bearer token is required' } });
      }
    });
    const tags = ['admin'];
    const security = [{ bearer: [] }];

    r.get(
      '/api/admin/subscribers',
      {
        schema: {
          tags,
          security,
          summary: 'List and search subscribers (by email substring or id), a page at a time',
          querystring: z.object({
            search: z.string().max(200).optional(),
            status: statusEnum.optional(),
            after: z.coerce.number().int().min(0).optional().meta({ description: 'Return ids after this one (the previous page’s next)' }),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          }),
        },
      },
      async (req) => {
        const list = await app.store.adminSubscribers(req.query);
        return { subscribers: list, next: list.length === req.query.limit ? list.at(-1)!.id : null };
      },
    );

    r.get('/api/admin/subscribers/counts', { schema: { tags, security, summary: 'Subscribers by status' } }, async () => ({
      counts: await app.store.countSubscribersByStatus(),
    }));

    r.post(
      '/api/admin/jobs/daily',
      {
        schema: {
          tags,
          security,
          summary: 'Run the daily job now (ingest, prepare, send), in the background',
          body: z.object({ date: isoDate.optional() }).strict().optional(),
          response: { 202: z.object({ status: z.literal('started'), date: z.string() }), 409: errorBody, 503: errorBody },
        },
      },
      async (req, reply) => {
        const r0 = await startRun(req.body?.date);
        if (!r0.ok) return reply.code(r0.status).send({ error: { code: r0.code, message: r0.message } });
        return reply.code(202).send({ status: 'started' as const, date: r0.date });
      },
    );

    r.get(
      '/api/admin/jobs/runs',
      { schema: { tags, security, summary: 'The last daily job runs', querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }) } },
      async (req) => ({
        runs: (await Promise.all((await app.store.recentJobRuns(DAILY_JOB, req.query.limit)).map((r) => truthfulRun(app.store, r, app.clock.now())))).map(
          (row) => ({ ...row, outcome: row.outcome_json ? (JSON.parse(row.outcome_json) as unknown) : null, outcome_json: undefined }),
        ),
        lock: (await app.store.lockHolder(DAILY_LOCK, app.clock.now().toISOString())) ?? null,
        runningHere: runner.current() ?? null,
      }),
    );

    r.get(
      '/api/admin/editions/:date',
      { schema: { tags, security, summary: 'An edition and its delivery status', params: z.object({ date: isoDate }) } },
      async (req, reply) => {
        const edition = await app.store.editionOverview(req.params.date);
        if (!edition) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no edition for ${req.params.date}` } });
        const [deliveries, problems] = await Promise.all([app.store.editionDeliveryCounts(edition.id), app.store.deliveryProblems(edition.id)]);
        return { edition, deliveries, problems };
      },
    );
  });

  // --- Page: bearer or session cookie. Form posts are same-origin only (the app's guard) and the cookie is
  // SameSite=Strict, so another site can neither read this page nor make a signed-in browser act on it. ---
  fastify.get(ADMIN_CSS_PATH, { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(ADMIN_CSS_TEXT),
  );

  const loginPage = (reply: FastifyReply, status: number, error?: string) =>
    reply.code(status).type(HTML).header('cache-control', 'no-store').send(adminLoginPage(error));
  const signedIn = (req: FastifyRequest) => isAdminRequest(req, auth, app.clock.now());
  const notices: Record<string, (v: string) => string> = {
    started: (v) => `The daily job for ${v} started. Reload to follow it.`,
    busy: () => 'A job is already running; nothing was started.',
  };

  fastify.get(
    '/admin',
    { schema: { hide: true, querystring: z.object({ started: isoDate.optional(), busy: z.literal('1').optional() }) } },
    async (req, reply) => {
      if (!signedIn(req)) return loginPage(reply, 401);
      const now = app.clock.now();
      const schedule = parseDailySchedule(app.config.digest.cron, app.config.digest.timezone);
      const nextRun = nextRunAfter(now, schedule)?.toJSDate() ?? null;
      schedule.dispose();
      const q = req.query;
      const notice = q.started ? notices.started!(q.started) : q.busy ? notices.busy!('1') : undefined;
      return reply
        .type(HTML)
        .header('cache-control', 'no-store')
        .send(
          adminDashboardPage({
            now,
            counts: await app.store.countSubscribersByStatus(),
            activeHistory: await app.store.activeSubscribersHistory(90),
            editions: await app.store.editionSends(30),
            runs: await Promise.all((await app.store.recentJobRuns(DAILY_JOB, 15)).map((r) => truthfulRun(app.store, r, now))),
            lock: (await app.store.lockHolder(DAILY_LOCK, now.toISOString())) ?? undefined,
            runningHere: runner.current(),
            nextRun,
            schedule: { cron: app.config.digest.cron, timezone: app.config.digest.timezone },
            notice,
          }),
        );
    },
  );

  fastify.post('/admin/login', { schema: { hide: true, body: z.object({ token: z.string().max(400) }) } }, async (req, reply) => {
    const now = Date.now();
    if (throttle.blocked(req.ip, now)) {
      req.log.warn({ event: 'admin.login_throttled' }, 'too many failed admin logins');
      return loginPage(reply, 429, 'Too many failed attempts. Try again in a few minutes.');
    }
    if (!bearerMatches(`Bearer ${req.body.token.trim()}`, token)) {
      throttle.fail(req.ip, now);
      req.log.warn({ event: 'admin.login_failed' }, 'failed admin login');
      return loginPage(reply, 401, 'That token is not right.');
    }
    throttle.succeed(req.ip);
    req.log.info({ event: 'admin.login' }, 'admin signed in');
    return reply
      .header('set-cookie', sessionCookie(issueAdminSession(app.config.secretKey, token, app.clock.now()), secure))
      .redirect('/admin', 303);
  });

  fastify.post('/admin/logout', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('set-cookie', sessionCookie('', secure, 0)).redirect('/admin', 303),
  );

  fastify.post(
    '/admin/run',
    { schema: { hide: true, body: z.object({ date: z.union([z.literal(''), isoDate]).optional() }).optional() } },
    async (req, reply) => {
      if (!signedIn(req)) return loginPage(reply, 401, 'Sign in first.');
      const r0 = await startRun(req.body?.date || undefined);
      return reply.redirect(r0.ok ? `/admin?started=${r0.date}` : '/admin?busy=1', 303);
    },
  );
};

