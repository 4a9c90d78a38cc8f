// The polite HTTP GET every network source uses: a timeout per attempt, bounded retries with exponential
// backoff, 429/503 + Retry-After, conditional requests (ETag / Last-Modified) and a per-host gate.
// Invariant: through one client, a host sees one request at a time, each minIntervalMs after the previous one ended.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import type { HttpCache } from './http-cache.js';

export interface HttpClientSettings {
  timeoutMs: number;
  /** Retries after the first attempt, for timeouts, network errors, 5xx and 429. */
  retries: number;
  /** First backoff delay; doubles on each retry. */
  retryBaseMs: number;
  /** A Retry-After longer than this fails at once: waiting an hour would stall the whole daily job. */
  maxRetryAfterMs: number;
  userAgent: string;
}

export interface HttpClientDeps {
  fetch: typeof globalThis.fetch;
  cache?: HttpCache | undefined;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
}

export interface GetOptions {
  accept?: string;
  /** Send the stored validators and answer a 304 with the stored body. */
  conditional?: boolean;
  /** Minimum time between the end of one request to this host and the start of the next (arXiv asks for 3 s). */
  minIntervalMs?: number;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  url: string;
  /** The final status; a 304 answered from the cache reports 200 with fromCache set. */
  status: number;
  contentType: string;
  body: string;
  fromCache: boolean;
  attempts: number;
}

export type HttpErrorCode = 'HTTP_TIMEOUT' | 'HTTP_NETWORK' | 'HTTP_STATUS' | 'HTTP_RATE_LIMITED' | 'HTTP_ABORTED';

export class HttpError extends AppError {
  readonly status: number | undefined;
  readonly attempts: number;
  constructor(code: HttpErrorCode, message: string, o: { status?: number | undefined; attempts: number; cause?: unknown }) {
    super(code, message, { cause: o.cause });
    this.name = 'HttpError';
    this.status = o.status;
    this.attempts = o.attempts;
  }
}

export interface HttpClient {
  get(url: string, options?: GetOptions): Promise<HttpResponse>;
}

/**
 * Serializes requests to one host and keeps minIntervalMs between the end of one and the start of the next:
 * measured from the end, the server sees its starts spaced too, however long the connection took to open.
 * Monotonic time, not the injectable clock.
 */
class HostGate {
  private tail: Promise<void> = Promise.resolve();
  private lastEnd = Number.NEGATIVE_INFINITY;

  async acquire(minIntervalMs: number, signal?: AbortSignal): Promise<() => void> {
    const previous = this.tail;
    let open!: () => void;
    this.tail = new Promise<void>((resolve) => (open = resolve));
    const release = () => {
      this.lastEnd = performance.now();
      open();
    };
    await previous;
    try {
      const wait = this.lastEnd + minIntervalMs - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal });
    } catch (err) {
      open();
      throw err;
    }
    return release;
  }
}

