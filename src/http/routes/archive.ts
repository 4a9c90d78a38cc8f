// The public web archive: an index of past editions and one page per edition (no personal parts).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { createEditionsRepo } from '../../db/editions-repo.js';
import type { PaperSnapshot } from '../../digest/snapshot.js';
import { cardView, formatDateLabel } from '../../digest/view.js';
import { page } from '../pages/layout.js';
import { html } from '../pages/html.js';
import { sendError } from '../error-handler.js';

export const archiveRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const editions = createEditionsRepo(app.db);

  fastify.get('/archive', async (_req, reply) => {
    const list = editions.listReady(365);
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Archive',
        html`<h1>Past digests</h1>${
          list.length
            ? html`<ul>${list.map((e) => html`<li><a href="/archive/${e.date}">${formatDateLabel(e.date)}</a></li>`)}</ul>`
            : html`<p>No digest has been sent yet.</p>`
        }`,
      ),
    );
  });

  fastify.get(
    '/archive/:date',
    { schema: { params: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD') }) } },
    async (req, reply) => {
      const edition = editions.getByDate(req.params.date);
      if (!edition || edition.status !== 'ready') return sendError(req, reply, 404, 'NOT_FOUND', 'There is no digest for that date.');
      const papers = editions
        .papers(edition.id)
        .filter((p) => p.rank <= app.config.digest.size)
        .map((p) => ({ card: cardView(JSON.parse(p.snapshot_json) as PaperSnapshot), reason: p.reason }));
      return reply.type('text/html; charset=utf-8').send(
        page(
          `Digest for ${edition.date}`,
          html`<h1>Trending papers for ${formatDateLabel(edition.date)}</h1>
<ol class="papers">${papers.map(
            ({ card, reason }) => html`<li><a href="${card.url}"><strong>${card.title}</strong></a><br><span class="muted">${card.authorsLine}</span>
${card.summary ? html`<br>${card.summary}` : ''}<br><span class="muted">▲ ${card.upvotes} · <a href="${card.pdfUrl}">PDF</a>${card.githubUrl ? html` · <a href="${card.githubUrl}">Code</a>` : ''}</span> <span class="reason">${reason}</span></li>`,
          )}</ol>
<p><a href="/">Get this digest by email every day</a></p>`,
        ),
      );
    },
  );
};
