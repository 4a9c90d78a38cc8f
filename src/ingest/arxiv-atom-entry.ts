// Validation and normalization of one arXiv API (Atom) entry, already read by the XML parser; and recognition
// of the API's error feed (one entry titled "Error"). Never throws: a bad entry comes back with its reason.
import { z } from 'zod';
import type { ParseResult } from './types.js';
import { arxivAbsUrl, arxivPdfUrl, normalizeArxivId } from './arxiv-id.js';
import { foldWhitespace, issueReason } from './item-text.js';
import { xmlText } from './arxiv-xml.js';
import { cleanAuthors } from '../lib/author-names.js';

const link = z.object({
  '@_href': z.string(),
  '@_rel': z.string().optional(),
  '@_title': z.string().optional(),
  '@_type': z.string().optional(),
});

export const atomEntrySchema = z.object({
  id: xmlText.optional(),
  title: xmlText,
  summary: xmlText.optional(),
  published: xmlText.optional(),
  link: z.array(link).optional(),
  category: z.array(z.object({ '@_term': z.string() })).optional(),
  'arxiv:primary_category': z.object({ '@_term': z.string() }).optional(),
  author: z.array(z.object({ name: xmlText.optional() })).optional(),
});

type AtomLink = z.infer<typeof link>;

function path(href: string): string {
  try {
    return new URL(href).pathname;
  } catch {
    return '';
  }
}

// For a while in 2025 the API left rel/title off its links: fall back to the URL path (/abs/…, /pdf/…).
const isPdf = (l: AtomLink) => l['@_title'] === 'pdf' || l['@_type'] === 'application/pdf' || path(l['@_href']).startsWith('/pdf/');
const isAbs = (l: AtomLink) => !isPdf(l) && (l['@_rel'] === 'alternate' || path(l['@_href']).startsWith('/abs/'));

export function parseAtomEntry(raw: unknown): ParseResult {
  const parsed = atomEntrySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: issueReason(parsed.error, 'entry') };
  const e = parsed.data;
  const title = foldWhitespace(e.title);
  if (!title) return { ok: false, reason: 'title: empty' };
  const links = e.link ?? [];
  const abs = links.find(isAbs);
  const pdf = links.find(isPdf);
  const id = [e.id, abs?.['@_href'], pdf?.['@_href']].map((c) => (c ? normalizeArxivId(c) : null)).find(Boolean);
  if (!id) return { ok: false, reason: `id: no arXiv id in ${JSON.stringify(e.id ?? '').slice(0, 60)}` };
  const primary = e['arxiv:primary_category']?.['@_term'];
  const categories = [...new Set([primary, ...(e.category ?? []).map((c) => c['@_term'])].filter((c): c is string => !!c?.trim()))];
  const published = e.published ? Date.parse(e.published) : Number.NaN;
  const abstract = e.summary ? foldWhitespace(e.summary) : '';
  return {
    ok: true,
    entry: {
      id,
      title,
      abstract: abstract || undefined,
      authors: cleanAuthors((e.author ?? []).map((a) => a.name ?? '')),
      publishedAt: Number.isNaN(published) ? undefined : new Date(published).toISOString(),
      aiKeywords: [],
      categories,
      arxivUrl: arxivAbsUrl(id),
      // Every arXiv paper has a PDF, but only link it when the feed did: withdrawn papers have none.
      pdfUrl: pdf ? arxivPdfUrl(id) : undefined,
    },
  };
}

/** The API answers a bad query with a feed of one entry titled "Error" (HTTP 400, and 200 in older versions). */
export function atomErrorMessage(entries: unknown[]): string | undefined {
  if (entries.length !== 1) return undefined;
  const e = atomEntrySchema.safeParse(entries[0]);
  if (!e.success || foldWhitespace(e.data.title) !== 'Error') return undefined;
  if (e.data.id && !e.data.id.includes('/api/errors')) return undefined;
  return foldWhitespace(e.data.summary ?? 'unknown error');
}
