// Unsubscribe through the signed link of every digest. GET shows a button (link scanners prefetch; a GET
// never unsubscribes); POST unsubscribes, including RFC 8058 one-click POSTs from mailbox providers
// ("List-Unsubscribe=One-Click", urlencoded or multipart, no cookies). Invariants: a valid link always gets
// 200 (never a redirect), however often it is used; the HMAC token is checked in constant time.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { verifySubscriberToken } from '../../lib/tokens.js';
import { subscriberUrls } from '../links.js';
import { sendError, wantsHtml } from '../error-handler.js';
import { badLinkPage, unsubscribedPage, unsubscribePage } from '../pages/unsubscribe.js';
import { errorBody } from './subscriptions.js';

const tokenQuery = z.object({
  token: z.string().max(200).optional().meta({ description: 'The signed token from the List-Unsubscribe URL' }),
});
const unsubscribedBody = z.object({ status: z.literal('unsubscribed') });
const HTML = 'text/html; charset=utf-8';

export const unsubscribeRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const service = app.subscriptions;
  const secret = app.config.secretKey;

  fastify.get(
    '/unsubscribe',
    { schema: { tags: ['pages'], summary: 'Shows an unsubscribe button (never unsubscribes by itself)', querystring: tokenQuery } },
    async (req, reply) => {
      const token = req.query.token ?? '';
      const id = verifySubscriberToken(secret, 'unsubscribe', token);
      reply.type(HTML).header('cache-control', 'no-store');
      if (id === null) return reply.code(404).send(badLinkPage());
      const sub = await app.store.getSubscriber(id);
      const { preferencesUrl } = subscriberUrls('', secret, id);
      return reply.send(
        unsubscribePage({
          actionUrl: `/unsubscribe?token=${encodeURIComponent(token)}`,
          preferencesUrl,
          alreadyOut: !sub || (sub.status !== 'active' && sub.status !== 'pending'),
        }),
      );
    },
  );

  fastify.post(
    '/unsubscribe',
    {
      schema: {
        tags: ['subscriptions'],
        summary: 'Unsubscribe (RFC 8058 one-click)',
        description:
          'Accepts "List-Unsubscribe=One-Click" as application/x-www-form-urlencoded or multipart/form-data, or an empty body. Idempotent; always 200 for a valid token. Browsers (Accept: text/html) get a page.',
        querystring: tokenQuery,
        response: { 200: unsubscribedBody, 404: errorBody },
      },
    },
    async (req, reply) => {
      const id = verifySubscriberToken(secret, 'unsubscribe', req.query.token ?? '');
      reply.header('cache-control', 'no-store');
      // Pages bypass the JSON response schema (a string payload is sent as is).
      const page = (status: number, body: string) => (reply as FastifyReply).code(status).type(HTML).send(body);
      if (id === null) {
        if (wantsHtml(req)) return page(404, badLinkPage());
        return sendError(req, reply, 404, 'INVALID_TOKEN', 'This unsubscribe link is not valid.');
      }
      // 'unknown' (the subscriber deleted their data) is still a success: nothing will be sent to them.
      const outcome = await service.unsubscribe(id);
      if (outcome === 'unsubscribed') req.log.info({ event: 'http.unsubscribed', subscriberId: id, oneClick: !wantsHtml(req) }, 'unsubscribe request');
      if (wantsHtml(req)) return page(200, unsubscribedPage(subscriberUrls('', secret, id).preferencesUrl));
      return reply.code(200).send({ status: 'unsubscribed' as const });
    },
  );
};
