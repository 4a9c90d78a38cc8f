// "More like this" / "Less like this" from a digest: /feedback/<paper>/<more|less>?token=… opens a page (a GET never
// records anything: mail scanners and link previews open every link), and its buttons POST /feedback/<paper>?token=…
// with choice=more|less|none, which records the reader's say idempotently and answers with an undo button.
// Invariants: the token (HMAC of the subscriber and the paper, src/http/links.ts) is the only credential; a bad token
// or an unknown paper changes nothing; answers are never cached.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { verifyFeedbackToken } from '../../lib/tokens.js';
import { subscriberUrls } from '../links.js';
import { badLinkPage } from '../pages/unsubscribe.js';
import { noSubscriberPage } from '../pages/preferences.js';
import { feedbackPage, feedbackSavedPage, unknownPaperPage, type FeedbackPaperView } from '../pages/feedback.js';
import { authorsLine, safeUrl } from '../../digest/view.js';
import { cleanAuthors } from '../../lib/author-names.js';
import { richHtml, texExcerpt, texToRich } from '../../lib/tex.js';

const HTML = 'text/html; charset=utf-8';
const params = z.object({ paper: z.string().min(1).max(100).meta({ description: 'The paper (arXiv id)' }) });
const choiceParams = params.extend({ choice: z.enum(['more', 'less']) });
const tokenQuery = z.object({ token: z.string().max(100).optional().meta({ description: 'The signed token of the link' }) });
const choiceForm = z.object({ choice: z.enum(['more', 'less', 'none']) }).strict();

export const feedbackRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const secret = app.config.secretKey;
  const paperView = async (id: string): Promise<FeedbackPaperView | null> => {
    const p = await app.store.getPaper(id);
    if (!p) return null;
    const text = p.aiSummary ?? p.abstract;
    return {
      id: p.id,
      titleHtml: richHtml(texToRich(p.title)),
      url: safeUrl(p.hfUrl) ?? safeUrl(p.arxivUrl) ?? `https://arxiv.org/abs/${p.id}`,
      authorsLine: authorsLine(cleanAuthors(p.authors)),
      summaryHtml: text ? richHtml(texExcerpt(text, 280)) : null,
    };
  };

  /** The subscriber the link proves and the paper it names, or null after answering with the right page. */
  const check = async (paperId: string, token: string | undefined, reply: FastifyReply): Promise<{ id: number; paper: FeedbackPaperView } | null> => {
    reply.header('cache-control', 'no-store').type(HTML);
    const id = verifyFeedbackToken(secret, paperId, token ?? '');
    if (id === null) {
      void reply.code(404).send(badLinkPage());
      return null;
    }
    if (!(await app.store.getSubscriber(id))) {
      void reply.code(404).send(noSubscriberPage());
      return null;
    }
    const paper = await paperView(paperId);
    if (!paper) {
      void reply.code(404).send(unknownPaperPage());
      return null;
    }
    return { id, paper };
  };

  const actionUrl = (paperId: string, token: string) => `/feedback/${encodeURIComponent(paperId)}?token=${encodeURIComponent(token)}`;

  fastify.get(
    '/feedback/:paper/:choice',
    {
      schema: {
        tags: ['pages'],
        summary: 'Shows a paper with "More like this" / "Less like this" buttons (never records by itself)',
        params: choiceParams,
        querystring: tokenQuery,
      },
    },
    async (req, reply) => {
      const ok = await check(req.params.paper, req.query.token, reply);
      if (!ok) return reply;
      return reply.send(
        feedbackPage({
          paper: ok.paper,
          asked: req.params.choice,
          state: await app.profiles.state(ok.id, req.params.paper),
          actionUrl: actionUrl(req.params.paper, req.query.token!),
          preferencesUrl: subscriberUrls('', secret, ok.id).preferencesUrl,
        }),
      );
    },
  );

  fastify.post(
    '/feedback/:paper',
    {
      bodyLimit: 1024,
      schema: {
        tags: ['preferences'],
        summary: 'Records "more like this", "less like this" or neither for a paper (form field choice); idempotent',
        params,
        querystring: tokenQuery,
      },
    },
    async (req, reply) => {
      const ok = await check(req.params.paper, req.query.token, reply);
      if (!ok) return reply;
      const form = choiceForm.safeParse(req.body ?? {});
      const state = await app.profiles.state(ok.id, req.params.paper);
      const links = { actionUrl: actionUrl(req.params.paper, req.query.token!), preferencesUrl: subscriberUrls('', secret, ok.id).preferencesUrl };
      if (!form.success) return reply.code(400).send(feedbackPage({ paper: ok.paper, asked: 'more', state, ...links }));
      const saved = await app.profiles.setFeedback(ok.id, req.params.paper, form.data.choice);
      if (!saved) return reply.code(404).send(noSubscriberPage());
      return reply.send(feedbackSavedPage({ paper: ok.paper, state: form.data.choice, previous: saved.previous, ...links }));
    },
  );
};
