// Renders emails. MJML is compiled once per edition (all cards the edition can show, between markers);
// each recipient's message is then assembled from those fragments by string work only, never MJML.
import mjml2html from 'mjml';
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PaperSnapshot } from './snapshot.js';
import type { Section } from '../rank/select.js';
import { cardView, formatDateLabel, type CardView } from './view.js';
import { AppError } from '../lib/errors.js';
import { escapeHtml } from '../lib/escape-html.js';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface RenderSettings {
  publicBaseUrl: string;
}

export interface RecipientParts {
  sections: Section[];
  unsubscribeUrl: string;
  preferencesUrl: string;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

export interface CompiledEdition {
  date: string;
  subject: string;
  renderFor(r: RecipientParts): RenderedMessage;
}

let handlebars: typeof Handlebars | undefined;
function templates(): typeof Handlebars {
  if (handlebars) return handlebars;
  const hb = Handlebars.create();
  const dir = join(TEMPLATES_DIR, 'partials');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.mjml'))) hb.registerPartial(f.replace(/\.mjml$/, ''), readFileSync(join(dir, f), 'utf8'));
  handlebars = hb;
  return hb;
}

function fill(name: string, data: unknown): string {
  const source = readFileSync(join(TEMPLATES_DIR, `${name}.mjml`), 'utf8');
  return templates().compile(source, { strict: false })(data);
}

export async function compileMjml(mjml: string): Promise<string> {
  const out = await mjml2html(mjml, { validationLevel: 'strict', keepComments: true, minify: false });
  if (out.errors?.length)
    throw new AppError('MJML_INVALID', `MJML errors: ${out.errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('; ')}`);
  // Collapse indentation between tags: a 20-paper digest must stay far below Gmail's ~102 KB clip.
  return out.html.replace(/>\s+</g, '><').replace(/\n\s*/g, '\n');
}


function between(html: string, start: string, end: string, from = 0): { inner: string; startAt: number; endAt: number } {
  const a = html.indexOf(start, from);
  const b = a < 0 ? -1 : html.indexOf(end, a + start.length);
  if (a < 0 || b < 0) throw new AppError('TEMPLATE_MARKER_MISSING', `compiled template lacks ${start}…${end}`);
  return { inner: html.slice(a + start.length, b), startAt: a, endAt: b + end.length };
}

export function editionUrls(baseUrl: string, date: string) {
  return { archiveUrl: `${baseUrl}/archive/${date}`, archiveIndexUrl: `${baseUrl}/archive`, siteUrl: `${baseUrl}/` };
}

/** Compiles the edition once. `papers` are every paper any recipient may get. */
export async function compileEdition(edition: { date: string; subject: string; papers: PaperSnapshot[] }, s: RenderSettings): Promise<CompiledEdition> {
  const cards = edition.papers.map(cardView);
  const byId = new Map<string, CardView>(cards.map((c) => [c.id, c]));
  const urls = editionUrls(s.publicBaseUrl, edition.date);
  const dateLabel = formatDateLabel(edition.date);
  const preheader = cards.length ? `Today's top paper: ${cards[0]!.title}` : 'Trending papers';
  const html = await compileMjml(
    fill('digest', { ...urls, subject: edition.subject, preheader, dateLabel, papers: cards, siteHost: new URL(s.publicBaseUrl).host }),
  );
  const sections = between(html, '<!--sections-->', '<!--/sections-->');
  const head = html.slice(0, sections.startAt);
  const tail = html.slice(sections.endAt);
  const heading = between(sections.inner, '<!--heading-->', '<!--/heading-->').inner;
  const fragments = new Map<string, string>();
  for (const c of cards) fragments.set(c.id, between(sections.inner, `<!--card:${c.id}-->`, '<!--/card-->').inner);

  return {
    date: edition.date,
    subject: edition.subject,
    renderFor(r: RecipientParts): RenderedMessage {
      let body = '';
      for (const sec of r.sections) {
        body += heading.replace('%%HEADING%%', escapeHtml(sec.title));
        for (const p of sec.papers) {
          const frag = fragments.get(p.id);
          if (!frag) throw new AppError('RENDER_UNKNOWN_PAPER', `paper ${p.id} is not part of edition ${edition.date}`);
          body += frag.replace('%%REASON%%', escapeHtml(p.reason));
        }
      }
      const out = (head + body + tail)
        .replaceAll('%%UNSUBSCRIBE_URL%%', escapeHtml(r.unsubscribeUrl))
        .replaceAll('%%PREFERENCES_URL%%', escapeHtml(r.preferencesUrl));
      return { subject: edition.subject, html: out, text: renderText(edition.date, dateLabel, urls, r, byId) };
    },
  };
}

/** The plain-text part, from the same view model as the HTML. */
export function renderText(
  date: string,
  dateLabel: string,
  urls: ReturnType<typeof editionUrls>,
  r: RecipientParts,
  byId: ReadonlyMap<string, CardView>,
): string {
  const lines: string[] = [`Trending papers for ${dateLabel}`, `View in browser: ${urls.archiveUrl}`, ''];
  for (const sec of r.sections) {
    lines.push(sec.title.toUpperCase(), '='.repeat(Math.min(60, sec.title.length)), '');
    sec.papers.forEach((p, i) => {
      const c = byId.get(p.id);
      if (!c) return;
      lines.push(`${i + 1}. ${c.title}`, `   ${c.authorsLine}`);
      if (c.summary) lines.push(`   ${c.summary}`);
      const stats = [`${c.upvotes} upvotes`, `${c.comments} comments`];
      if (c.githubStars) stats.push(`${c.githubStars} GitHub stars`);
      lines.push(`   ${stats.join(' · ')} — ${p.reason}`, `   ${c.url}`, `   PDF: ${c.pdfUrl}`);
      if (c.githubUrl) lines.push(`   Code: ${c.githubUrl}`);
      lines.push('');
    });
  }
  lines.push('--', `Preferences: ${r.preferencesUrl}`, `Unsubscribe: ${r.unsubscribeUrl}`, `Archive: ${urls.archiveIndexUrl}`);
  void date;
  return lines.join('\n');
}

/** The confirmation email: compiled once per process; the link is filled per message. */
let confirmCache: { key: string; html: string } | undefined;
export async function renderConfirmation(s: RenderSettings & { ttlHours: number }, confirmUrl: string): Promise<RenderedMessage> {
  const key = `${s.publicBaseUrl}|${s.ttlHours}`;
  if (confirmCache?.key !== key) {
    confirmCache = { key, html: await compileMjml(fill('confirm', { siteHost: new URL(s.publicBaseUrl).host, ttlHours: s.ttlHours })) };
  }
  const html = confirmCache.html.replaceAll('%%CONFIRM_URL%%', escapeHtml(confirmUrl));
  const text = [
    'Confirm your subscription',
    '',
    `Someone, hopefully you, asked to receive the daily digest of trending research papers from ${new URL(s.publicBaseUrl).host} at this address.`,
    '',
    `Confirm here: ${confirmUrl}`,
    '',
    `The link works for ${s.ttlHours} hours. If you did not ask for this, ignore this email: you will not hear from us again.`,
  ].join('\n');
  return { subject: 'Confirm your subscription to Trending Papers', html, text };
}
