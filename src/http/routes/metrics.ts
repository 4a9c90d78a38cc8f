// Prometheus metrics on a per-app registry (never prom-client's global one). Counts come from the Store at scrape
// time (one read of its metrics read model per scrape, shared by every metric), so they are right whichever process
// did the work and survive restarts, on either engine; only the SMTP send duration
// (observed by wrapping the mailer) and the subscribe intake's counters (shared with its thread) are per process.
import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppDeps } from '../../app.js';
import type { Mailer } from '../../mail/mailer.js';
import type { MetricsCounts, SubscriberStore } from '../../db/stores/subscribers.js';
import type { IngestStore } from '../../db/stores/ingest.js';
import type { SendPauseStore } from '../../db/stores/sending.js';
import { DAILY_JOB } from '../../jobs/daily.js';
import { bearerMatches } from './admin-auth.js';

export interface Metrics {
  registry: Registry;
  /** Times every SMTP send (or outbox write) of the wrapped mailer. */
  instrumentMailer(mailer: Mailer): Mailer;
}

const TERMINAL = ['sent', 'failed', 'bounced', 'skipped'] as const;
const QUEUED = ['pending', 'sending'] as const;

export function createMetrics(
  app: Pick<AppDeps, 'subscriptions'> & {
    store: Pick<SubscriberStore, 'metricsCounts' | 'lastSuccessfulRun'> & Pick<IngestStore, 'failedIngestPartsBySource'> & Pick<SendPauseStore, 'sendPause'>;
  },
  options: { processMetrics?: boolean } = {},
): Metrics {
  const registry = new Registry();
  const { store } = app;
  const intake = app.subscriptions.intakeCounters;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  // prom-client starts every metric's collect() in the same turn of a scrape: they share one read while it runs.
  let inflight: Promise<{ counts: MetricsCounts; lastOk: { started_at: string; finished_at: string } | undefined }> | undefined;
  const scrape = () =>
    (inflight ??= Promise.all([store.metricsCounts(), store.lastSuccessfulRun(DAILY_JOB)])
      .then(([counts, lastOk]) => ({ counts, lastOk }))
      .finally(() => {
        inflight = undefined;
      }));

  new Counter({
    name: 'papers_ingested_total',
    help: 'New papers stored by ingestion, by source',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { counts } = await scrape();
      this.reset();
      for (const r of counts.ingestedBySource) this.inc({ source: r.source }, r.n);
    },
  });
  new Counter({
    name: 'papers_source_days_failed_total',
    help: 'Source days that failed to ingest (an HF day, an arXiv category, a feed file; a source that failed as a whole counts one), by source',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const parts = await store.failedIngestPartsBySource();
      this.reset();
      for (const r of parts) this.inc({ source: r.source }, r.n);
    },
  });
  new Gauge({
    name: 'papers_stored',
    help: 'Papers in the database',
    registers: [registry],
    async collect() {
      this.set((await scrape()).counts.papersStored);
    },
  });
  const byStatus = async () => new Map(Object.entries((await scrape()).counts.deliveriesByStatus));
  new Counter({
    name: 'papers_deliveries_total',
    help: 'Deliveries that reached a final state: sent (accepted by the SMTP server), failed, bounced, skipped',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const m = await byStatus();
      this.reset();
      for (const s of TERMINAL) this.inc({ status: s }, m.get(s) ?? 0);
    },
  });
  new Gauge({
    name: 'papers_deliveries_queued',
    help: 'Deliveries waiting (pending) or being sent (sending)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const m = await byStatus();
      for (const s of QUEUED) this.set({ status: s }, m.get(s) ?? 0);
    },
  });
  new Gauge({
    name: 'papers_subscribers',
    help: 'Subscribers by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      for (const [status, n] of Object.entries((await scrape()).counts.subscribersByStatus)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'papers_daily_job_last_success_timestamp_seconds',
    help: 'When the daily job last finished successfully (Unix time; 0 = never)',
    registers: [registry],
    async collect() {
      const r = (await scrape()).lastOk;
      this.set(r ? Date.parse(r.finished_at) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'papers_daily_job_last_success_duration_seconds',
    help: 'How long the last successful daily job took',
    registers: [registry],
    async collect() {
      const r = (await scrape()).lastOk;
      this.set(r ? (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000 : 0);
    },
  });
  new Counter({
    name: 'papers_subscribe_requests_dropped_total',
    help: 'Subscribe requests answered 202 that were never written, by reason: write_failed (the database refused them for about a minute), buffer_full (too many waiting), invalid, worker_failed (this process)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(intake.dropped())) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'papers_subscribe_requests_waiting',
    help: 'Subscribe requests accepted and not yet written (this process): the write buffer plus batches waiting to be retried',
    registers: [registry],
    collect() {
      this.set(intake.get('waiting'));
    },
  });
  new Gauge({
    name: 'papers_subscribe_requests_spooled',
    help: 'Subscribe requests this process kept in the spool during a burst and has not applied yet (SQLite; they are in the database)',
    registers: [registry],
    collect() {
      this.set(Math.max(0, intake.get('spooled') - intake.get('spoolApplied')));
    },
  });
  new Counter({
    name: 'papers_confirmation_emails_dropped_total',
    help: 'Confirmation emails not queued because the queue was full (this process); the address may ask again at once',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(intake.get('confirmationsDropped'));
    },
  });
  new Gauge({
    name: 'papers_send_paused',
    help: 'Whether sending is paused because the mail server cannot take mail (1) or not (0); see papers status',
    registers: [registry],
    async collect() {
      this.set((await store.sendPause()) ? 1 : 0);
    },
  });
  const sendDuration = new Histogram({
    name: 'papers_send_duration_seconds',
    help: 'Time for the mail server to accept (or refuse) one message, from this process',
    labelNames: ['result'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  return {
    registry,
    instrumentMailer(mailer) {
      // The wrapper inherits everything else the mailer offers; only send is timed.
      return Object.assign(Object.create(mailer) as Mailer, {
        async send(message: Parameters<Mailer['send']>[0]) {
          const end = sendDuration.startTimer();
          try {
            const r = await mailer.send(message);
            end({ result: 'accepted' });
            return r;
          } catch (err) {
            end({ result: 'error' });
            throw err;
          }
        },
      });
    },
  };
}

export const metricsRoutes: FastifyPluginAsync<{ app: AppDeps; metrics: Metrics }> = async (fastify, { app, metrics }) => {
  fastify.get('/metrics', async (req, reply) => {
    // With METRICS_TOKEN set, scrapers must send it as a bearer token (Prometheus: authorization.credentials).
    if (app.config.metricsToken && !bearerMatches(req.headers.authorization, app.config.metricsToken)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: { code: 'UNAUTHORIZED', message: 'metrics need the bearer token' } });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};
