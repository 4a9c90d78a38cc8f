// Subscribe (double opt-in), confirm and unsubscribe, as JSON API and as pages that work without JavaScript.
// GET never changes state (link scanners prefetch); POST acts. One-click unsubscribe follows RFC 8058.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { emailSchema } from '../../subscribers/email-address.js';
import { verifySubscriberToken } from '../../lib/tokens.js';
import { isValidTimeZone } from '../../config.js';
import { page } from '../pages/layout.js';
import { html } from '../pages/html.js';

const topicSchema = z.string().trim().min(2).max(60);
const subscribeBody = z
  .object({
    email: emailSchema,
    topics: z.array(topicSchema).max(10).optional(),
    timezone: z.string().max(64).refine(isValidTimeZone, 'must be an IANA timezone').optional(),
    hour: z.number().int().min(0).max(23).optional(),
  })
  .strict();

const ACCEPTED = { status: 'pending_confirmation', message: 'Check your inbox to confirm your subscription.' } as const;

export const subscriptionRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const service = app.subscriptions;

  const subscribe = (req: FastifyRequest, input: z.output<typeof subscribeBody>) => {
    const { mail } = service.subscribe(input);
    // The answer must not depend on whether the address was known: send in the background.
    mail?.catch((err) => req.log.error({ event: 'subscriber.confirmation_failed', err }, 'could not send confirmation'));
  };

  fastify.get('/', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(
      page(
        'Daily trending papers in your inbox',
        html`<h1>Trending research papers, once a day</h1>
<p>Every morning: the papers the community is picking up fastest, from Hugging Face Daily Papers and arXiv. Unsubscribe with one click.</p>
<form class="card" method="post" action="/subscribe">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" autocomplete="email" required maxlength="254">
  <label for="topics">Topics you follow <span class="muted">(optional, comma separated: "long context, diffusion, cs.CL")</span></label>
  <input id="topics" name="topics" type="text" maxlength="300">
  <div class="hp" aria-hidden="true"><label for="website">Leave empty</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
  <button type="submit">Subscribe</button>
  <p class="muted">We send one confirmation email. Nothing else until you confirm.</p>
</form>
<p><a href="/archive">Read past digests</a></p>`,
      ),
    ),
  );

  fastify.post('/api/subscriptions', { schema: { body: subscribeBody } }, async (req, reply) => {
    subscribe(req, req.body);
    return reply.code(202).send(ACCEPTED);
  });

  const formBody = z.object({
    email: z.string().max(320),
    topics: z.string().max(600).optional(),
    website: z.string().max(200).optional(),
  });
  fastify.post('/subscribe', async (req, reply) => {
    const parsed = formBody.safeParse(req.body ?? {});
    const email = parsed.success ? emailSchema.safeParse(parsed.data.email) : undefined;
    if (!parsed.success || !email?.success) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(page('Check the address', html`<h1>That address does not look right</h1><p>Please go back and enter a valid email address.</p><p><a href="/">Back</a></p>`));
    }
    // Honeypot: bots fill every field; answer as if all went well and do nothing.
    if (!parsed.data.website) {
      const topics = (parsed.data.topics ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length >= 2 && t.length <= 60)
        .slice(0, 10);
      subscribe(req, { email: email.data, topics: topics.length ? topics : undefined });
    }
    return reply
      .code(202)
      .type('text/html; charset=utf-8')
      .send(page('Check your inbox', html`<h1>Check your inbox</h1><p>${ACCEPTED.message} The link is valid for ${app.config.subscriptions.confirmTtlHours} hours.</p>`));
  });

  const tokenQuery = z.object({ token: z.string().max(200).optional() }).passthrough();

  fastify.get('/confirm', { schema: { querystring: tokenQuery } }, async (req, reply) => {
    const token = req.query.token ?? '';
    const check = service.checkConfirmToken(token);
    reply.type('text/html; charset=utf-8');
    if (!check.ok) return reply.code(check.reason === 'expired' ? 410 : 404).send(confirmProblemPage(check.reason));
    return reply.send(
      page(
        'Confirm your subscription',
        html`<h1>Confirm your subscription</h1><form method="post" action="/confirm" class="card"><input type="hidden" name="token" value="${token}"><p>One more click and the daily digest is on its way.</p><button type="submit">Confirm subscription</button></form>`,
      ),
    );
  });

  fastify.post('/confirm', async (req, reply) => {
    const body = z.object({ token: z.string().max(200) }).safeParse(req.body ?? {});
    const result = body.success ? service.confirm(body.data.token) : ({ ok: false, reason: 'invalid' } as const);
    reply.type('text/html; charset=utf-8');
    if (!result.ok) return reply.code(result.reason === 'expired' ? 410 : 404).send(confirmProblemPage(result.reason));
    return reply.send(page('Subscribed', html`<h1>You are subscribed</h1><p>The next daily digest will reach you at your delivery time.</p><p><a href="/archive">Read past digests meanwhile</a></p>`));
  });

  fastify.get('/unsubscribe', { schema: { querystring: tokenQuery } }, async (req, reply) => {
    const token = req.query.token ?? '';
    reply.type('text/html; charset=utf-8');
    if (!verifySubscriberToken(app.config.secretKey, 'unsubscribe', token)) return reply.code(404).send(badLinkPage());
    // A GET shows a button only: mail scanners prefetch links and must not unsubscribe anyone.
    return reply.send(
      page(
        'Unsubscribe',
        html`<h1>Unsubscribe</h1><form method="post" action="/unsubscribe?token=${token}" class="card"><p>Stop receiving the daily trending papers digest?</p><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  // RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" with no cookies; answer 200, never redirect.
  fastify.post('/unsubscribe', { schema: { querystring: tokenQuery } }, async (req, reply) => {
    const id = verifySubscriberToken(app.config.secretKey, 'unsubscribe', req.query.token ?? '');
    if (!id || !service.unsubscribe(id)) {
      if (wantsPage(req)) return reply.code(404).type('text/html; charset=utf-8').send(badLinkPage());
      return reply.code(404).send({ error: { code: 'INVALID_TOKEN', message: 'This unsubscribe link is not valid.' } });
    }
    if (wantsPage(req))
      return reply
        .type('text/html; charset=utf-8')
        .send(page('Unsubscribed', html`<h1>You are unsubscribed</h1><p>You will not receive the digest any more. Changed your mind? <a href="/">Subscribe again</a>.</p>`));
    return reply.send({ status: 'unsubscribed' });
  });
};

function wantsPage(req: FastifyRequest): boolean {
  return /text\/html/.test(req.headers.accept ?? '');
}

function confirmProblemPage(reason: 'invalid' | 'expired'): string {
  return page(
    'Link not valid',
    html`<h1>${reason === 'expired' ? 'This confirmation link has expired' : 'This confirmation link is not valid'}</h1>
<p>${reason === 'expired' ? 'Links work for a limited time.' : 'It may have been used already.'} Enter your address again and we will send a fresh link.</p>
<form class="card" method="post" action="/subscribe"><label for="email">Email address</label><input id="email" name="email" type="email" required autocomplete="email"><button type="submit">Send a new link</button></form>`,
  );
}

function badLinkPage(): string {
  return page('Link not valid', html`<h1>This link is not valid</h1><p>Use the unsubscribe link from the most recent digest, or the preferences page.</p>`);
}
