// One error handler: API clients get JSON {error:{code,message}} with a stable code; browsers get a friendly
// page. Invariants: never a stack trace or internals in a response; bad input is a 4xx, never a 5xx.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { page } from './pages/layout.js';
import { html } from './pages/html.js';

export function wantsHtml(req: FastifyRequest): boolean {
  return !req.url.startsWith('/api/') && /text\/html/i.test(req.headers.accept ?? '');
}

const STATUS_CODES: Record<number, string> = {
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'That did not work',
  410: 'This link has expired',
  413: 'That was too much',
  415: 'That did not work',
  429: 'Slow down a little',
};

export function errorPage(status: number, message: string): string {
  const title = status >= 500 ? 'Something went wrong' : (TITLES[status] ?? 'That did not work');
  return page(title, html`<h1>${title}</h1><div class="card"><p>${message}</p></div><p><a href="/">Back to the home page</a></p>`);
}

export function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  if (wantsHtml(req)) return reply.code(status).type('text/html; charset=utf-8').send(errorPage(status, message));
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

// Requests whose route handler stage was reached: an error without a status before that point came from
// reading the request (a malformed multipart body, say), which is the client's fault, not ours.
const reachedHandler = new WeakSet<FastifyRequest>();

export function registerErrorHandler(fastify: FastifyInstance) {
  fastify.addHook('preHandler', (req, _reply, done) => {
    reachedHandler.add(req);
    done();
  });

  fastify.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0]!;
      const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const where = [err.validationContext, path].filter(Boolean).join('.') || 'request';
      if (first.keyword === 'unrecognized_keys') {
        const keys = (first.params as { keys?: unknown }).keys;
        const list = Array.isArray(keys) ? keys.map(String).join(', ').slice(0, 120) : 'unknown';
        return sendError(req, reply, 400, 'UNKNOWN_FIELD', `${where}: unknown field(s) ${list}`);
      }
      return sendError(req, reply, 400, 'VALIDATION_FAILED', `${where}: ${first.message}`.slice(0, 300));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status === 500 && !err.statusCode && !reachedHandler.has(req)) {
      req.log.info({ event: 'http.bad_request', reason: String(err.message).slice(0, 200) }, 'unreadable request');
      return sendError(req, reply, 400, 'MALFORMED_REQUEST', 'The request could not be read.');
    }
    if (status >= 500) {
      req.log.error({ event: 'http.error', err, route: req.routeOptions?.url }, 'request failed');
      return sendError(req, reply, status, 'INTERNAL', 'An unexpected error occurred. Please try again later.');
    }
    if (status === 429) return sendError(req, reply, 429, 'RATE_LIMITED', 'Too many requests. Please wait a minute and try again.');
    // Our own errors carry stable codes; the framework's (FST_*) are mapped to a few stable ones.
    const own = typeof err.code === 'string' && /^[A-Z][A-Z0-9_]{1,60}$/.test(err.code) && !err.code.startsWith('FST_');
    const code = own ? err.code : (STATUS_CODES[status] ?? 'BAD_REQUEST');
    return sendError(req, reply, status, code, String(err.message ?? '').split('\n')[0]!.slice(0, 200) || 'Bad request.');
  });

  fastify.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'NOT_FOUND', 'There is nothing at this address.'));
}
