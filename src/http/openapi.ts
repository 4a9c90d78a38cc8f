// OpenAPI document and its browsable UI at /docs, generated from the routes' zod schemas
// (fastify-type-provider-zod's jsonSchemaTransform). Registered before the routes so that it sees them all.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export async function registerOpenApi(fastify: FastifyInstance, publicBaseUrl: string) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trending Papers',
        description:
          'Subscribe (double opt-in), confirm, manage preferences and unsubscribe (RFC 8058 one-click). Errors are JSON: {"error":{"code","message"}}.',
        version: '1.0.0',
      },
      servers: [{ url: publicBaseUrl }],
      tags: [
        { name: 'subscriptions', description: 'Subscribe, confirm, unsubscribe' },
        { name: 'preferences', description: 'A subscriber’s settings and data, through their signed link' },
        { name: 'pages', description: 'Server-rendered HTML pages' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    // Swagger UI (third-party, scripts from our own origin only) sets inline style attributes: allowed here only.
    staticCSP:
      "default-src 'self'; base-uri 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    uiConfig: { docExpansion: 'list', deepLinking: false },
  });
}
