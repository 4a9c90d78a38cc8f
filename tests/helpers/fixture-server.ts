// A real HTTP server on 127.0.0.1:0 serving recorded payloads, with per-path handlers for fault injection.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface FixtureServer {
  url: string;
  /** Every request received, in order (method + path with query). */
  requests: { method: string; path: string; headers: IncomingMessage['headers']; at: number }[];
  /** Route by exact pathname (query ignored) or a function matching the whole URL. */
  route(match: string | ((url: URL) => boolean), handler: Handler): void;
  close(): Promise<void>;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const routes: { match: string | ((url: URL) => boolean); handler: Handler }[] = [];
  const requests: FixtureServer['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, at: Date.now() });
    // Later routes win, so a test can override a default.
    const r = [...routes].reverse().find((x) => (typeof x.match === 'string' ? x.match === url.pathname : x.match(url)));
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve(r.handler(req, res, url)).catch((err) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (match, handler) => routes.push({ match, handler }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
