// View model (pure): what a reader sees of an edition and of each paper, built from the frozen snapshots.
// The HTML email, its text part, the archive page and the Atom feed all read this one model, so they agree.
// Invariant: every URL in a view is absolute https (or absent); nothing here touches the clock, db or network.
import type { PaperSnapshot } from './snapshot.js';
import type { Section } from '../rank/select.js';
import { AppError } from '../lib/errors.js';

export interface CardView {
  id: string;
  title: string;
  /** The paper's Hugging Face page, else its arXiv abstract. */
  url: string;
  authorsLine: string;
  organization: string | null;
  summary: string | null;
  upvotes: number;
  comments: number;
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

export function cardView(p: PaperSnapshot): CardView {
  const arxivUrl = safeUrl(p.arxivUrl) ?? `https://arxiv.org/abs/${p.id}`;
  const githubUrl = safeUrl(p.githubUrl);
  const githubStars = githubUrl && p.githubStars !== null && p.githubStars > 0 ? p.githubStars : null;
  const text = p.summary ?? p.abstract;
  return {
    id: p.id,
    title: p.title.replace(/\s+/g, ' ').trim(),
    url: safeUrl(p.hfUrl) ?? arxivUrl,
    authorsLine: authorsLine(p.authors),
    organization: p.organization,
    summary: text ? trimText(text) : null,
    upvotes: p.upvotes,
    comments: p.comments,
    statsLine: `▲ ${plural(p.upvotes, 'upvote')} · ${plural(p.comments, 'comment')}`,
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
    subject: edition.subject,
    siteHost: new URL(baseUrl).host,
    cards: edition.papers.map(cardView),
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
