// Composition root: builds the database, repositories, sources, mailer, clock and logger once.
// Everything else receives what it needs as parameters.
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { migrate } from './db/migrate.js';
import { sqliteStore, type Store } from './db/store.js';
import { createLogger, type Logger } from './lib/logger.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Mailer } from './mail/mailer.js';
import { createMailerFromConfig } from './mail/mailer-from-config.js';
import { createIntakeClient } from './subscribers/intake-client.js';
import { createLocalIntakeClient } from './subscribers/intake-local.js';
import type { IntakeSettings } from './subscribers/intake.js';
import { createWriteHealth, type WriteHealth } from './db/write-health.js';
import { createPapersRepo } from './db/papers-repo.js';
import { createSubscriptionService, type SubscriptionService } from './subscribers/service.js';
import { createSqliteSubscribersCore } from './db/sqlite/subscribers-repo.js';
import { createProfileService } from './profile/service.js';
import { createSources, createSourceHttpClient } from './ingest/sources/index.js';
import type { Source } from './ingest/types.js';
import type { PrepareSettings } from './digest/prepare.js';
import type { SendSettings } from './mail/send-edition.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** Every repository, of the configured engine (src/db/store.ts). */
  store: Store;
  /** The SQLite connection, for code not yet moved onto the Store (issue 16 removes it). */
  db: Db;
  logger: Logger;
  clock: Clock;
  mailer: Mailer;
  fetch: typeof globalThis.fetch;
  /** The synchronous SQLite papers repository, for code not yet moved onto the Store (ingest writes through `store`). */
  papers: ReturnType<typeof createPapersRepo>;
  subscriptions: SubscriptionService & {
    /**
     * The SQLite connection's synchronous subscribers repository, for test set-ups and benches not yet on the Store;
     * it goes with `db` (issue 16). The app's own code uses the Store.
     */
    repo: ReturnType<typeof createSqliteSubscribersCore>;
  };
  /** Whether writes commit (real commits, a probe) and the disk has room: /readyz. */
  writeHealth: WriteHealth;
  /** Readers' profiles: feedback from digests, imported papers. */
  profiles: ReturnType<typeof createProfileService>;
  sources(only?: string): Source[];
  prepareSettings: PrepareSettings;
  sendSettings: SendSettings;
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  fetch?: typeof globalThis.fetch;
  db?: Db;
  /** Subscribe intake bounds (retry delay, retries, waiting requests), for tests of those bounds. */
  intake?: Partial<IntakeSettings>;
}

/** How the sender runs, from the configuration (the app and `papers worker` alike). */
export function sendSettingsOf(config: Readonly<Config>): SendSettings {
  return {
    publicBaseUrl: config.publicBaseUrl,
    secretKey: config.secretKey,
    listId: config.mail.listId,
    unsubscribeMailto: config.mail.unsubscribeMailto,
    concurrency: config.mail.maxConnections,
    maxAttempts: config.mail.maxAttempts,
    retryBaseSeconds: config.mail.retryBaseSeconds,
    pauseAfterFailures: config.mail.pauseAfterFailures,
    claimLeaseSeconds: config.mail.claimLeaseSeconds,
    probeBaseSeconds: config.mail.probeBaseSeconds,
    probeMaxSeconds: config.mail.probeMaxSeconds,
  };
}

export function createApp(config: Readonly<Config>, o: AppOverrides = {}): AppDeps {
  const logger = o.logger ?? createLogger({ level: config.logLevel });
  const db = o.db ?? openDatabase(config.databasePath);
  const applied = migrate(db);
  if (applied.length) logger.info({ event: 'db.migrated', applied }, 'applied migrations');
  const clock = o.clock ?? systemClock;
  const mailer = o.mailer ?? createMailerFromConfig(config, { clock });
  const writeHealth = createWriteHealth({
    db,
    databasePath: config.databasePath,
    clock,
    probeIntervalMs: config.health.writeProbeSeconds * 1000,
    diskFloorBytes: config.health.diskFreeFloorMb * 1024 * 1024,
  });
  const store = sqliteStore(db);
  const intakeSettings: IntakeSettings = {
    publicBaseUrl: config.publicBaseUrl,
    confirmTtlHours: config.subscriptions.confirmTtlHours,
    confirmResendMinutes: config.subscriptions.confirmResendMinutes,
    ...o.intake,
  };
  // On SQLite, subscribe requests are written and confirmed in their own thread (its own connection to
  // config.databasePath and its own mailer, built from the same config — not `o.db` or `o.mailer`): see
  // subscribers/intake-client.ts for why. On PostgreSQL the intake runs in-process over the pool (intake-local.ts).
  const intake =
    store.engine === 'postgres'
      ? createLocalIntakeClient({ store, mailer, logger, settings: intakeSettings, onCommit: (ok, code) => writeHealth.record(ok, code) })
      : createIntakeClient({ config, logger, settings: intakeSettings, onCommit: (ok, code) => writeHealth.record(ok, code) });
  const fetchImpl = o.fetch ?? globalThis.fetch;
  const sourceHttp = createSourceHttpClient(config, { fetch: fetchImpl, httpCache: store, logger, clock });
  const messageIdDomain = config.mail.dkim?.domainName ?? (config.mail.from.match(/@([^>\s]+)/)?.[1] ?? 'localhost');
  const deps: AppDeps = {
    config,
    store,
    db,
    logger,
    clock,
    mailer,
    fetch: fetchImpl,
    papers: createPapersRepo(db),
    subscriptions: { ...createSubscriptionService({ store, clock, logger, intake }), repo: createSqliteSubscribersCore(db) },
    writeHealth,
    profiles: createProfileService({ store, clock, logger }),
    // One HTTP client for the app's lifetime: the arXiv spacing holds across runs; ETags persist in http_cache.
    sources: (only) => createSources(config, { fetch: fetchImpl, http: sourceHttp }, only),
    prepareSettings: {
      size: config.digest.size,
      topicSectionSize: config.digest.topicSectionSize,
      pickedSectionSize: config.digest.pickedSectionSize,
      candidateWindowDays: config.digest.candidateWindowDays,
      resendStillTrending: config.digest.resendStillTrending,
      timezone: config.digest.timezone,
      defaultHour: config.digest.defaultHour,
      weeklyDay: config.digest.weeklyDay,
      trend: config.trend,
      secretKey: config.secretKey,
      messageIdDomain,
    },
    sendSettings: sendSettingsOf(config),
    async close() {
      await intake.close();
      await mailer.close();
      if (db.open) db.close();
    },
  };
  return deps;
}
