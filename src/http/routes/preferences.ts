// The preferences page behind the signed link of every digest: topics, delivery hour and timezone, daily or
// weekly, pause, subscribe again; download my data (JSON) and delete my data (hard delete).
// Invariants: the token (HMAC of the subscriber id, purpose "preferences") is the only credential; GETs only
// read; token-bearing answers are never cached.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Info } from 'luxon';
import { z } from 'zod';
import type { AppDeps } from '../../app.js';
import { verifySubscriberToken } from '../../lib/tokens.js';
import { subscriberUrls } from '../links.js';
import { frequencySchema, hourSchema, parseTopicText, timezoneSchema } from '../../subscribers/preferences.js';
import { sendError } from '../error-handler.js';
import { badLinkPage } from '../pages/unsubscribe.js';
import { deletedPage, noSubscriberPage, preferencesPage, type PreferencesView } from '../pages/preferences.js';
import { parseIdList, parseLibraryFile, type ImportResult } from '../../profile/import-formats.js';

const tokenQuery = z.object({ token: z.string().max(200).optional().meta({ description: 'The signed token from the preferences link' }) });

const preferencesForm = z
  .object({
    topics: z.string().max(1000).default(''),
    frequency: frequencySchema,
    hour: z
      .string()
      .regex(/^\d{1,2}$/, 'must be an hour from 0 to 23')
      .transform(Number)
      .pipe(hourSchema),
    timezone: timezoneSchema,
    paused: z.literal('on').optional(),
  })
  .strict();

const deleteForm = z.object({ confirm: z.literal('yes') }).strict();
const removePaperForm = z.object({ paper: z.string().min(1).max(100) }).strict();
/** A library file read whole (BibTeX or CSL-JSON): 2 MB holds several thousand entries. */
const MAX_LIBRARY_BYTES = 2 * 1024 * 1024;
const addPapersForm = z
  .object({
    ids: z.string().max(64 * 1024).optional(),
    // multipart files arrive as a Buffer (an empty file input as an empty one)
    library: z.union([z.instanceof(Buffer), z.string()]).optional(),
  })
  .strict();

const HTML = 'text/html; charset=utf-8';

