// Subscribe (double opt-in) and confirm, as a JSON API and as pages that work without JavaScript.
// Invariants: subscribing answers the same status and body whatever the address's state (the confirmation
// email is sent in the background); a GET never changes state (link scanners prefetch), a POST acts.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { emailSchema } from '../../subscribers/email-address.js';
import { hourSchema, parseTopicText, timezoneSchema, topicsSchema } from '../../subscribers/preferences.js';
import { subscriberUrls } from '../links.js';
import { checkInboxPage, homePage } from '../pages/home.js';
import { confirmedPage, confirmPage, confirmProblemPage, type ConfirmProblem } from '../pages/confirm.js';
import type { ConfirmResult } from '../../subscribers/service.js';

const subscribeBody = z
  .object({
    email: emailSchema,
    topics: topicsSchema.optional().meta({ description: 'Phrases ("long context") or arXiv categories ("cs.CL"); up to 10.' }),
    timezone: timezoneSchema.optional().meta({ description: 'IANA timezone of the delivery hour, e.g. Europe/Berlin.' }),
    hour: hourSchema.optional().meta({ description: 'Local delivery hour, 0–23.' }),
  })
  .strict();

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const ACCEPTED = { status: 'pending_confirmation', message: 'If this address can receive the digest, a confirmation email is on its way.' } as const;
const acceptedBody = z.object({ status: z.literal(ACCEPTED.status), message: z.string() });
// The same answer every time: serialized once (a string with a JSON content type is sent as is, not re-checked).
const ACCEPTED_JSON = JSON.stringify(acceptedBody.parse(ACCEPTED));
const JSON_TYPE = 'application/json; charset=utf-8';

const formBody = z
  .object({
    email: z.string().max(400),
    topics: z.string().max(600).optional(),
    website: z.string().max(400).optional(), // the honeypot
  })
  .strict();

const confirmForm = z.object({ token: z.string().max(200) }).strict();
const tokenQuery = z.object({ token: z.string().max(200).optional() });

const HTML = 'text/html; charset=utf-8';
const SMALL_BODY = 8 * 1024;

export const subscriptionRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const service = app.subscriptions;
  // One per-IP budget shared by the API and the form (the plugin's shared store, not one store per route).
  const subscribeLimit = fastify.rateLimit({ max: app.config.subscriptions.rateLimitPerMinute, timeWindow: 60_000 });

  const problemOf = (r: Exclude<ConfirmResult, { ok: true }>): { status: number; problem: ConfirmProblem } =>
    r.reason === 'used'
      ? r.active
        ? { status: 200, problem: 'already_active' }
        : { status: 410, problem: 'used' }
      : r.reason === 'expired'
        ? { status: 410, problem: 'expired' }
        : { status: 404, problem: 'invalid' };

  const sendProblem = (reply: FastifyReply, r: Exclude<ConfirmResult, { ok: true }>) => {
    const { status, problem } = problemOf(r);
    return reply.code(status).type(HTML).header('cache-control', 'no-store').send(confirmProblemPage(problem));
  };

  fastify.get('/', { schema: { tags: ['pages'], summary: 'Home page with the subscribe form' } }, async (_req, reply) =>
    reply.type(HTML).send(homePage()),
  );

  fastify.post(
    '/api/subscriptions',
    {
      onRequest: subscribeLimit,
      bodyLimit: SMALL_BODY,
      schema: {
        tags: ['subscriptions'],
        summary: 'Subscribe an address (double opt-in)',
        description:
          'Always answers 202 with the same body, whether the address is new, pending, active, unsubscribed or bounced. A confirmation email is sent in the background, at most one per address per CONFIRM_RESEND_MINUTES. Unknown fields are rejected.',
        body: subscribeBody,
        response: { 202: acceptedBody, 400: errorBody, 413: errorBody, 415: errorBody, 429: errorBody },
      },
    },
    async (req, reply) => {
      service.subscribe(req.body);
      return reply.code(202).type(JSON_TYPE).send(ACCEPTED_JSON as unknown as typeof ACCEPTED); // the typed body, already serialized
    },
  );

  fastify.post(
    '/subscribe',
    {
      onRequest: subscribeLimit,
      bodyLimit: SMALL_BODY,
      schema: { tags: ['pages'], summary: 'The subscribe form (HTML; fields email, topics, and the empty honeypot "website")' },
    },
    async (req, reply) => {
      const parsed = formBody.safeParse(req.body ?? {});
      const email = parsed.success ? emailSchema.safeParse(parsed.data.email) : undefined;
      const topics = parsed.success ? parseTopicText(parsed.data.topics ?? '') : undefined;
      const again = { email: parsed.success ? parsed.data.email : '', topics: parsed.success ? (parsed.data.topics ?? '') : '' };
      if (!parsed.success || !email?.success)
        return reply.code(400).type(HTML).send(homePage({ ...again, error: 'That email address does not look right. Please check it and try again.' }));
      if (!topics?.ok) return reply.code(400).type(HTML).send(homePage({ ...again, error: topics?.message ?? 'Topics are not valid.' }));
      // Honeypot: people never see the field, bots fill it. Answer exactly as if all went well, and do nothing.
      if (parsed.data.website) req.log.info({ event: 'subscriber.honeypot' }, 'honeypot field filled: ignored');
      else service.subscribe({ email: email.data, topics: topics.topics.length ? topics.topics : undefined });
      return reply.code(202).type(HTML).send(checkInboxPage(app.config.subscriptions.confirmTtlHours));
    },
  );

  fastify.get(
    '/confirm',
    { schema: { tags: ['pages'], summary: 'Shows a confirm button (never confirms by itself)', querystring: tokenQuery } },
    async (req, reply) => {
      const token = req.query.token ?? '';
      const check = await service.checkConfirmToken(token);
      if (!check.ok) return sendProblem(reply, check);
      return reply.type(HTML).header('cache-control', 'no-store').send(confirmPage(token));
    },
  );

  fastify.post(
    '/confirm',
    { bodyLimit: SMALL_BODY, schema: { tags: ['pages'], summary: 'Confirms the subscription (form field "token")' } },
    async (req, reply) => {
      const body = confirmForm.safeParse(req.body ?? {});
      const result: ConfirmResult = body.success ? await service.confirm(body.data.token) : { ok: false, reason: 'invalid' };
      if (!result.ok) return sendProblem(reply, result);
      const { preferencesUrl } = subscriberUrls('', app.config.secretKey, result.subscriberId);
      return reply.type(HTML).header('cache-control', 'no-store').send(confirmedPage(preferencesUrl));
    },
  );
};
