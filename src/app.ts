// Composition root: builds the database, repositories, sources, mailer, clock and logger once.
// Everything else receives what it needs as parameters.
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { migrate } from './db/migrate.js';
import { openStore, sqliteStore, type Store } from './db/store.js';
import { createLogger, type Logger } from './lib/logger.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Mailer } from './mail/mailer.js';
import { createMailerFromConfig } from './mail/mailer-from-config.js';
import { createIntakeClient } from './subscribers/intake-client.js';
import { createLocalIntakeClient } from './subscribers/intake-local.js';
import { hasSpooledSubscribeRequests } from './db/sqlite/subscribe-spool-repo.js';
import type { IntakeSettings } from './subscribers/intake.js';
import { createStoreWriteHealth, createWriteHealth, type WriteHealth } from './db/write-health.js';
import { AppError } from './lib/errors.js';
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
  /**
   * The SQLite connection, for the code still synchronous on SQLite (its edition preparation, `papers rank`, test
   * set-ups and benches). On PostgreSQL there is none: reading it throws SQLITE_ONLY, naming what needed it.
   */
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
  /** An opened, migrated Store (PostgreSQL: openApp opens it from DATABASE_URL); the app owns it from then on. */
  store?: Store;
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

/**
 * The app on the configured engine: the SQLite file (DATABASE_PATH), or the PostgreSQL server of DATABASE_URL,
 * opened and migrated here (a round trip, hence async). Entries (the server, the CLI) start with this.
 */
export async function openApp(config: Readonly<Config>, o: AppOverrides = {}): Promise<AppDeps> {
  if (config.database.engine === 'sqlite' || o.store || o.db) return createApp(config, o);
  const logger = o.logger ?? createLogger({ level: config.logLevel });
  const { store, applied } = await openStore(config.database);
  if (applied.length) logger.info({ event: 'db.migrated', engine: 'postgres', applied }, 'applied migrations');
  return createApp(config, { ...o, logger, store });
}

/** A property that exists only on SQLite: on PostgreSQL, reading it says which code still needs SQLite. */
function sqliteOnly(what: string): never {
  throw new AppError('SQLITE_ONLY', `${what} needs the SQLite engine (DATABASE_PATH); this app runs on PostgreSQL (DATABASE_URL)`);
}

export function createApp(config: Readonly<Config>, o: AppOverrides = {}): AppDeps {
  const logger = o.logger ?? createLogger({ level: config.logLevel });
  const clock = o.clock ?? systemClock;
  const onPostgres = o.store?.engine === 'postgres';
  const db = onPostgres ? undefined : (o.db ?? openDatabase(config.databasePath));
  if (db) {
    const applied = migrate(db);
    if (applied.length) logger.info({ event: 'db.migrated', applied }, 'applied migrations');
  }
  const mailer = o.mailer ?? createMailerFromConfig(config, { clock });
  const writeHealth = db
    ? createWriteHealth({
        db,
        databasePath: config.databasePath,
        clock,
        probeIntervalMs: config.health.writeProbeSeconds * 1000,
        diskFloorBytes: config.health.diskFreeFloorMb * 1024 * 1024,
      })
    : createStoreWriteHealth({ probe: (now) => store.probeWrite(now), clock, probeIntervalMs: config.health.writeProbeSeconds * 1000 });
  const store = o.store ?? sqliteStore(db!);
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
  const papers = db ? createPapersRepo(db) : undefined;
  const subscribersRepo = db ? createSqliteSubscribersCore(db) : undefined;
  const subscriptions = createSubscriptionService({ store, clock, logger, intake, spoolWaiting: db ? () => hasSpooledSubscribeRequests(db) : undefined });
  const deps = {
    config,
    store,
    logger,
    clock,
    mailer,
    fetch: fetchImpl,
    subscriptions: sqliteOrThrow(subscriptions, { repo: subscribersRepo }, 'the synchronous subscribers repository'),
    writeHealth,
    profiles: createProfileService({ store, clock, logger }),
    // One HTTP client for the app's lifetime: the arXiv spacing holds across runs; ETags persist in http_cache.
    sources: (only?: string): Source[] => createSources(config, { fetch: fetchImpl, http: sourceHttp }, only),
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
      if (db) {
        if (db.open) db.close();
      } else await store.close();
    },
  } satisfies Omit<AppDeps, 'db' | 'papers'>;
  return sqliteOrThrow(deps, { db, papers }, 'this step (the SQLite connection)');
}

/**
 * Adds SQLite-only properties: plain values on SQLite; on PostgreSQL getters that throw SQLITE_ONLY, not enumerable, so
 * that `{ ...app, sources }` (which reads every enumerable property) still works there.
 */
function sqliteOrThrow<T extends object, E extends Record<string, unknown>>(target: T, extra: E, what: string): T & { [K in keyof E]: NonNullable<E[K]> } {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else Object.defineProperty(target, key, { get: () => sqliteOnly(what), enumerable: false, configurable: true });
  }
  return target as T & { [K in keyof E]: NonNullable<E[K]> };
}