const RETRYABLE_STATUS = (s: number) => s === 429 || s >= 500;

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function createHttpClient(settings: HttpClientSettings, deps: HttpClientDeps): HttpClient {
  const doFetch = deps.fetch; // called unbound: browsers' fetch refuses another `this`
  const gates = new Map<string, HostGate>();
  const gateFor = (host: string) => {
    let g = gates.get(host);
    if (!g) gates.set(host, (g = new HostGate()));
    return g;
  };
  const now = () => (deps.clock ?? { now: () => new Date() }).now().toISOString();

  async function get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    const gate = gateFor(new URL(url).host);
    const cached = options.conditional ? await lookUp(url) : undefined;
    const usable = cached && cached.body !== null ? cached : undefined;
    const headers: Record<string, string> = { 'user-agent': settings.userAgent, accept: options.accept ?? '*/*' };
    if (usable?.etag) headers['if-none-match'] = usable.etag;
    if (usable?.lastModified) headers['if-modified-since'] = usable.lastModified;

    const attempts = settings.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const release = await gate.acquire(options.minIntervalMs ?? 0, options.signal);
      let failure: HttpError;
      let waitMs: number;
      try {
        const timeout = AbortSignal.timeout(settings.timeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        // The same signal covers the body: a server that stalls mid-body times out too.
        const res = await doFetch(url, { headers, signal, redirect: 'follow' });
        const body = await res.text();
        const contentType = res.headers.get('content-type') ?? '';
        if (res.status === 304 && usable) {
          await remember(() => deps.cache?.touchCachedResponse(url, now()));
          return { url, status: 200, contentType: usable.contentType ?? '', body: usable.body!, fromCache: true, attempts: attempt };
        }
        if (!RETRYABLE_STATUS(res.status)) {
          const etag = res.headers.get('etag');
          const lastModified = res.headers.get('last-modified');
          if (options.conditional && res.ok && (etag || lastModified))
            await remember(() => deps.cache?.storeCachedResponse({ url, etag, lastModified, body, contentType, fetchedAt: now() }));
          return { url, status: res.status, contentType, body, fromCache: false, attempts: attempt };
        }
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        const code = res.status === 429 ? 'HTTP_RATE_LIMITED' : 'HTTP_STATUS';
        const what = `GET ${url} answered HTTP ${res.status}${snippet(body)}`;
        if (retryAfter !== undefined && retryAfter > settings.maxRetryAfterMs)
          throw new HttpError(code, `${what}; it asks to wait ${Math.ceil(retryAfter / 1000)} s (Retry-After), longer than the ${Math.ceil(settings.maxRetryAfterMs / 1000)} s we wait`, { status: res.status, attempts: attempt });
        failure = new HttpError(code, `${what} after ${tries(attempt)}`, { status: res.status, attempts: attempt });
        waitMs = retryAfter ?? backoff(attempt);
      } catch (err) {
        if (err instanceof HttpError) throw err;
        if (options.signal?.aborted) throw new HttpError('HTTP_ABORTED', `GET ${url} was cancelled`, { attempts: attempt, cause: err });
        const timedOut = (err as Error)?.name === 'TimeoutError';
        failure = timedOut
          ? new HttpError('HTTP_TIMEOUT', `GET ${url} timed out after ${settings.timeoutMs} ms (${tries(attempt)})`, { attempts: attempt, cause: err })
          : new HttpError('HTTP_NETWORK', `GET ${url} failed: ${describeCause(err)} (${tries(attempt)})`, { attempts: attempt, cause: err });
        waitMs = backoff(attempt);
      } finally {
        release();
      }
      if (attempt >= attempts) throw failure;
      deps.logger?.warn({ event: 'http.retry', url, attempt, waitMs, reason: failure.message }, 'retrying a source request');
      await sleep(waitMs, undefined, { signal: options.signal });
    }
  }

  function backoff(attempt: number): number {
    return settings.retryBaseMs * 2 ** (attempt - 1);
  }

  /** The cache only saves bandwidth: failing to write it must not fail (or retry) a good response. */
  async function remember(write: () => Promise<void> | undefined): Promise<void> {
    try {
      await write();
    } catch (err) {
      deps.logger?.warn({ event: 'http.cache_write_failed', err }, 'could not store the conditional-request cache');
    }
  }

  /** Nor must failing to read it: the request goes out unconditional. */
  async function lookUp(url: string) {
    try {
      return await deps.cache?.cachedResponse(url);
    } catch (err) {
      deps.logger?.warn({ event: 'http.cache_read_failed', err }, 'could not read the conditional-request cache');
      return undefined;
    }
  }

  return { get };
}

const tries = (n: number) => `${n} attempt${n > 1 ? 's' : ''}`;

/** The first characters of a body, so "HTTP 503" or "not JSON" comes with the server's own words. */
export function snippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 120);
  return text ? ` (${text})` : '';
}

/** undici wraps the interesting error ("ECONNREFUSED") in a generic "fetch failed". */
function describeCause(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  return cause ? `${describeError(err)}: ${describeError(cause)}` : describeError(err);
}
