// Builds the Fastify app (never listens: the entry file does). JSON API + server-rendered pages.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.js';
import { registerErrorHandler } from './error-handler.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { archiveRoutes } from './routes/archive.js';
import { healthRoutes } from './routes/health.js';

export async function buildHttpApp(app: AppDeps): Promise<FastifyInstance> {
  const fastify = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    trustProxy: app.config.trustProxy,
    disableRequestLogging: false,
  }).withTypeProvider<ZodTypeProvider>() as unknown as FastifyInstance;
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(fastify);
  // RFC 8058 one-click POSTs arrive as urlencoded or multipart: without both parsers they get a 415.
  await fastify.register(formbody, { bodyLimit: 16 * 1024 });
  await fastify.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fields: 20, fileSize: 0, files: 0, fieldSize: 4096 } });
  await fastify.register(healthRoutes, { app });
  await fastify.register(subscriptionRoutes, { app });
  await fastify.register(archiveRoutes, { app });
  return fastify;
}
