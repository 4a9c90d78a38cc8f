// View model (pure): what a reader sees of an edition and of each paper, built from the frozen snapshots.
// The HTML email, its text part, the archive page and the Atom feed all read this one model, so they agree.
// Invariant: every URL in a view is absolute https (or absent); nothing here touches the clock, db or network.
// Paper text is stored as the source gave it (arXiv's is TeX-flavoured) and made readable here, at view time:
// plain Unicode for subjects and text parts, escaped HTML with bold/italic for pages and emails (lib/tex.ts).
import type { PaperSnapshot } from './snapshot.js';
import type { Section } from '../rank/select.js';
import { AppError } from '../lib/errors.js';
import { plainText, richHtml, richPlain, texExcerpt, texToRich } from '../lib/tex.js';
import { cleanAuthors } from '../lib/author-names.js';

export { plainText };

export interface CardView {
  id: string;
  /** Plain readable text (TeX converted). */
  title: string;
  /** The same title as escaped HTML, with <strong>/<em> where the TeX asked for them. */
  titleHtml: string;
  /** The paper's Hugging Face page, else its arXiv abstract. */
  url: string;
  authorsLine: string;
  organization: string | null;
  summary: string | null;
  summaryHtml: string | null;
  /** True when a source measured the paper's community counters (Hugging Face); arXiv has none. */
  counted: boolean;
  /** "▲ 12 upvotes · 3 comments" when counted; else what arXiv tells: "cs.CL · announced Aug 20, 2026 · new on arXiv". */
  statsLine: string;
  githubUrl: string | null;
  githubStars: number | null;
  /** "★ 1.2k" when the star count is known, else null. */
  githubStarsLabel: string | null;
  pdfUrl: string;
  arxivUrl: string;
  projectUrl: string | null;
}

export interface EditionUrls {
  archiveUrl: string;
  archiveIndexUrl: string;
  feedUrl: string;
  siteUrl: string;
}

export interface EditionView extends EditionUrls {
  date: string;
  dateLabel: string;
  subject: string;
  siteHost: string;
  cards: CardView[];
}

export interface SectionView {
  kind: Section['kind'];
  title: string;
  items: { card: CardView; reason: string }[];
}

const MAX_SUMMARY = 280;
const MAX_AUTHORS = 3;

export function authorsLine(authors: string[], max = MAX_AUTHORS): string {
  if (!authors.length) return 'Unknown authors';
  return authors.length > max ? `${authors.slice(0, max).join(', ')} et al.` : authors.join(', ');
}

/** Trims at a word boundary so a 20-paper digest stays far below Gmail's clipping size. */
export function trimText(text: string, max = MAX_SUMMARY): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}

/** 950 → "950", 1234 → "1.2k", 12345 → "12k": compact counts read faster in a card. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  const k = n / 1000;
  return k < 10 ? `${k.toFixed(1).replace(/\.0$/, '')}k` : `${Math.round(k)}k`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${compactCount(n)} ${n === 1 ? one : many}`;
}

/**
 * Every link in an email must be absolute https: source data is not trusted to be. Plain http is upgraded
 * (the hosts papers link to all serve https); any other scheme (javascript:, data:, relative) is dropped.
 */
export function safeUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return null;
  }
  if (u.protocol === 'http:') u.protocol = 'https:';
  if (u.protocol !== 'https:' || !u.hostname || u.username || u.password) return null;
  return u.href;
}

/** A paper "new on arXiv" was announced at most this many days before the edition. */
const NEW_ON_ARXIV_DAYS = 7;

/** arXiv announces in US Eastern time: the date a reader of the listing saw. */
function announcedLabel(iso: string): string {
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'America/New_York' });
}

/**
 * Counters only when a source measured them (snapshots frozen before `counted` existed: a Hugging Face page or a
 * non-zero count means they were). Otherwise the paper's primary category and announcement date.
 */
