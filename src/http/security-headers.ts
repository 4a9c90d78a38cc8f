// Security headers for every response (helmet) and the pages' stylesheet. Invariant: the CSP allows no script and
// no inline style on our pages: only our own hashed stylesheet, our own form targets, no framing.
// The headers are the same for every response, so helmet's middleware is built once here and only applied per
// request (@fastify/helmet rebuilt it from the options on every request: a tenth of a subscribe's time on the HTTP
// thread, measured with --cpu-prof under bench:http's load).
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { SITE_CSS, SITE_CSS_PATH } from './pages/site-css.js';

export async function registerSecurityHeaders(fastify: FastifyInstance, publicBaseUrl: string) {
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        // Archive pages may show paper thumbnails from their sources.
        imgSrc: ["'self'", 'data:', 'https:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        ...(publicBaseUrl.startsWith('https://') ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Links carry tokens in their query string: never leak them to another site through Referer.
    referrerPolicy: { policy: 'no-referrer' },
  });
  // onRequest on the root instance: every route, and the 404 and error responses too.
  fastify.addHook('onRequest', (req, reply, done) => applyHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)));

  fastify.get(SITE_CSS_PATH, { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(SITE_CSS),
  );
}
