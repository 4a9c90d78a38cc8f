// View model (pure): what a reader sees of each paper, built from the frozen snapshot.
import type { PaperSnapshot } from './snapshot.js';

export interface CardView {
  id: string;
  title: string;
  url: string;
  authorsLine: string;
  organization: string | null;
  summary: string | null;
  upvotes: number;
  comments: number;
  githubUrl: string | null;
  githubStars: number | null;
  pdfUrl: string;
  projectUrl: string | null;
}

const MAX_SUMMARY = 280;

export function authorsLine(authors: string[], max = 3): string {
  if (!authors.length) return 'Unknown authors';
  return authors.length > max ? `${authors.slice(0, max).join(', ')} et al.` : authors.join(', ');
}

/** Trims at a word boundary so a 20-paper digest stays far below Gmail's clipping size. */
export function trimText(text: string, max = MAX_SUMMARY): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, '')}…`;
}

export function cardView(p: PaperSnapshot): CardView {
  return {
    id: p.id,
    title: p.title,
    url: p.hfUrl ?? p.arxivUrl ?? `https://arxiv.org/abs/${p.id}`,
    authorsLine: authorsLine(p.authors),
    organization: p.organization,
    summary: p.summary ? trimText(p.summary) : p.abstract ? trimText(p.abstract) : null,
    upvotes: p.upvotes,
    comments: p.comments,
    githubUrl: p.githubUrl,
    githubStars: p.githubStars,
    pdfUrl: p.pdfUrl ?? `https://arxiv.org/pdf/${p.id}`,
    projectUrl: p.projectUrl,
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