export function statsLine(p: PaperSnapshot, editionDate?: string): { counted: boolean; line: string } {
  const counted = p.counted ?? (p.hfUrl !== null || p.upvotes > 0 || p.comments > 0);
  if (counted) return { counted, line: `▲ ${plural(p.upvotes, 'upvote')} · ${plural(p.comments, 'comment')}` };
  const parts: string[] = [];
  if (p.categories[0]) parts.push(p.categories[0]);
  const announced = p.publishedAt ? Date.parse(p.publishedAt) : NaN;
  if (!Number.isNaN(announced)) parts.push(`announced ${announcedLabel(p.publishedAt!)}`);
  const age = editionDate && !Number.isNaN(announced) ? (Date.parse(`${editionDate}T23:59:59Z`) - announced) / 86_400_000 : NaN;
  parts.push(age >= -1 && age <= NEW_ON_ARXIV_DAYS ? 'new on arXiv' : 'on arXiv');
  return { counted, line: parts.join(' · ') };
}

/** One paper as every view shows it. `editionDate` (YYYY-MM-DD) decides whether an arXiv paper is still new. */
export function cardView(p: PaperSnapshot, editionDate?: string): CardView {
  const arxivUrl = safeUrl(p.arxivUrl) ?? `https://arxiv.org/abs/${p.id}`;
  const githubUrl = safeUrl(p.githubUrl);
  const githubStars = githubUrl && p.githubStars !== null && p.githubStars > 0 ? p.githubStars : null;
  const text = p.summary ?? p.abstract;
  const title = texToRich(p.title);
  const summary = text ? texExcerpt(text, MAX_SUMMARY) : null;
  const stats = statsLine(p, editionDate);
  return {
    id: p.id,
    title: richPlain(title),
    titleHtml: richHtml(title),
    url: safeUrl(p.hfUrl) ?? arxivUrl,
    // Cleaned again here: lists frozen by older versions may still hold affiliations or TeX.
    authorsLine: authorsLine(cleanAuthors(p.authors)),
    organization: p.organization,
    summary: summary && richPlain(summary),
    summaryHtml: summary && richHtml(summary),
    counted: stats.counted,
    statsLine: stats.line,
    githubUrl,
    githubStars,
    githubStarsLabel: githubStars === null ? null : `★ ${compactCount(githubStars)}`,
    pdfUrl: safeUrl(p.pdfUrl) ?? `https://arxiv.org/pdf/${p.id}`,
    arxivUrl,
    projectUrl: safeUrl(p.projectUrl),
  };
}

export function formatDateLabel(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/** Public URLs of an edition. `baseUrl` has no trailing slash (config guarantees it). */
export function editionUrls(baseUrl: string, date: string): EditionUrls {
  return {
    archiveUrl: `${baseUrl}/archive/${date}`,
    archiveIndexUrl: `${baseUrl}/archive`,
    feedUrl: `${baseUrl}/archive/feed.xml`,
    siteUrl: `${baseUrl}/`,
  };
}

export function editionView(edition: { date: string; subject: string; papers: readonly PaperSnapshot[] }, baseUrl: string): EditionView {
  return {
    date: edition.date,
    dateLabel: formatDateLabel(edition.date),
    // Subjects stored by older versions may hold TeX; plain text is also what a header can carry.
    subject: plainText(edition.subject),
    siteHost: new URL(baseUrl).host,
    cards: edition.papers.map((p) => cardView(p, edition.date)),
    ...editionUrls(baseUrl, edition.date),
  };
}

/** A recipient's sections resolved against the edition's cards; a paper outside the edition is a bug upstream. */
export function sectionViews(sections: readonly Section[], byId: ReadonlyMap<string, CardView>, date: string): SectionView[] {
  return sections
    .map((s) => ({
      kind: s.kind,
      title: s.title,
      items: s.papers.map((p) => {
        const card = byId.get(p.id);
        if (!card) throw new AppError('RENDER_UNKNOWN_PAPER', `paper ${p.id} is not part of edition ${date}`);
        return { card, reason: p.reason };
      }),
    }))
    .filter((s) => s.items.length > 0);
}

/** The preheader: the first thing the inbox shows after the subject. */
export function preheaderFor(sections: readonly SectionView[], when: 'today' | 'this week' = 'today'): string {
  const first = sections[0]?.items[0]?.card.title;
  const count = sections.reduce((n, s) => n + s.items.length, 0);
  if (!first) return 'Trending research papers';
  return count > 1 ? `${first} — and ${count - 1} more papers people are reading ${when}` : first;
}
