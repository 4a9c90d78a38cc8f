// Builds the Fastify app (never listens: the entry file does). JSON API + server-rendered pages.
// Order matters: error handler, security headers, body parsers, rate limiter and OpenAPI come before the
// routes, so every route is covered by them; one line per route module below.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.js';
import { registerErrorHandler } from './error-handler.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerSameOriginGuard } from './same-origin.js';
import { registerOpenApi } from './openapi.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { preferencesRoutes } from './routes/preferences.js';
import { feedbackRoutes } from './routes/feedback.js';
import { archiveRoutes } from './routes/archive.js';
import { emailPreviewRoutes } from './routes/email-preview.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, createMetrics } from './routes/metrics.js';
import { adminRoutes } from './routes/admin.js';
import type { OpsHooks } from './ops-hooks.js';

export async function buildHttpApp(app: AppDeps, ops: OpsHooks = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    trustProxy: app.config.trustProxy,
    // Fastify's own request lines carry the full URL, and ours carry tokens: we log the route instead (below).
    logController: new LogController({ disableRequestLogging: true }),
    // Random query strings must never become a 5xx: keep parsing bounded.
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>() as unknown as FastifyInstance;
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(fastify);
  // Confirmation emails yield to the HTTP server while it is busy.
  fastify.addHook('onRequest', (_req, _reply, done) => {
    app.subscriptions.noteForegroundRequest();
    done();
  });
  // A route's write that failed because the database cannot take writes makes /readyz say so.
  fastify.addHook('onError', (_req, _reply, err, done) => {
    app.writeHealth.recordError(err);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    req.log.info(
      { event: 'http.request', method: req.method, route: req.routeOptions.url ?? '(no route)', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });
  await registerSecurityHeaders(fastify, app.config.publicBaseUrl);
  // RFC 8058 one-click POSTs arrive as urlencoded or multipart: without both parsers they get a 415.
  await fastify.register(formbody, { bodyLimit: 16 * 1024 });
  await fastify.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fields: 20, fileSize: 0, files: 0, fieldSize: 4096, parts: 25, headerPairs: 50 } });
  registerSameOriginGuard(fastify, app.config.publicBaseUrl);
  // Per-route limits only (the subscribe endpoints set theirs); the store is shared by routes that use it.
  await fastify.register(rateLimit, { global: false });
  await registerOpenApi(fastify, app.config.publicBaseUrl);
  // Queued confirmation emails are handed to the mailer before the process closes the mailer.
  fastify.addHook('onClose', async () => app.subscriptions.drain());

  await fastify.register(healthRoutes, { app, lifecycle: ops.lifecycle });
  await fastify.register(metricsRoutes, { app, metrics: ops.metrics ?? createMetrics(app, { processMetrics: false }) });
  await fastify.register(adminRoutes, { app, runner: ops.runner }); // registers nothing when ADMIN_TOKEN is unset
  await fastify.register(subscriptionRoutes, { app });
  await fastify.register(unsubscribeRoutes, { app });
  await fastify.register(preferencesRoutes, { app });
  await fastify.register(feedbackRoutes, { app });
  await fastify.register(archiveRoutes, { app });
  await fastify.register(emailPreviewRoutes, { app }); // development only: registers nothing in production
  return fastify;
}
