// Cross-site form posts are refused: a browser tells us where a POST comes from (Sec-Fetch-Site, else Origin),
// so a page on another site cannot make a visitor's browser subscribe someone or change their settings.
// Invariants: requests without those headers (mailbox providers' RFC 8058 one-click POSTs, curl) pass, as do
// one-click bodies from anywhere (the signed token in the URL is their credential); JSON needs no check,
// because a cross-site browser cannot send application/json without a CORS preflight we never grant.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from './error-handler.js';

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isOneClickUnsubscribe(req: FastifyRequest): boolean {
  const body = req.body as Record<string, unknown> | null | undefined;
  return req.routeOptions.url === '/unsubscribe' && !!body && typeof body === 'object' && body['List-Unsubscribe'] === 'One-Click';
}

/** 'same' when the browser says the post comes from our own pages, 'cross' when from elsewhere, 'unknown' without headers. */
export function postOrigin(req: FastifyRequest, publicOrigin: string): 'same' | 'cross' | 'unknown' {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site) return site === 'same-origin' || site === 'none' ? 'same' : 'cross';
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || !origin) return 'unknown';
  const own = `${req.protocol}://${req.host}`;
  return origin === publicOrigin || origin === own ? 'same' : 'cross';
}

export function registerSameOriginGuard(fastify: FastifyInstance, publicBaseUrl: string) {
  const publicOrigin = new URL(publicBaseUrl).origin;
  // preValidation: the body is parsed (one-click bodies are recognised) but nothing has acted on it yet.
  fastify.addHook('preValidation', async (req, reply) => {
    if (!UNSAFE.has(req.method) || !FORM_TYPES.test(req.headers['content-type'] ?? '')) return;
    if (postOrigin(req, publicOrigin) !== 'cross' || isOneClickUnsubscribe(req)) return;
    req.log.info({ event: 'http.cross_site_refused', route: req.routeOptions.url }, 'cross-site form post refused');
    return sendError(req, reply, 403, 'CROSS_SITE_REQUEST', 'This form was sent from another website. Please use the form on this site.');
  });
}