export const preferencesRoutes: FastifyPluginAsync<{ app: AppDeps }> = async (base, { app }) => {
  const fastify = base.withTypeProvider<ZodTypeProvider>();
  const service = app.subscriptions;
  const secret = app.config.secretKey;
  const weeklyDay = app.config.digest.weeklyDay;
  const defaults = { timezone: app.config.digest.timezone, hour: app.config.digest.defaultHour, weeklyDayName: Info.weekdays('long')[weeklyDay - 1] ?? 'Monday' };

  /** The subscriber id the link proves, or null after answering with the right "bad link" page. */
  const subscriberFor = (req: { query: { token?: string | undefined } }, reply: FastifyReply): number | null => {
    reply.header('cache-control', 'no-store');
    const id = verifySubscriberToken(secret, 'preferences', req.query.token ?? '');
    if (id === null) {
      void reply.code(404).type(HTML).send(badLinkPage());
      return null;
    }
    return id;
  };

  const render = async (reply: FastifyReply, id: number, token: string, status: number, extra: Pick<PreferencesView, 'notice' | 'draft'> = {}) => {
    const profile = await service.profile(id);
    if (!profile) return reply.code(404).type(HTML).send(noSubscriberPage());
    const q = `?token=${encodeURIComponent(token)}`;
    const links = {
      save: `/preferences${q}`,
      exportData: `/preferences/export${q}`,
      deleteData: `/preferences/delete${q}`,
      resume: `/preferences/resume${q}`,
      unsubscribe: subscriberUrls('', secret, id).unsubscribeUrl,
      addPapers: `/preferences/papers${q}`,
      removePaper: `/preferences/papers/remove${q}`,
    };
    return reply
      .code(status)
      .type(HTML)
      .send(preferencesPage({ ...profile, profile: await app.profiles.list(id), maxPapers: app.profiles.maxPapers, links, defaults, ...extra }));
  };

  fastify.get('/preferences', { schema: { tags: ['preferences'], summary: 'The preferences page', querystring: tokenQuery } }, async (req, reply) => {
    const id = subscriberFor(req, reply);
    return id === null ? reply : render(reply, id, req.query.token!, 200);
  });

  fastify.post(
    '/preferences',
    {
      bodyLimit: 16 * 1024,
      schema: { tags: ['preferences'], summary: 'Save preferences (form fields topics, frequency, hour, timezone, paused)', querystring: tokenQuery },
    },
    async (req, reply) => {
      const id = subscriberFor(req, reply);
      if (id === null) return reply;
      const token = req.query.token!;
      const form = preferencesForm.safeParse(req.body ?? {});
      const raw = (req.body ?? {}) as Record<string, unknown>;
      const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).slice(0, 1000) : '');
      const topics = form.success ? parseTopicText(form.data.topics) : undefined;
      if (!form.success || !topics?.ok) {
        const issue = form.success ? undefined : form.error.issues[0];
        const message = topics && !topics.ok ? topics.message : `${issue?.path.join('.') || 'form'}: ${issue?.message ?? 'not valid'}`;
        const profile = await service.profile(id);
        const draft = profile && {
          topics: text('topics'),
          timezone: form.success ? form.data.timezone : (profile.subscriber.timezone ?? defaults.timezone),
          hour: form.success ? form.data.hour : (profile.subscriber.delivery_hour ?? defaults.hour),
          frequency: form.success ? form.data.frequency : profile.subscriber.frequency,
          paused: text('paused') === 'on',
        };
        return render(reply, id, token, 400, { notice: { kind: 'error', text: `Not saved. ${message}` }, draft: draft || undefined });
      }
      const saved = await service.updatePreferences(id, {
        topics: topics.topics,
        timezone: form.data.timezone,
        hour: form.data.hour,
        frequency: form.data.frequency,
        paused: form.data.paused === 'on',
      });
      if (!saved) return reply.code(404).type(HTML).send(noSubscriberPage());
      return render(reply, id, token, 200, { notice: { kind: 'ok', text: 'Saved. Your next digest follows these settings.' } });
    },
  );

  fastify.post(
    '/preferences/resume',
    { bodyLimit: 1024, schema: { tags: ['preferences'], summary: 'Subscribe again (an address confirmed before)', querystring: tokenQuery } },
    async (req, reply) => {
      const id = subscriberFor(req, reply);
      if (id === null) return reply;
      const outcome = await service.resume(id);
      if (outcome === 'unknown') return reply.code(404).type(HTML).send(noSubscriberPage());
      return render(reply, id, req.query.token!, outcome === 'active' ? 200 : 409, {
        notice:
          outcome === 'active'
            ? { kind: 'ok', text: 'You are subscribed again.' }
            : { kind: 'error', text: 'This address cannot be resumed from here. Subscribe again from the home page.' },
      });
    },
  );

  fastify.post(
    '/preferences/papers',
    {
      bodyLimit: 64 * 1024,
      // A library file is the one upload we take: one file, bounded; other forms accept none.
      config: { multipartOptions: { limits: { files: 1, fileSize: MAX_LIBRARY_BYTES, fieldSize: 64 * 1024 } } },
      schema: {
        tags: ['preferences'],
        summary: 'Add papers you like: arXiv ids or links one per line (field ids), or a BibTeX / CSL-JSON file (field library)',
        querystring: tokenQuery,
      },
    },
    async (req, reply) => {
      const id = subscriberFor(req, reply);
      if (id === null) return reply;
      const token = req.query.token!;
      const form = addPapersForm.safeParse(req.body ?? {});
      if (!form.success) return render(reply, id, token, 400, { notice: { kind: 'error', text: 'Nothing added: send arXiv ids (one per line) or a BibTeX or CSL-JSON file.' } });
      const reads: ImportResult[] = [];
      if (form.data.ids?.trim()) reads.push(parseIdList(form.data.ids));
      const file = form.data.library;
      const fileText = typeof file === 'string' ? file : file?.toString('utf8');
      if (fileText?.trim()) reads.push(parseLibraryFile('', fileText));
      if (!reads.length) return render(reply, id, token, 400, { notice: { kind: 'error', text: 'Nothing added: paste arXiv ids or choose a file first.' } });
      let added = 0;
      let present = 0;
      let overLimit = 0;
      const skipped: ImportResult['skipped'] = [];
      for (const read of reads) {
        const outcome = await app.profiles.importPapers(id, read);
        if (!outcome) return reply.code(404).type(HTML).send(noSubscriberPage());
        added += outcome.added;
        present += outcome.present;
        overLimit += outcome.overLimit;
        skipped.push(...outcome.skipped);
      }
      const parts = [`Added ${added} paper${added === 1 ? '' : 's'} to your profile.`];
      if (present) parts.push(`${present} ${present === 1 ? 'was' : 'were'} in it already.`);
      if (overLimit) parts.push(`${overLimit} left out: a profile holds at most ${app.profiles.maxPapers} papers.`);
      if (skipped.length)
        parts.push(
          `${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} skipped: ${skipped
            .slice(0, 5)
            .map((x) => `${x.where}: ${x.reason}`)
            .join('; ')}${skipped.length > 5 ? '; …' : ''}.`,
        );
      return render(reply, id, token, added || present ? 200 : 400, { notice: { kind: added || present ? 'ok' : 'error', text: parts.join(' ') } });
    },
  );

  fastify.post(
    '/preferences/papers/remove',
    { bodyLimit: 1024, schema: { tags: ['preferences'], summary: 'Remove a paper from your profile (form field paper)', querystring: tokenQuery } },
    async (req, reply) => {
      const id = subscriberFor(req, reply);
      if (id === null) return reply;
      const form = removePaperForm.safeParse(req.body ?? {});
      if (!form.success) return render(reply, id, req.query.token!, 400, { notice: { kind: 'error', text: 'Nothing removed: no paper named.' } });
      // Idempotent: removing a paper that is not there says the same.
      await app.profiles.remove(id, form.data.paper);
      return render(reply, id, req.query.token!, 200, { notice: { kind: 'ok', text: 'Removed from your profile.' } });
    },
  );

  fastify.get(
    '/preferences/export',
    { schema: { tags: ['preferences'], summary: 'Download my data (JSON)', querystring: tokenQuery } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const id = verifySubscriberToken(secret, 'preferences', req.query.token ?? '');
      if (id === null) return sendError(req, reply, 404, 'INVALID_TOKEN', 'This link is not valid.');
      const data = await service.exportData(id);
      if (!data) return sendError(req, reply, 404, 'NOT_FOUND', 'We hold no data for this link.');
      req.log.info({ event: 'subscriber.exported', subscriberId: id }, 'subscriber downloaded their data');
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', 'attachment; filename="trending-papers-my-data.json"')
        .send(JSON.stringify(data, null, 2));
    },
  );

  fastify.post(
    '/preferences/delete',
    { bodyLimit: 1024, schema: { tags: ['preferences'], summary: 'Delete my data (form field confirm=yes); hard delete', querystring: tokenQuery } },
    async (req, reply) => {
      const id = subscriberFor(req, reply);
      if (id === null) return reply;
      if (!deleteForm.safeParse(req.body ?? {}).success)
        return render(reply, id, req.query.token!, 400, { notice: { kind: 'error', text: 'Nothing deleted: tick the box to confirm that you want your data deleted.' } });
      // Idempotent: a second click finds nothing and shows the same page.
      await service.deleteData(id);
      return reply.code(200).type(HTML).send(deletedPage());
    },
  );
};
