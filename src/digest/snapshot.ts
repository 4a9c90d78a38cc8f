// What an edition freezes about each paper: enough to render it years later, whatever happens to the row.
import type { PaperRow } from '../db/papers-repo.js';
import type { ScoredPaper } from '../rank/types.js';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';

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
  /** Primary category first. */
  categories: string[];
  /** When arXiv announced it (ISO). Absent in snapshots frozen before it was kept. */
  publishedAt?: string | null;
  /**
   * Whether any source measured upvotes or comments: arXiv has no counters, and "0 upvotes" would be a claim.
   * Absent in snapshots frozen before it was kept (the view infers it then).
   */
  counted?: boolean;
}

/** Title, abstract and summary are frozen as the source wrote them (TeX included): the view makes them readable. */
export function snapshotPaper(
  p: PaperRow,
  scored: ScoredPaper | undefined,
  latest: { comments: number; githubStars: number | null; counted: boolean },
): PaperSnapshot {
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
    publishedAt: p.publishedAt,
    counted: latest.counted,
  };
}

const snapshotSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  authors: z.array(z.string()),
  summary: z.string().nullable(),
  abstract: z.string().nullable(),
  hfUrl: z.string().nullable(),
  arxivUrl: z.string().nullable(),
  pdfUrl: z.string().nullable(),
  githubUrl: z.string().nullable(),
  projectUrl: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  organization: z.string().nullable(),
  upvotes: z.number(),
  comments: z.number(),
  githubStars: z.number().nullable(),
  keywords: z.array(z.string()),
  categories: z.array(z.string()),
  publishedAt: z.string().nullable().optional(),
  counted: z.boolean().optional(),
}) satisfies z.ZodType<PaperSnapshot>;

/** Reads a stored snapshot back, checked: a row written by an older version fails with a clear error. */
export function parseSnapshot(json: string): PaperSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new AppError('SNAPSHOT_INVALID', 'stored paper snapshot is not JSON', { cause: err });
  }
  return checkSnapshot(raw);
}

/** A stored snapshot already parsed from JSON (PostgreSQL's jsonb, the Store's reads), checked the same way. */
export function checkSnapshot(raw: unknown): PaperSnapshot {
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('SNAPSHOT_INVALID', `stored paper snapshot is invalid: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
}
