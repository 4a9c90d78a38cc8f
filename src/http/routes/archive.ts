// The public web archive: an index of past editions, one page per edition and an Atom feed of them.
// Invariant: nothing here is personal — each edition shows its frozen top trending papers with their
// reasons, read from the same view model as the email (so "View in browser" matches what was sent).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { XMLBuilder } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { readStoredEdition, publicSections, type StoredEdition } from '../../digest/stored-edition.js';
import { cardView, editionUrls, formatDateLabel, sectionViews, type CardView, type SectionView } from '../../digest/view.js';
import { page } from '../pages/layout.js';
import { html, raw, type Raw } from '../pages/html.js';
import { plainText } from '../../lib/tex.js';
import { sendError } from '../error-handler.js';
import { isoDateSchema } from '../../lib/iso-date.js';

export const FEED_PATH = '/archive/feed.xml';
const PAGE_SIZE = 50;
const FEED_ENTRIES = 30;

// The archive's own few rules, served as a content-hashed stylesheet: the site CSP allows no inline style.
const ARCHIVE_CSS = `
ol.papers { list-style: none; padding: 0; }
ol.papers li.card { margin: 1rem 0; }
.papers .card h3 { font-size: 1.15rem; line-height: 1.35; margin: 0 0 .25rem; }
.papers .card h3 a { color: var(--fg); text-decoration: none; }
.papers .card h3 a:hover { text-decoration: underline; }
.papers .card p { margin: .35rem 0; }
.papers .links a { font-weight: 600; text-decoration: none; }
.section-title { font-size: .85rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); margin-top: 1.5rem; }
.edition-nav { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; margin-top: 2rem; }
ul.editions { padding-left: 1.1rem; } ul.editions li { margin: .7rem 0; }
`;
export const ARCHIVE_CSS_PATH = `/assets/archive.${createHash('sha256').update(ARCHIVE_CSS).digest('hex').slice(0, 12)}.css`;

function head(feedUrl: string): Raw {
  return html`<link rel="alternate" type="application/atom+xml" title="Trending Papers: every digest" href="${feedUrl}">
<link rel="stylesheet" href="${ARCHIVE_CSS_PATH}">`;
}

function cardHtml({ card: c, reason }: { card: CardView; reason: string }): Raw {
  return html`<li class="card"><article>
<h3><a href="${c.url}">${raw(c.titleHtml)}</a></h3>
<p class="muted">${c.authorsLine}${c.organization ? html` · ${c.organization}` : ''}</p>
${c.summaryHtml ? html`<p>${raw(c.summaryHtml)}</p>` : ''}
<p class="muted"><span class="reason">${reason}</span> ${c.statsLine}</p>
<p class="links"><a href="${c.arxivUrl}">arXiv</a> · <a href="${c.pdfUrl}">PDF</a>${c.githubUrl ? html` · <a href="${c.githubUrl}">Code${c.githubStarsLabel ? ` ${c.githubStarsLabel}` : ''}</a>` : ''}${c.projectUrl ? html` · <a href="${c.projectUrl}">Project</a>` : ''}</p>
</article></li>`;
}

/** The public sections of an edition as views (the same cards and reasons as the email's Top trending). */
export function publicSectionViews(e: StoredEdition, size: number): SectionView[] {
  const byId = new Map(e.papers.map((p) => [p.snapshot.id, cardView(p.snapshot, e.date)]));
  return sectionViews(publicSections(e, size), byId, e.date);
}

