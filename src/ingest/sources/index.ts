// Builds the configured sources. Each source is a small factory behind the one Source interface; the network
// sources share one polite HTTP client, so the per-host gate (arXiv: one request per 3 s) holds across them.
import type { Config } from '../../config.js';
import type { Source } from '../types.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { HttpCache } from '../http-cache.js';
import { createHttpClient, type HttpClient } from '../http-client.js';
import { createFileSource } from './file.js';
import { createHfSource } from './hf.js';
import { createArxivRssSource } from './arxiv-rss.js';
import { createArxivApiSource } from './arxiv-api.js';
import { AppError } from '../../lib/errors.js';

export interface SourceDeps {
  fetch: typeof globalThis.fetch;
  /** Validators and bodies for conditional requests; without it every request is unconditional. */
  httpCache?: HttpCache | undefined;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** Share one client between calls to keep the per-host spacing across runs in one process. */
  http?: HttpClient | undefined;
}

export function createSourceHttpClient(config: Config, deps: SourceDeps): HttpClient {
  const s = config.sources;
  return createHttpClient(
    {
      timeoutMs: s.httpTimeoutMs,
      retries: s.httpRetries,
      retryBaseMs: s.httpRetryBaseMs,
      maxRetryAfterMs: s.httpMaxRetryAfterMs,
      userAgent: `trending-papers-digest/0.1 (+${config.publicBaseUrl})`,
    },
    { fetch: deps.fetch, cache: deps.httpCache, logger: deps.logger, clock: deps.clock },
  );
}

export function createSources(config: Config, deps: SourceDeps, only?: string): Source[] {
  const s = config.sources;
  const names = only ? [only] : s.enabled;
  let http = deps.http;
  const client = () => (http ??= createSourceHttpClient(config, deps));
  return names.map((name) => {
    switch (name) {
      case 'file':
        return createFileSource(s.filePath);
      case 'hf':
        return createHfSource({ baseUrl: s.hfBaseUrl, days: s.hfDays }, client());
      case 'arxiv':
        return s.arxivMode === 'api'
          ? createArxivApiSource(
              { baseUrl: s.arxivApiBaseUrl, categories: s.arxivCategories, days: s.arxivDays, pageSize: s.arxivApiPageSize, maxResults: s.arxivApiMaxResults, minIntervalMs: s.arxivMinIntervalMs },
              client(),
            )
          : createArxivRssSource({ baseUrl: s.arxivRssBaseUrl, categories: s.arxivCategories, minIntervalMs: s.arxivMinIntervalMs }, client());
      default:
        throw new AppError('SOURCE_UNKNOWN', `unknown or unavailable source: ${name}`);
    }
  });
}
