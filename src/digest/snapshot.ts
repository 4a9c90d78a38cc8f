// What an edition freezes about each paper: enough to render it years later, whatever happens to the row.
import type { PaperRow } from '../db/papers-repo.js';
import type { ScoredPaper } from '../rank/types.js';

export interface PaperSnapshot {
  id: string;
  title: string;
  authors: string[];
  summary: string | null; // AI summary, else abstract
  abstract: string | null;
  hfUrl: string | null;
  arxivUrl: string | null;
  pdfUrl: string | null;
  githubUrl: string | null;
  projectUrl: string | null;
  thumbnailUrl: string | null;
  organization: string | null;
  upvotes: number;
  comments: number;
  githubStars: number | null;
  keywords: string[];
  categories: string[];
}

export function snapshotPaper(p: PaperRow, scored: ScoredPaper | undefined, latest: { comments: number; githubStars: number | null }): PaperSnapshot {
  return {
    id: p.id,
    title: p.title,
    authors: p.authors,
    summary: p.aiSummary ?? null,
    abstract: p.abstract,
    hfUrl: p.hfUrl,
    arxivUrl: p.arxivUrl,
    pdfUrl: p.pdfUrl,
    githubUrl: p.githubUrl,
    projectUrl: p.projectUrl,
    thumbnailUrl: p.thumbnailUrl,
    organization: p.organization,
    upvotes: scored?.parts.upvotes ?? 0,
    comments: latest.comments,
    githubStars: latest.githubStars,
    keywords: p.aiKeywords,
    categories: p.categories,
  };
}
