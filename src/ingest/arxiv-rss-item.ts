// Validation and normalization of one arXiv RSS item (rss.arxiv.org/rss/cs.CL+cs.LG), already read by the XML parser.
// Never throws: a bad item comes back with its reason.
//
// Which announcements count as new papers (arxiv:announce_type):
//   new            first announcement of a paper in its primary category        → a new paper
//   cross          first announcement of a paper cross-listed into our category → a new paper (new to our readers)
//   replace        a new version of a paper announced earlier                    → update it if we have it, never add it
//   replace-cross  a new version of an earlier cross-listed paper                → update it if we have it, never add it
// A revision of a two-year-old paper is not news: adding it would make old work look fresh to the ranker.
// A missing type is read from the description ("Announce Type: new"); failing that, or for a type we do not
// know, the version decides: v1 (or no version) is new, a later version is an update.
import { z } from 'zod';
import type { ParseResult } from './types.js';
import { arxivAbsUrl, arxivPdfUrl, normalizeArxivId } from './arxiv-id.js';
import { foldWhitespace, issueReason } from './item-text.js';
import { xmlText } from './arxiv-xml.js';
import { splitCreatorList } from '../lib/author-names.js';

export const rssItemSchema = z.object({
  title: xmlText,
  link: xmlText.optional(),
  guid: xmlText.optional(),
  description: xmlText.optional(),
  category: z.array(xmlText).optional(),
  pubDate: xmlText.optional(),
  'arxiv:announce_type': xmlText.optional(),
  'dc:creator': z.array(xmlText).optional(),
});

export type AnnounceType = 'new' | 'cross' | 'replace' | 'replace-cross' | (string & {});

const NEW_TYPES = new Set(['new', 'cross']);
const UPDATE_TYPES = new Set(['replace', 'replace-cross']);

export function parseRssItem(raw: unknown): ParseResult & { announceType?: AnnounceType } {
  const parsed = rssItemSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: issueReason(parsed.error, 'item') };
  const item = parsed.data;
  const title = foldWhitespace(item.title);
  if (!title) return { ok: false, reason: 'title: empty' };
  const description = item.description ?? '';
  // The description starts "arXiv:2608.18082v1 Announce Type: new \nAbstract: ..."; the guid is "oai:arXiv.org:2608.18082v1".
  const header = /^arXiv:(\S+)\s+Announce Type:\s*([\w-]+)/i.exec(description.trim());
  const candidates = [item.link, item.guid?.replace(/^oai:arXiv\.org:/i, ''), header?.[1]];
  const id = candidates.map((c) => (c ? normalizeArxivId(c) : null)).find(Boolean);
  if (!id) return { ok: false, reason: `link: no arXiv id in ${JSON.stringify(item.link ?? item.guid ?? '').slice(0, 60)}` };

  const announceType = (item['arxiv:announce_type'] ?? header?.[2])?.trim().toLowerCase() ?? 'unknown';
  const version = /v(\d+)$/.exec(item.guid ?? header?.[1] ?? '')?.[1];
  const isNew = NEW_TYPES.has(announceType) || (!UPDATE_TYPES.has(announceType) && (version === undefined || version === '1'));

  const abstractStart = description.search(/Abstract:\s*/i);
  const abstract = foldWhitespace(
    abstractStart >= 0 ? description.slice(abstractStart).replace(/^Abstract:\s*/i, '') : description.replace(/^arXiv:\S+\s+Announce Type:\s*[\w-]+/i, ''),
  );
  // One dc:creator holds the whole list; affiliations in parentheses may hold commas of their own.
  const authors = (item['dc:creator'] ?? []).flatMap(splitCreatorList);
  const categories = [...new Set((item.category ?? []).map((c) => c.trim()).filter(Boolean))];
  const announced = item.pubDate ? Date.parse(item.pubDate) : Number.NaN;
  return {
    ok: true,
    announceType,
    entry: {
      id,
      title,
      abstract: abstract || undefined,
      authors,
      // The listing date is when a new paper became public; for a replacement it says nothing about the paper.
      publishedAt: isNew && !Number.isNaN(announced) ? new Date(announced).toISOString() : undefined,
      aiKeywords: [],
      categories,
      arxivUrl: arxivAbsUrl(id),
      pdfUrl: arxivPdfUrl(id),
      updateOnly: !isNew,
    },
  };
}