export const archiveRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const editions = app.store;
  const baseUrl = app.config.publicBaseUrl;
  const feedUrl = `${baseUrl}${FEED_PATH}`;
  const size = app.config.digest.size;

  fastify.get(ARCHIVE_CSS_PATH, { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(ARCHIVE_CSS),
  );

  fastify.get('/archive', { schema: { querystring: z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) }) } }, async (req, reply) => {
    const pageNo = req.query.page;
    const [list, total] = await Promise.all([editions.readyEditions(PAGE_SIZE, (pageNo - 1) * PAGE_SIZE), editions.countReadyEditions()]);
    const body = html`<h1>Past digests</h1>
<p class="muted">Every daily digest, newest first. Follow them in a feed reader: <a href="${feedUrl}">Atom feed</a>.</p>
${
  list.length
    ? html`<ul class="editions">${list.map((e) => html`<li><a href="/archive/${e.date}">${formatDateLabel(e.date)}</a><br><span class="muted">${plainText(e.subject)}</span></li>`)}</ul>`
    : html`<p>No digest has been sent yet.</p>`
}
<nav class="edition-nav" aria-label="Pages">${pageNo > 1 ? html`<a href="/archive?page=${pageNo - 1}">← Newer</a>` : html`<span></span>`}${
      pageNo * PAGE_SIZE < total ? html`<a href="/archive?page=${pageNo + 1}">Older →</a>` : ''
    }</nav>
<p><a href="/">Get the digest by email every day</a></p>`;
    return reply.type('text/html; charset=utf-8').send(page('Archive', body, { description: 'Every daily digest of trending research papers.', head: head(feedUrl) }));
  });

  fastify.get(FEED_PATH, async (_req, reply) => {
    const listed = await editions.readyEditions(FEED_ENTRIES);
    const entries = (await Promise.all(listed.map((row) => readStoredEdition(editions, row.date)))).filter((e): e is StoredEdition => !!e);
    return reply
      .type('application/atom+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=600')
      .send(atomFeed(entries, { baseUrl, feedUrl, size }));
  });

  fastify.get(
    '/archive/:date',
    { schema: { params: z.object({ date: isoDateSchema(() => app.clock.now()) }) } },
    async (req, reply) => {
      const edition = await readStoredEdition(editions, req.params.date);
      if (!edition) return sendError(req, reply, 404, 'NOT_FOUND', 'There is no digest for that date.');
      const sections = publicSectionViews(edition, size);
      const [prev, next] = await Promise.all([editions.adjacentReadyEdition(edition.date, 'before'), editions.adjacentReadyEdition(edition.date, 'after')]);
      const dateLabel = formatDateLabel(edition.date);
      const body = html`<p class="muted">Trending Papers · ${dateLabel}</p>
<h1>Today's trending papers</h1>
<p>The research papers people were upvoting fastest on ${dateLabel}, each with the reason it made the list.</p>
${sections.map((s) => html`<section aria-label="${s.title}"><h2 class="section-title">${s.title}</h2><ol class="papers">${s.items.map(cardHtml)}</ol></section>`)}
<nav class="edition-nav" aria-label="Editions">${prev ? html`<a href="/archive/${prev}" rel="prev">← ${formatDateLabel(prev)}</a>` : html`<span></span>`}<a href="/archive">All digests</a>${
        next ? html`<a href="/archive/${next}" rel="next">${formatDateLabel(next)} →</a>` : ''
      }</nav>
<p><a href="/">Get this digest by email every day</a></p>`;
      return reply
        .type('text/html; charset=utf-8')
        .send(page(`Trending papers for ${dateLabel}`, body, { description: plainText(edition.subject), head: head(feedUrl) }));
    },
  );
};

/** An Atom 1.0 feed (RFC 4287): one entry per edition, its content the edition's public papers as HTML. */
export function atomFeed(entries: StoredEdition[], o: { baseUrl: string; feedUrl: string; size: number }): string {
  const archiveIndexUrl = `${o.baseUrl}/archive`;
  const newest = entries[0]?.preparedAt ?? '1970-01-01T00:00:00.000Z';
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const feed = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: archiveIndexUrl,
      title: 'Trending Papers',
      subtitle: 'The research papers people are upvoting fastest, once a day.',
      updated: newest,
      link: [
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': o.feedUrl },
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': archiveIndexUrl },
      ],
      author: { name: 'Trending Papers', uri: `${o.baseUrl}/` },
      entry: entries.map((e) => {
        const url = editionUrls(o.baseUrl, e.date).archiveUrl;
        const sections = publicSectionViews(e, o.size);
        const content = html`${sections.map((s) => html`<h2>${s.title}</h2><ol>${s.items.map(({ card: c, reason }) => html`<li><a href="${c.url}"><strong>${raw(c.titleHtml)}</strong></a><br>${c.authorsLine}${c.summaryHtml ? html`<br>${raw(c.summaryHtml)}` : ''}<br><em>${reason}</em> · ${c.statsLine} · <a href="${c.pdfUrl}">PDF</a>${c.githubUrl ? html` · <a href="${c.githubUrl}">Code</a>` : ''}</li>`)}</ol>`)}`;
        return {
          id: url,
          title: `Trending papers for ${formatDateLabel(e.date)}`,
          updated: e.preparedAt,
          published: e.preparedAt,
          link: { '@_rel': 'alternate', '@_type': 'text/html', '@_href': url },
          summary: plainText(e.subject),
          content: { '@_type': 'html', '#text': content.value },
        };
      }),
    },
  };
  return builder.build(feed);
}
