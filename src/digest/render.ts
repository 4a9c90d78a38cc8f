// Renders emails. MJML is compiled once per edition (every card the edition can show, between markers);
// each recipient's message is then assembled from those fragments by concatenation only, never MJML:
// renderFor is synchronous, and MJML 5 is async, so a recipient cannot trigger a compile.
// Per-recipient values go into slots whose names carry a random nonce, so paper text can never fake one.
import { workerThread, workerUrl } from '../lib/worker-thread.js';
import type { FromMjml, MjmlJob } from './mjml-worker.js';
import { randomBytes } from 'node:crypto';
import type { PaperSnapshot } from './snapshot.js';
import type { Section } from '../rank/select.js';
import { editionView, preheaderFor, sectionViews, editionUrls, type CardView, type EditionView, type SectionView } from './view.js';
import { AppError } from '../lib/errors.js';
import { escapeHtml } from '../lib/escape-html.js';
import { fixedRun, joinPieces, type FixedRun, type TextPiece } from '../lib/spliced-text.js';
import { digestHeading, digestSubject, type DigestKind } from './subject.js';
import { feedbackUrlPrefix } from '../http/links.js';

export { editionUrls };

export interface RenderSettings {
  publicBaseUrl: string;
}

export interface RecipientParts {
  sections: Section[];
  unsubscribeUrl: string;
  preferencesUrl: string;
  /**
   * This reader's token for a paper's "More like this" / "Less like this" links (src/http/links.ts). Without it the
   * cards carry no such links (previews of the archive's public sections).
   */
  feedbackToken?: ((paperId: string) => string) | undefined;
  /** A daily digest (default) or a weekly one: its own subject, heading and wording. */
  kind?: DigestKind | undefined;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

/** A digest as rendered for one recipient, also as the fixed runs and values it was joined from. */
export interface RenderedDigest extends RenderedMessage {
  /**
   * `html` and `text` before joining: runs compiled once per edition (the same objects in every recipient's message)
   * between per-recipient values. The mailer encodes each fixed run once (src/mail/qp-splice.ts).
   */
  pieces: { html: TextPiece[]; text: TextPiece[] };
}

export interface CompiledEdition {
  date: string;
  /** The edition's subject (the archive's); each recipient's comes from the first paper of their own digest. */
  subject: string;
  view: EditionView;
  renderFor(r: RecipientParts): RenderedDigest;
}

/** The MJML compile thread (mjml-worker.ts). */
const mjmlOnThread = workerThread<MjmlJob, FromMjml>(workerUrl('mjml-worker', import.meta.url));

/**
 * No compile is expected soon (the send has compiled its editions): the MJML thread stops now instead of 10 s later,
 * so that its heap is not held through the send (it overlapped the start of the send, the soak's peak RSS).
 */
export function releaseMjmlThread(): void {
  mjmlOnThread.release();
}

// fonts: {} — MJML would otherwise add a Google Fonts <link> for "Roboto" in our font stack: a remote fetch on open
// (privacy, and one more thing for spam filters to weigh) for a font we only fall back to.
const MJML_OPTIONS = { validationLevel: 'strict', keepComments: true, minify: false, fonts: {} };

/** Compiles MJML on the MJML thread. */
export async function compileMjml(mjml: string): Promise<string> {
  return compiled(await mjmlOnThread({ mjml, options: MJML_OPTIONS }));
}

/** Fills a template (templates/NAME.mjml, src/digest/templates.ts) with `data` and compiles it, both on the MJML thread. */
export async function compileTemplate(name: string, data: unknown): Promise<string> {
  return compiled(await mjmlOnThread({ template: name, data, options: MJML_OPTIONS }));
}

function compiled(out: FromMjml): string {
  // A template that cannot be filled (strict: a value it names is missing) is a bug of ours, not invalid MJML.
  if ('error' in out && out.stage === 'template') throw new AppError('TEMPLATE_FILL_FAILED', `email template: ${out.error.trim()}`);
  // Strict validation throws a ValidationError listing every problem.
  if ('error' in out) throw new AppError('MJML_INVALID', `MJML is invalid: ${out.error.trim()}`);
  if (out.errors.length) throw new AppError('MJML_INVALID', `MJML errors: ${out.errors.join('; ')}`);
  // Drop the template's indentation (whitespace runs that contain a newline, between tags or at line
  // starts): a 20-paper digest must stay far below Gmail's ~102 KB clip. Single spaces between inline
  // elements carry meaning and are kept.
  return unnameEmailWrapper(hidePreheaderQuietly(out.html)).replace(/>[ \t]*\n\s*</g, '><').replace(/\n[ \t]+/g, '\n');
}

/**
 * MJML wraps the body in <div role="article" aria-roledescription="email" aria-label="{title}">. A named element
 * is content to axe-core, and this one sits outside every landmark ("region"); the <title> names the email
 * already, and the landmarks inside (banner, main, contentinfo: templates/partials/head.mjml) hold all of it.
 */
function unnameEmailWrapper(html: string): string {
  return html.replace(/(<div)\s+aria-label="[^"]*"(\s+aria-roledescription="email"\s+role="article")/, '$1$2');
}

/**
 * MJML hides the preheader with white 1px text; SpamAssassin scores exactly that as text hidden from the
 * reader (HTML_FONT_LOW_CONTRAST, or FONT_INVIS_* without the colour). display:none with zero size and
 * opacity hides it just as well in every client, without looking like a trick.
 */
const MJML_PREVIEW_STYLE = 'display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;';
const QUIET_PREVIEW_STYLE = 'display:none;max-height:0px;max-width:0px;opacity:0;overflow:hidden;mso-hide:all;';
function hidePreheaderQuietly(html: string): string {
  return html.replace(`<div style="${MJML_PREVIEW_STYLE}">`, `<div style="${QUIET_PREVIEW_STYLE}">`);
}

// ---- slots -----------------------------------------------------------------------------------------

const SLOT_NAMES = ['subject', 'headline', 'lead', 'cadence', 'preheader', 'heading', 'reason', 'feedback', 'unsubscribeUrl', 'preferencesUrl', 'confirmUrl'] as const;
type SlotName = (typeof SLOT_NAMES)[number];
type SlotValues = Partial<Record<SlotName, string>>;

function slotTokens(): Record<SlotName, string> {
  const nonce = randomBytes(6).toString('hex');
  return Object.fromEntries(SLOT_NAMES.map((n) => [n, `%%${n}-${nonce}%%`])) as Record<SlotName, string>;
}

/** A compiled fragment: literal parts (fixed runs, created once) with named holes between them. */
interface Fragment {
  parts: FixedRun[];
  holes: SlotName[];
}

function toFragment(html: string, tokens: Record<SlotName, string>): Fragment {
  const byToken = new Map(SLOT_NAMES.map((n) => [tokens[n], n]));
  const pattern = new RegExp(SLOT_NAMES.map((n) => tokens[n].replace(/[%-]/g, '\\$&')).join('|'), 'g');
  const parts: FixedRun[] = [];
  const holes: SlotName[] = [];
  let at = 0;
  for (const m of html.matchAll(pattern)) {
    parts.push(fixedRun(html.slice(at, m.index)));
    holes.push(byToken.get(m[0])!);
    at = m.index + m[0].length;
  }
  parts.push(fixedRun(html.slice(at)));
  return { parts, holes };
}

/** Appends the fragment with its holes filled to `out`. Values are inserted as given: callers pass them HTML-escaped. */
function fill(f: Fragment, values: SlotValues, out: TextPiece[]): void {
  out.push(f.parts[0]!);
  for (let i = 0; i < f.holes.length; i++) {
    const v = values[f.holes[i]!];
    if (v === undefined) throw new AppError('RENDER_SLOT_MISSING', `no value for slot ${f.holes[i]}`);
    out.push(v, f.parts[i + 1]!);
  }
}

function between(html: string, start: string, end: string, from = 0): { inner: string; startAt: number; endAt: number } {
  const a = html.indexOf(start, from);
  const b = a < 0 ? -1 : html.indexOf(end, a + start.length);
  if (a < 0 || b < 0) throw new AppError('TEMPLATE_MARKER_MISSING', `compiled template lacks ${start}…${end}`);
  return { inner: html.slice(a + start.length, b), startAt: a, endAt: b + end.length };
}

/** For element text (not attributes): only &, < and > need escaping, so "Today's" stays as written. */
function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function assertLink(url: string, what: string): void {
  if (!/^https?:\/\/[^\s<>"]+$/.test(url)) throw new AppError('RENDER_BAD_URL', `${what} must be an absolute URL without spaces or quotes`);
}

// ---- the digest ------------------------------------------------------------------------------------

const LEAD: Record<DigestKind, string> = {
  daily: 'The research papers people are upvoting fastest right now, each with the reason it made the list.',
  weekly: 'The research papers people upvoted most over the past seven days, each with the reason it made the list.',
};

/** Compiles the edition once. `papers` are every paper any recipient may get. */
export async function compileEdition(edition: { date: string; subject: string; papers: PaperSnapshot[] }, s: RenderSettings): Promise<CompiledEdition> {
  const view = editionView(edition, s.publicBaseUrl);
  const byId = new Map<string, CardView>(view.cards.map((c) => [c.id, c]));
  const tokens = slotTokens();
  // Each card's feedback links up to their token (the same for every recipient): pre-escaped, so "=" stays "=".
  const cardsWithLinks = view.cards.map((c) => ({
    ...c,
    feedbackMore: escapeHtml(feedbackUrlPrefix(s.publicBaseUrl, c.id, 'more')),
    feedbackLess: escapeHtml(feedbackUrlPrefix(s.publicBaseUrl, c.id, 'less')),
  }));
  const html = await compileTemplate('digest', { ...view, cards: cardsWithLinks, slots: tokens });

  const sections = between(html, '<!--sections-->', '<!--/sections-->');
  const head = toFragment(html.slice(0, sections.startAt), tokens);
  const tail = toFragment(html.slice(sections.endAt), tokens);
  const heading = toFragment(between(sections.inner, '<!--heading-->', '<!--/heading-->').inner, tokens);
  // A card is its body, its feedback line (only when the recipient has feedback links) and its end.
  const cards = new Map<string, { body: Fragment; feedback: Fragment; end: Fragment }>();
  for (const c of view.cards) {
    const inner = between(sections.inner, `<!--card:${c.id}-->`, '<!--/card-->').inner;
    const fb = between(inner, '<!--feedback-->', '<!--/feedback-->');
    cards.set(c.id, { body: toFragment(inner.slice(0, fb.startAt), tokens), feedback: toFragment(fb.inner, tokens), end: toFragment(inner.slice(fb.endAt), tokens) });
  }
  const renderText = compileText(view, s.publicBaseUrl);

  return {
    date: edition.date,
    subject: view.subject,
    view,
    renderFor(r: RecipientParts): RenderedDigest {
      assertLink(r.unsubscribeUrl, 'unsubscribe URL');
      assertLink(r.preferencesUrl, 'preferences URL');
      const secs = sectionViews(r.sections, byId, edition.date);
      // Never a blank email: preparing an edition skips subscribers with nothing to read.
      if (!secs.length) throw new AppError('RENDER_EMPTY', `nothing to render for this recipient in edition ${edition.date}`);
      const kind = r.kind ?? 'daily';
      // The subject names this reader's first paper: never a paper they already had or will not find below.
      const subject = digestSubject(kind, edition.date, secs[0]!.items[0]!.card.title);
      const personal: SlotValues = {
        subject: escapeHtml(subject),
        headline: escapeText(digestHeading(kind, edition.date)),
        lead: escapeText(LEAD[kind]),
        cadence: kind,
        preheader: escapeHtml(preheaderFor(secs, kind === 'weekly' ? 'this week' : 'today')),
        unsubscribeUrl: escapeHtml(r.unsubscribeUrl),
        preferencesUrl: escapeHtml(r.preferencesUrl),
      };
      // One token per card for both parts (an HMAC each: computed once per message).
      const tokens = new Map<string, string>();
      const feedbackToken =
        r.feedbackToken &&
        ((id: string) => {
          let t = tokens.get(id);
          if (t === undefined) tokens.set(id, (t = r.feedbackToken!(id)));
          return t;
        });
      const html: TextPiece[] = [];
      fill(head, personal, html);
      for (const sec of secs) {
        fill(heading, { heading: escapeHtml(sec.title) }, html);
        for (const { card, reason } of sec.items) {
          const f = cards.get(card.id)!;
          fill(f.body, { reason: escapeHtml(reason) }, html);
          if (feedbackToken) fill(f.feedback, { feedback: escapeHtml(feedbackToken(card.id)) }, html);
          fill(f.end, personal, html);
        }
      }
      fill(tail, personal, html);
      const text = renderText(secs, { ...r, feedbackToken }, kind);
      return { subject, html: joinPieces(html), text: joinPieces(text), pieces: { html, text } };
    },
  };
}

// ---- the text part ---------------------------------------------------------------------------------

/** Wraps prose at word boundaries; URLs stay on one line so they remain clickable. */
export function wrapText(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width - indent.length) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

const TEXT_WIDTH = 72;
const INDENT = '    ';

/**
 * The plain-text part, from the same view model as the HTML. Like the HTML, everything that does not depend
 * on the recipient (each card's wrapped lines) is prepared once per edition, as fixed runs; a recipient only
 * joins them with their own values (section titles, numbers, reasons, links).
 */
export function compileText(
  view: EditionView,
  publicBaseUrl: string,
): (sections: readonly SectionView[], r: Pick<RecipientParts, 'unsubscribeUrl' | 'preferencesUrl' | 'feedbackToken'>, kind?: DigestKind) => TextPiece[] {
  const blocks = new Map<string, FixedRun>();
  const feedback = new Map<string, { more: FixedRun; less: FixedRun }>();
  for (const c of view.cards) {
    const body = [
      ...wrapText(`${c.authorsLine}${c.organization ? ` · ${c.organization}` : ''}`, TEXT_WIDTH, INDENT),
      ...(c.summary ? wrapText(c.summary, TEXT_WIDTH, INDENT) : []),
      `${INDENT}${c.statsLine}`,
      `${INDENT}Read:  ${c.url}`,
      `${INDENT}PDF:   ${c.pdfUrl}`,
      ...(c.githubUrl ? [`${INDENT}Code:  ${c.githubUrl}${c.githubStarsLabel ? ` (${c.githubStarsLabel})` : ''}`] : []),
      ...(c.projectUrl ? [`${INDENT}Project: ${c.projectUrl}`] : []),
    ].join('\n');
    // "1.  Title" / "10. Title": the number (per recipient) sits in the indent, continuation lines keep it.
    blocks.set(c.id, fixedRun(`${wrapText(c.title, TEXT_WIDTH, INDENT).join('\n').slice(INDENT.length)}\n${body}\n${INDENT}Why: `));
    feedback.set(c.id, {
      more: fixedRun(`\n${INDENT}More like this: ${feedbackUrlPrefix(publicBaseUrl, c.id, 'more')}`),
      less: fixedRun(`\n${INDENT}Less like this: ${feedbackUrlPrefix(publicBaseUrl, c.id, 'less')}`),
    });
  }
  const head: Record<DigestKind, FixedRun> = {
    daily: fixedRun([`TRENDING PAPERS · ${view.dateLabel}`, '', `View in browser: ${view.archiveUrl}`, ''].join('\n')),
    weekly: fixedRun([`${digestHeading('weekly', view.date).toUpperCase()} · ${view.dateLabel}`, '', `View in browser: ${view.archiveUrl}`, ''].join('\n')),
  };
  const foot: Record<DigestKind, FixedRun> = {
    daily: fixedRun(`--\nYou receive this email because you subscribed to the daily Trending Papers digest at ${view.siteHost}.\nManage preferences: `),
    weekly: fixedRun(`--\nYou receive this email because you subscribed to the weekly Trending Papers digest at ${view.siteHost}.\nManage preferences: `),
  };
  const unsubscribe = fixedRun('\nUnsubscribe: ');
  const archive = fixedRun(`\nPast digests: ${view.archiveIndexUrl}`);
  return (sections, r, kind = 'daily') => {
    const out: TextPiece[] = [head[kind]];
    for (const sec of sections) {
      out.push(`\n${sec.title.toUpperCase()}\n${'-'.repeat(Math.min(TEXT_WIDTH, sec.title.length))}\n\n`);
      sec.items.forEach(({ card, reason }, i) => {
        out.push(`${i + 1}.`.padEnd(INDENT.length), blocks.get(card.id)!, reason);
        if (r.feedbackToken) {
          const token = r.feedbackToken(card.id);
          const f = feedback.get(card.id)!;
          out.push(f.more, token, f.less, token);
        }
        out.push('\n\n');
      });
    }
    out.push(foot[kind], r.preferencesUrl, unsubscribe, r.unsubscribeUrl, archive);
    return out;
  };
}

// ---- the confirmation email ------------------------------------------------------------------------


/** Compiled once per process and settings; the link is filled per message. */
let confirmCache: Promise<{ html: Fragment; text: { before: FixedRun; after: FixedRun } }> | undefined;
let confirmKey = '';

async function compileConfirmation(s: RenderSettings & { ttlHours: number }): Promise<Fragment> {
  const tokens = slotTokens();
  const siteHost = new URL(s.publicBaseUrl).host;
  const html = await compileTemplate('confirm', { siteHost, siteUrl: `${s.publicBaseUrl}/`, ttlHours: s.ttlHours, slots: tokens });
  return toFragment(html, tokens);
}

/** The confirmation's plain text around its link, built once per settings (a fixed run each side). */
function confirmationText(s: RenderSettings & { ttlHours: number }): { before: FixedRun; after: FixedRun } {
  const siteHost = new URL(s.publicBaseUrl).host;
  const before = [
    'Confirm your subscription to Trending Papers',
    '',
    ...wrapText(`Someone, hopefully you, asked to receive the daily digest of trending research papers from ${siteHost} at this address. Please confirm that it was you:`, TEXT_WIDTH, ''),
    '',
    '',
  ].join('\n');
  const after = [
    '',
    '',
    ...wrapText(`The link works for ${s.ttlHours} hours. If you did not ask for this, ignore this email: you will not hear from us again.`, TEXT_WIDTH, ''),
    '',
    '--',
    `Trending Papers · ${s.publicBaseUrl}/`,
  ].join('\n');
  return { before: fixedRun(before), after: fixedRun(after) };
}

/**
 * The confirmation email for one link. Compiled once per settings; each message only joins the compiled runs
 * around its link, and `pieces` lets the mailer encode those runs once (src/mail/qp-splice.ts), as for digests.
 */
export async function renderConfirmation(s: RenderSettings & { ttlHours: number }, confirmUrl: string): Promise<RenderedDigest> {
  assertLink(confirmUrl, 'confirmation URL');
  const key = `${s.publicBaseUrl}|${s.ttlHours}`;
  if (!confirmCache || confirmKey !== key) {
    confirmKey = key;
    const text = confirmationText(s);
    const compiling = compileConfirmation(s).then((html) => ({ html, text }));
    confirmCache = compiling;
    // A failed compile must not stay cached.
    compiling.catch(() => {
      if (confirmKey === key) confirmCache = undefined;
    });
  }
  const compiled = await confirmCache;
  const html: TextPiece[] = [];
  fill(compiled.html, { confirmUrl: escapeHtml(confirmUrl) }, html);
  const text: TextPiece[] = [compiled.text.before, confirmUrl, compiled.text.after];
  return { subject: 'Confirm your subscription to Trending Papers', html: joinPieces(html), text: joinPieces(text), pieces: { html, text } };
}
