// Turns an HTTP answer into a parsed payload, or a SourceError naming the source, what was fetched and why
// it failed. Only whole-payload problems live here; item-level problems are the item validators' job.
import type { XMLParser } from 'fast-xml-parser';
import { HttpError, snippet, type GetOptions, type HttpClient, type HttpResponse } from './http-client.js';
import { SourceError } from './source-error.js';
import type { SourceName } from './types.js';

/** GET through the polite client; transport failures (after its retries) become SourceErrors. */
export async function fetchPayload(http: HttpClient, source: SourceName, what: string, url: string, options: GetOptions): Promise<HttpResponse> {
  try {
    return await http.get(url, options);
  } catch (err) {
    if (err instanceof HttpError) throw new SourceError(source, err.code, `${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

export function expectOk(source: SourceName, what: string, res: HttpResponse): void {
  if (res.status >= 200 && res.status < 300) return;
  throw new SourceError(source, 'SOURCE_HTTP_STATUS', `${what}: GET ${res.url} answered HTTP ${res.status}${snippet(res.body)}`);
}

export function parseJsonArray(source: SourceName, what: string, res: HttpResponse): unknown[] {
  // An HTML error page served with 200 is the classic CDN failure: say so instead of "Unexpected token <".
  if (!/\bjson\b/i.test(res.contentType))
    throw new SourceError(source, 'SOURCE_BAD_PAYLOAD', `${what}: expected JSON but got ${res.contentType || 'no content type'}${snippet(res.body)}`);
  let data: unknown;
  try {
    data = JSON.parse(res.body);
  } catch (err) {
    throw new SourceError(source, 'SOURCE_BAD_PAYLOAD', `${what}: the response is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!Array.isArray(data)) {
    const said = data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string' ? `: "${(data as { error: string }).error.slice(0, 120)}"` : '';
    throw new SourceError(source, 'SOURCE_BAD_PAYLOAD', `${what}: expected a JSON array of papers but got ${kindOf(data)}${said}`);
  }
  return data;
}

export function parseXml(source: SourceName, what: string, res: HttpResponse, parser: XMLParser): Record<string, unknown> {
  if (!/xml/i.test(res.contentType))
    throw new SourceError(source, 'SOURCE_BAD_PAYLOAD', `${what}: expected XML but got ${res.contentType || 'no content type'}${snippet(res.body)}`);
  try {
    // `true` runs the validator first: truncated or malformed XML is an error, not a half-read feed.
    return parser.parse(res.body, true) as Record<string, unknown>;
  } catch (err) {
    throw new SourceError(source, 'SOURCE_BAD_PAYLOAD', `${what}: the response is not well-formed XML (${(err as Error).message})`, { cause: err });
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
