// Security headers for every response (@fastify/helmet) and the pages' stylesheet. Invariant: the CSP allows
// no script and no inline style on our pages: only our own hashed stylesheet, our own form targets, no framing.
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import { SITE_CSS, SITE_CSS_PATH } from './pages/site-css.js';

export async function registerSecurityHeaders(fastify: FastifyInstance, publicBaseUrl: string) {
  await fastify.register(helmet, {
    global: true,
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

  fastify.get(SITE_CSS_PATH, { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(SITE_CSS),
  );
}
