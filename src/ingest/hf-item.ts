// Validation and normalization of one Hugging Face Daily Papers item (2024–2026 schemas).
// Only paper.id and paper.title are required: every other field is missing somewhere in real data.
import { z } from 'zod';
import type { ParseResult } from './types.js';
import { arxivAbsUrl, arxivPdfUrl, normalizeArxivId } from './arxiv-id.js';
import { foldWhitespace, issueReason } from './item-text.js';
import { cleanAuthors } from '../lib/author-names.js';

export { foldWhitespace };

const count = z.number().int().nonnegative().finite();
const optionalString = z.string().optional().nullable();
const httpUrl = z.string().refine((s) => /^https?:\/\//i.test(s.trim()));

// Lenient on fields we only read optionally: a malformed optional field is dropped, not fatal.
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().nullable().catch(undefined);

export const hfItemSchema = z.object({
  paper: z.object({
    id: z.string().min(1),
    title: z.string().trim().min(1),
    summary: lenient(z.string()),
    authors: lenient(z.array(z.object({ name: lenient(z.string()), hidden: lenient(z.boolean()) }).passthrough())),
    publishedAt: lenient(z.string()),
    submittedOnDailyAt: lenient(z.string()),
    upvotes: lenient(count),
    ai_summary: lenient(z.string()),
    ai_keywords: lenient(z.array(z.string())),
    githubRepo: lenient(httpUrl),
    githubStars: lenient(count),
    projectPage: lenient(httpUrl),
    organization: lenient(z.object({ name: optionalString, fullname: optionalString }).passthrough()),
  }),
  numComments: lenient(count),
  thumbnail: lenient(httpUrl),
  mediaUrl: lenient(httpUrl),
  publishedAt: lenient(z.string()),
});

export type HfItem = z.infer<typeof hfItemSchema>;

export type { ParseResult };

/** `GET /api/papers/{id}` returns the paper itself, not a daily item around it: accept both in feeds. */
function wrapBarePaper(raw: unknown): unknown {
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && !('paper' in raw) && 'id' in raw && 'title' in raw) return { paper: raw };
  return raw;
}


function isoOrUndefined(s: string | null | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * Validates and normalizes one raw item. `fallbackDate` is the day being fetched (the old schema
 * has no submittedOnDailyAt). Never throws: a bad item comes back with its reason.
 */
export function parseHfItem(raw: unknown, fallbackDate?: string): ParseResult {
  const parsed = hfItemSchema.safeParse(wrapBarePaper(raw));
  if (!parsed.success) return { ok: false, reason: issueReason(parsed.error, 'item') };
  const item = parsed.data;
  const p = item.paper;
  const id = normalizeArxivId(p.id);
  if (!id) return { ok: false, reason: `paper.id: not an arXiv id (${JSON.stringify(p.id).slice(0, 40)})` };
  const daily = isoOrUndefined(p.submittedOnDailyAt)?.slice(0, 10) ?? fallbackDate;
  const authors = cleanAuthors((p.authors ?? []).filter((a) => !a.hidden).map((a) => a.name ?? ''));
  const org = p.organization?.fullname ?? p.organization?.name ?? undefined;
  return {
    ok: true,
    entry: {
      id,
      title: foldWhitespace(p.title),
      abstract: p.summary ? foldWhitespace(p.summary) : undefined,
      authors,
      publishedAt: isoOrUndefined(p.publishedAt),
      dailyDate: daily,
      aiSummary: p.ai_summary ? foldWhitespace(p.ai_summary) : undefined,
      aiKeywords: (p.ai_keywords ?? []).map(foldWhitespace).filter(Boolean),
      categories: [],
      thumbnailUrl: item.thumbnail ?? item.mediaUrl ?? undefined,
      hfUrl: `https://huggingface.co/papers/${id}`,
      arxivUrl: arxivAbsUrl(id),
      pdfUrl: arxivPdfUrl(id),
      githubUrl: p.githubRepo ?? undefined,
      projectUrl: p.projectPage ?? undefined,
      organization: org ?? undefined,
      counters: {
        upvotes: p.upvotes ?? undefined,
        comments: item.numComments ?? undefined,
        githubStars: p.githubStars ?? undefined,
      },
    },
  };
}
