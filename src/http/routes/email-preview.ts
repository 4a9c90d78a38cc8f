// Development-only email preview: the digest (or confirmation) exactly as a mail client gets it.
// Invariant: never registered in production — it renders with placeholder links and bypasses nothing else.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { compileStoredEdition, readStoredEdition, previewRecipient } from '../../digest/stored-edition.js';
import { renderConfirmation, type CompiledEdition } from '../../digest/render.js';
import { sendError } from '../error-handler.js';
import { isoDateSchema } from '../../lib/iso-date.js';

export const PREVIEW_PREFIX = '/dev/email';

// Email HTML carries its styles inline and in <style>; it loads nothing (no scripts, few or no images).
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; form-action 'none'";

export const emailPreviewRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  if (app.config.env === 'production') return;
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const settings = { publicBaseUrl: app.config.publicBaseUrl };
  // Editions are frozen once prepared, so a compiled one stays right for the life of the process.
  const compiled = new Map<number, Promise<CompiledEdition>>();

  fastify.get(
    `${PREVIEW_PREFIX}/digest`,
    {
      schema: {
        querystring: z.object({
          date: isoDateSchema(() => app.clock.now()).optional(),
          format: z.enum(['html', 'text']).default('html'),
        }),
      },
    },
    async (req, reply) => {
      const date = req.query.date ?? (await app.store.readyEditions(1))[0]?.date;
      const edition = date ? await readStoredEdition(app.store, date) : undefined;
      if (!edition) return sendError(req, reply, 404, 'NOT_FOUND', date ? `There is no ready edition for ${date}.` : 'No edition has been prepared yet.');
      let c = compiled.get(edition.id);
      if (!c) {
        c = compileStoredEdition(edition, settings);
        compiled.set(edition.id, c);
        c.catch(() => compiled.delete(edition.id));
      }
      const msg = (await c).renderFor(previewRecipient(edition, app.config.digest.size, settings.publicBaseUrl));
      reply.header('content-security-policy', CSP).header('x-robots-tag', 'noindex');
      return req.query.format === 'text' ? reply.type('text/plain; charset=utf-8').send(msg.text) : reply.type('text/html; charset=utf-8').send(msg.html);
    },
  );

  fastify.get(`${PREVIEW_PREFIX}/confirm`, async (_req, reply) => {
    const msg = await renderConfirmation(
      { ...settings, ttlHours: app.config.subscriptions.confirmTtlHours },
      `${settings.publicBaseUrl}/confirm?token=preview`,
    );
    return reply.header('content-security-policy', CSP).header('x-robots-tag', 'noindex').type('text/html; charset=utf-8').send(msg.html);
  });
};
