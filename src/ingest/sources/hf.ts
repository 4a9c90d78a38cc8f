// The Hugging Face Daily Papers source: GET {base}/api/daily_papers?date=YYYY-MM-DD for each of the last N days.
// Upvotes keep rising for one to two weeks, so every run re-reads the whole window for fresh counters.
// Any bad day fails the whole source (nothing written); a bad item is only skipped.
import type { FetchOptions, Source, SourceBatch } from '../types.js';
import type { HttpClient } from '../http-client.js';
import { parseHfItem } from '../hf-item.js';
import { createBatchCollector } from '../batch.js';
import { lastDays } from '../dates.js';
import { expectOk, fetchPayload, parseJsonArray } from '../payload.js';

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
      for (const [i, date] of dates.entries()) {
        options.onProgress?.({ done: i, total: dates.length, label: date });
        const what = `daily papers for ${date}`;
        const url = `${settings.baseUrl}/api/daily_papers?date=${date}`;
        const res = await fetchPayload(http, 'hf', what, url, { accept: 'application/json', conditional: true, signal: options.signal });
        expectOk('hf', what, res);
        parseJsonArray('hf', what, res).forEach((raw, j) => batch.add(parseHfItem(raw, date), `${date}#${j}`));
      }
      options.onProgress?.({ done: dates.length, total: dates.length, label: 'done' });
      return batch.build();
    },
  };
}
