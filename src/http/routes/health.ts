// Liveness and readiness.
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app.js';

export const healthRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (fastify, { app }) => {
  fastify.get('/healthz', async (_req, reply) => {
    try {
      app.db.prepare('SELECT 1').get();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'error', error: { code: 'DB_UNAVAILABLE', message: 'database not reachable' } });
    }
  });
};
