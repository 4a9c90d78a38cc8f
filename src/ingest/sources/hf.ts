// The Hugging Face Daily Papers source: GET {base}/api/daily_papers?date=YYYY-MM-DD for each of the last N days.
// Upvotes keep rising for one to two weeks, so every run re-reads the whole window for fresh counters.
// A day is the unit of failure: a bad payload, an HTTP error or a timeout fails that day only (recorded with its
// date and cause) and the other days land; a 404 is a day without a list (weekend, holiday): no papers.
import type { FetchOptions, Source, SourceBatch } from '../types.js';
import type { HttpClient } from '../http-client.js';
import { parseHfItem } from '../hf-item.js';
import { createBatchCollector } from '../batch.js';
import { lastDays } from '../dates.js';
import { expectOk, fetchPayload, parseJsonArray } from '../payload.js';
import { fetchParts } from '../parts.js';

export interface HfSettings {
  baseUrl: string;
  days: number;
}

export function createHfSource(settings: HfSettings, http: HttpClient): Source {
  return {
    name: 'hf',
    async fetch(options: FetchOptions): Promise<SourceBatch> {
      const dates = options.date ? [options.date] : lastDays(options.now, options.days ?? settings.days);
      const batch = createBatchCollector('hf');
      return fetchParts(batch, dates, {
        label: (date) => date,
        signal: options.signal,
        onProgress: options.onProgress,
        async fetch(date) {
          const what = `daily papers for ${date}`;
          const url = `${settings.baseUrl}/api/daily_papers?date=${date}`;
          const res = await fetchPayload(http, 'hf', what, url, { accept: 'application/json', conditional: true, signal: options.signal });
          if (res.status === 404) return; // no list for that day
          expectOk('hf', what, res);
          parseJsonArray('hf', what, res).forEach((raw, j) => batch.add(parseHfItem(raw, date), `${date}#${j}`));
        },
      });
    },
  };
}
