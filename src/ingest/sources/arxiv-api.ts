// The arXiv API source (export.arxiv.org/api/query): papers submitted in each configured category over the
// last N days, newest first, paged (up to maxResults per category); one request at a time, spaced by the arXiv
// minimum interval. A category is the unit of failure: one that fails leaves the others' papers to land.
import type { FetchOptions, Source, SourceBatch } from '../types.js';
import type { HttpClient } from '../http-client.js';
import { createArxivXmlParser } from '../arxiv-xml.js';
import { atomErrorMessage, parseAtomEntry } from '../arxiv-atom-entry.js';
import { createBatchCollector } from '../batch.js';
import { lastDays } from '../dates.js';
import { expectOk, fetchPayload, parseXml } from '../payload.js';
import { SourceError } from '../source-error.js';
import { fetchParts } from '../parts.js';

export interface ArxivApiSettings {
  baseUrl: string;
  categories: string[];
  days: number;
  pageSize: number;
  maxResults: number;
  minIntervalMs: number;
}

/** The search query: any of the categories, submitted within the given days (inclusive, UTC). */
export function arxivSearchQuery(categories: string[], dates: string[]): string {
  const compact = (d: string) => d.replace(/-/g, '');
  const cats = categories.map((c) => `cat:${c}`).join(' OR ');
  return `(${cats}) AND submittedDate:[${compact(dates[0]!)}0000 TO ${compact(dates[dates.length - 1]!)}2359]`;
}

export function createArxivApiSource(settings: ArxivApiSettings, http: HttpClient): Source {
  const parser = createArxivXmlParser();
  return {
    name: 'arxiv',
    async fetch(options: FetchOptions): Promise<SourceBatch> {
      const dates = options.date ? [options.date] : lastDays(options.now, options.days ?? settings.days);
      const batch = createBatchCollector('arxiv');
      const pages = Math.ceil(settings.maxResults / settings.pageSize);
      return fetchParts(batch, settings.categories, {
        label: (category) => category,
        signal: options.signal,
        onProgress: options.onProgress,
        async fetch(category) {
          const query = arxivSearchQuery([category], dates);
          for (let start = 0, page = 0; start < settings.maxResults; start += settings.pageSize, page++) {
            const size = Math.min(settings.pageSize, settings.maxResults - start);
            if (page > 0) options.onProgress?.({ done: settings.categories.indexOf(category), total: settings.categories.length, label: `${category} page ${page + 1}/${pages}` });
            const params = new URLSearchParams({ search_query: query, sortBy: 'submittedDate', sortOrder: 'descending', start: String(start), max_results: String(size) });
            const what = `API query ${category} page ${page + 1} (start=${start})`;
            const res = await fetchPayload(http, 'arxiv', what, `${settings.baseUrl}/api/query?${params}`, {
              accept: 'application/atom+xml',
              minIntervalMs: settings.minIntervalMs,
              signal: options.signal,
            });
            // A 400 carries an Atom feed that says what was wrong: read the body before judging the status.
            let doc: Record<string, unknown>;
            try {
              doc = parseXml('arxiv', what, res, parser);
            } catch (err) {
              expectOk('arxiv', what, res); // an HTTP error with an unreadable body is reported as the HTTP error
              throw err;
            }
            const feed = doc.feed as { entry?: unknown[]; 'opensearch:totalResults'?: unknown } | undefined;
            const entries = feed?.entry ?? [];
            const apiError = atomErrorMessage(entries);
            if (apiError) throw new SourceError('arxiv', 'ARXIV_API_ERROR', `${what}: the arXiv API answered HTTP ${res.status}: ${apiError}`);
            expectOk('arxiv', what, res);
            if (!feed || typeof feed !== 'object') throw new SourceError('arxiv', 'SOURCE_BAD_PAYLOAD', `${what}: not an Atom feed (no <feed>)`);
            entries.forEach((raw, i) => batch.add(parseAtomEntry(raw), `${category} start=${start}#${i}`));
            const total = Number(typeof feed['opensearch:totalResults'] === 'string' ? feed['opensearch:totalResults'] : Number.NaN);
            if (entries.length < size || (Number.isFinite(total) && start + size >= total)) break;
          }
        },
      });
    },
  };
}
