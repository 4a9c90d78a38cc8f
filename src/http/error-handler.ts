// One error handler: API clients get JSON with a stable code; browsers get a friendly page. Never internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { page } from './pages/layout.js';
import { html } from './pages/html.js';

export function wantsHtml(req: FastifyRequest): boolean {
  return !req.url.startsWith('/api/') && /text\/html/.test(req.headers.accept ?? '');
}

export function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  if (wantsHtml(req)) {
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(page('Something went wrong', html`<h1>${status >= 500 ? 'Something went wrong' : 'That did not work'}</h1><p>${message}</p><p><a href="/">Back to the home page</a></p>`));
  }
  return reply.code(status).send({ error: { code, message } });
}

export function registerErrorHandler(fastify: FastifyInstance) {
  fastify.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const where = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : err.validationContext;
      return sendError(req, reply, 400, 'VALIDATION_FAILED', `${where ?? 'request'}: ${first?.message ?? 'invalid'}`);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ event: 'http.error', err, url: req.routeOptions?.url }, 'request failed');
      return sendError(req, reply, status, 'INTERNAL', 'An unexpected error occurred. Please try again later.');
    }
    const code = err.code && /^[A-Z0-9_]+$/.test(err.code) ? err.code : 'BAD_REQUEST';
    return sendError(req, reply, status, code, err.message.split('\n')[0]!.slice(0, 200));
  });
  fastify.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'NOT_FOUND', 'There is nothing at this address.'));
}
