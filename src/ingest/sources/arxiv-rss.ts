// The arXiv RSS source: one request per configured category (rss.arxiv.org/rss/cs.CL), today's listing only
// (the feed has no dates to ask for; weekends and holidays have no items, which is not an error). A category is
// the unit of failure: a bad feed or a failed request fails that category only; the others land.
import type { FetchOptions, Source, SourceBatch } from '../types.js';
import type { HttpClient } from '../http-client.js';
import { createArxivXmlParser } from '../arxiv-xml.js';
import { parseRssItem } from '../arxiv-rss-item.js';
import { createBatchCollector } from '../batch.js';
import { expectOk, fetchPayload, parseXml } from '../payload.js';
import { SourceError } from '../source-error.js';
import { fetchParts } from '../parts.js';

export interface ArxivRssSettings {
  baseUrl: string;
  categories: string[];
  minIntervalMs: number;
}

export function createArxivRssSource(settings: ArxivRssSettings, http: HttpClient): Source {
  const parser = createArxivXmlParser();
  return {
    name: 'arxiv',
    async fetch(options: FetchOptions): Promise<SourceBatch> {
      const batch = createBatchCollector('arxiv');
      return fetchParts(batch, settings.categories, {
        label: (category) => category,
        signal: options.signal,
        onProgress: options.onProgress,
        async fetch(category) {
          const what = `RSS feed ${category}`;
          const res = await fetchPayload(http, 'arxiv', what, `${settings.baseUrl}/rss/${category}`, {
            accept: 'application/rss+xml, application/xml;q=0.9',
            conditional: true,
            minIntervalMs: settings.minIntervalMs,
            signal: options.signal,
          });
          expectOk('arxiv', what, res);
          const doc = parseXml('arxiv', what, res, parser);
          const channel = (doc.rss as { channel?: unknown } | undefined)?.channel;
          if (!channel || typeof channel !== 'object')
            throw new SourceError('arxiv', 'SOURCE_BAD_PAYLOAD', `${what}: not an RSS feed (no <rss><channel>)`);
          const items = (channel as { item?: unknown[] }).item ?? [];
          items.forEach((raw, i) => batch.add(parseRssItem(raw), `${category}#${i}`));
        },
      });
    },
  };
}
