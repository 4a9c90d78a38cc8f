// The only reader of process.env: a zod schema turns the environment into a typed, frozen config.
// Invalid configuration lists every bad variable at once (loadConfig throws ConfigError; entries exit 1).
import { z } from 'zod';
import cron from 'node-cron';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min).max(max).default(fallback);

const num = (fallback: number, min: number, max: number) =>
  z.coerce.number({ message: 'must be a number' }).min(min).max(max).default(fallback);

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

const timezone = z.string().refine(isValidTimeZone, { message: 'must be an IANA timezone such as Europe/Berlin' });

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
/** A day of the week as a name ("monday", "Mon") or an ISO number (1 = Monday … 7 = Sunday) → 1–7. */
const weekday = (fallback: (typeof WEEKDAYS)[number]) => z.string().default(fallback).transform((v, ctx) => {
  const t = v.trim().toLowerCase();
  const byNumber = /^[1-7]$/.test(t) ? Number(t) : 0;
  const byName = t.length >= 3 ? WEEKDAYS.findIndex((d) => d.startsWith(t)) + 1 : 0;
  const day = byNumber || byName;
  if (!day) {
    ctx.addIssue({ code: 'custom', message: 'must be a day of the week: monday … sunday (or 1 = Monday … 7 = Sunday)' });
    return z.NEVER;
  }
  return day;
});

const SOURCE_NAMES = ['hf', 'arxiv', 'file'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    DATABASE_PATH: z.string().min(1).default('./data/papers.db'),
    // Set: PostgreSQL (for several instances on one database); unset: the SQLite file at DATABASE_PATH.
    DATABASE_URL: z
      .string()
      .refine((v) => /^postgres(ql)?:\/\//i.test(v) && URL.canParse(v), {
        message: 'must be a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/papers',
      })
      .optional(),
    // Unset: where HOST and PORT serve it (see defaultPublicBaseUrl).
    PUBLIC_BASE_URL: z.url({ message: 'must be an absolute URL such as https://papers.example.org' }).optional(),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: int(3000, 0, 65535),
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters (use: openssl rand -hex 32)').optional(),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    TRUST_PROXY: bool(false),

    // Mail
    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
    OUTBOX_DIR: z.string().min(1).default('./data/outbox'),
    MAIL_FROM: z.string().min(3).default('Trending Papers <digest@localhost>'),
    MAIL_REPLY_TO: z.string().optional(),
    LIST_ID: z
      .string()
      .max(255)
      .regex(/^[\x20-\x7e]*<[\x21-\x3b\x3d\x3f-\x7e]+\.[\x21-\x3b\x3d\x3f-\x7e]+>$/, 'must look like "Trending Papers" <daily.example.org> (ASCII only)')
      .optional(),
    UNSUBSCRIBE_MAILTO: z.email({ message: 'must be an email address' }).optional(),
    SMTP_MAX_CONNECTIONS: int(5, 1, 100),
    SMTP_RATE_PER_SECOND: num(0, 0, 100000), // 0 = no limit
    SEND_MAX_ATTEMPTS: int(5, 1, 50),
    SEND_RETRY_BASE_SECONDS: num(60, 0, 86400),
    SEND_PAUSE_AFTER_FAILURES: int(20, 1, 100000),
    SEND_CLAIM_LEASE_SECONDS: int(60, 5, 86400),
    SEND_PAUSE_PROBE_SECONDS: int(30, 1, 3600),
    SEND_PAUSE_PROBE_MAX_SECONDS: int(900, 1, 86400),
    DKIM_DOMAIN: z.string().optional(),
    DKIM_SELECTOR: z.string().optional(),
    DKIM_PRIVATE_KEY: z.string().optional(),
    DKIM_PRIVATE_KEY_PATH: z.string().optional(),

    // Sources
    SOURCES: list('file').pipe(z.array(z.enum(SOURCE_NAMES, { message: `each must be one of ${SOURCE_NAMES.join(', ')}` })).min(1)),
    FILE_SOURCE_PATH: z.string().min(1).default('./src/sample-data/hf-daily'),
    HF_BASE_URL: z.url().default('https://huggingface.co'),
    HF_DAYS: int(7, 1, 60),
    ARXIV_RSS_BASE_URL: z.url().default('https://rss.arxiv.org'),
    ARXIV_API_BASE_URL: z.url().default('https://export.arxiv.org'),
    ARXIV_CATEGORIES: list('cs.CL,cs.LG,cs.AI,cs.CV'),
    ARXIV_MODE: z.enum(['rss', 'api']).default('rss'),
    ARXIV_MIN_INTERVAL_MS: int(3000, 0, 600000),
    HTTP_TIMEOUT_MS: int(20000, 100, 600000),
    HTTP_RETRIES: int(3, 0, 10),
    HTTP_RETRY_BASE_MS: int(1000, 0, 600000),
    HTTP_MAX_RETRY_AFTER_MS: int(120000, 0, 3600000),
    ARXIV_DAYS: int(2, 1, 60),
    ARXIV_API_PAGE_SIZE: int(100, 1, 2000),
    ARXIV_API_MAX_RESULTS: int(1000, 1, 30000),

    // Digest and ranking
    DIGEST_CRON: z.string().refine((v) => cron.validate(v), { message: 'must be a cron expression such as "0 7 * * *"' }).default('0 7 * * *'),
    DIGEST_TZ: timezone.default('UTC'),
    DIGEST_SIZE: int(10, 1, 100),
    TOPIC_SECTION_SIZE: int(3, 1, 20),
    PICKED_SECTION_SIZE: int(5, 0, 20),
    CANDIDATE_WINDOW_DAYS: int(30, 1, 365),
    TREND_WINDOW_HOURS: int(72, 1, 24 * 30),
    TREND_HALF_LIFE_HOURS: num(24, 1, 24 * 30),
    TREND_COMMENT_WEIGHT: num(0.5, 0, 100),
    TREND_STAR_WEIGHT: num(0.05, 0, 100),
    RESEND_STILL_TRENDING: bool(false),
    WEEKLY_DIGEST_DAY: weekday('monday'),
    SCHEDULER_ENABLED: bool(true),
    CATCHUP_DAYS: int(2, 0, 30),
    SHUTDOWN_TIMEOUT_SECONDS: int(8, 1, 600),
    DISK_FREE_FLOOR_MB: int(100, 0, 1_000_000_000),
    READYZ_WRITE_PROBE_SECONDS: int(10, 1, 3600),

    // Subscriptions
    CONFIRM_TOKEN_TTL_HOURS: int(48, 1, 24 * 30),
    CONFIRM_RESEND_MINUTES: int(10, 0, 24 * 60),
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: int(10, 1, 1_000_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (!env.SECRET_KEY) ctx.addIssue({ code: 'custom', path: ['SECRET_KEY'], message: 'is required in production' });
      if (!env.PUBLIC_BASE_URL?.startsWith('https://'))
        ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: env.PUBLIC_BASE_URL ? 'must be https in production' : 'is required in production (the https address readers reach)' });
    }
    const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY ?? env.DKIM_PRIVATE_KEY_PATH];
    if (dkim.some(Boolean) && !dkim.every(Boolean))
      ctx.addIssue({
        code: 'custom',
        path: ['DKIM_DOMAIN'],
        message: 'DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_PATH) together',
      });
  });

export type Env = z.output<typeof envSchema>;

/** Every variable the configuration reads (checked against docker-compose.yml, the Dockerfile and .env.example). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

export type DatabaseConfig = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  /** Which engine holds the state: DATABASE_URL selects PostgreSQL, else the SQLite file at DATABASE_PATH. */
  database: DatabaseConfig;
  /** The SQLite file (DATABASE_PATH), also the source of `papers db copy`. */
  databasePath: string;
  publicBaseUrl: string; // no trailing slash
  host: string;
  port: number;
  secretKey: string;
  adminToken: string | undefined;
  /** When set, GET /metrics requires it as a bearer token. */
  metricsToken: string | undefined;
  trustProxy: boolean;
  /** SIGTERM/SIGINT: in-flight sends get this long to finish before their SMTP connections are cut. */
  shutdownTimeoutSeconds: number;
  /** /readyz: not ready below this much free space on the database's filesystem (0: no check); write probe cadence. */
  health: { diskFreeFloorMb: number; writeProbeSeconds: number };
  mail: {
    smtpUrl: string | undefined;
    outboxDir: string;
    from: string;
    replyTo: string | undefined;
    listId: string;
    unsubscribeMailto: string | undefined;
    maxConnections: number;
    ratePerSecond: number;
    maxAttempts: number;
    retryBaseSeconds: number;
    pauseAfterFailures: number;
    /** A sender silent this long is dead and its claims are requeued (same-host crashes are detected at once). */
    claimLeaseSeconds: number;
    /** A paused send probes the server this long after the pause, doubling after each failed probe up to the max. */
    probeBaseSeconds: number;
    probeMaxSeconds: number;
    dkim: { domainName: string; keySelector: string; privateKey: string | undefined; privateKeyPath: string | undefined } | undefined;
  };
  sources: {
    enabled: SourceName[];
    filePath: string;
    hfBaseUrl: string;
    hfDays: number;
    arxivRssBaseUrl: string;
    arxivApiBaseUrl: string;
    arxivCategories: string[];
    arxivMode: 'rss' | 'api';
    arxivMinIntervalMs: number;
    httpTimeoutMs: number;
    httpRetries: number;
    /** First retry delay; doubles on each retry. */
    httpRetryBaseMs: number;
    /** The longest Retry-After we wait for; a longer one fails the source instead of stalling the job. */
    httpMaxRetryAfterMs: number;
    arxivDays: number;
    arxivApiPageSize: number;
    arxivApiMaxResults: number;
  };
  digest: {
    cron: string;
    timezone: string;
    size: number;
    topicSectionSize: number;
    /** PICKED_SECTION_SIZE: papers in "Picked for you" for readers with a profile (0: none; "less like this" still works). */
    pickedSectionSize: number;
    candidateWindowDays: number;
    resendStillTrending: boolean;
    schedulerEnabled: boolean;
    catchupDays: number;
    /** The hour of DIGEST_CRON when it names one (used as the default delivery hour). */
    defaultHour: number;
    /** WEEKLY_DIGEST_DAY: weekly subscribers get the week's best on this ISO weekday (1 = Monday … 7 = Sunday). */
    weeklyDay: number;
  };
  trend: { windowHours: number; halfLifeHours: number; commentWeight: number; starWeight: number };
  subscriptions: { confirmTtlHours: number; confirmResendMinutes: number; rateLimitPerMinute: number };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * The base URL of links when PUBLIC_BASE_URL is not set: the server's own HOST and PORT, so `PORT=4000 npm run demo`
 * prints and mails links that work. A loopback or any-address HOST (127.0.0.1, 0.0.0.0, ::) is shown as localhost,
 * which a browser on the same machine reaches.
 */
export function defaultPublicBaseUrl(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const local = ['localhost', '127.0.0.1', '0.0.0.0', '::', '::1'].includes(bare);
  const name = local ? 'localhost' : bare.includes(':') ? `[${bare}]` : bare;
  return `http://${name}${port === 80 ? '' : `:${port}`}`;
}

// A fixed development secret so the demo works out of the box; production refuses to start without one.
const DEV_SECRET = 'dev-only-secret-do-not-use-in-production-0000';

export function loadConfig(source: Record<string, string | undefined> = process.env): Readonly<Config> {
  // Empty strings mean "unset", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const baseUrl = (e.PUBLIC_BASE_URL ?? defaultPublicBaseUrl(e.HOST, e.PORT)).replace(/\/+$/, '');
  const host = new URL(baseUrl).hostname;
  const cronHour = Number(e.DIGEST_CRON.trim().split(/\s+/)[1]);
  const config: Config = {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL ? { engine: 'postgres', url: e.DATABASE_URL } : { engine: 'sqlite', path: e.DATABASE_PATH },
    databasePath: e.DATABASE_PATH,
    publicBaseUrl: baseUrl,
    host: e.HOST,
    port: e.PORT,
    secretKey: e.SECRET_KEY ?? DEV_SECRET,
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    health: { diskFreeFloorMb: e.DISK_FREE_FLOOR_MB, writeProbeSeconds: e.READYZ_WRITE_PROBE_SECONDS },
    mail: {
      smtpUrl: e.SMTP_URL,
      outboxDir: e.OUTBOX_DIR,
      from: e.MAIL_FROM,
      replyTo: e.MAIL_REPLY_TO,
      listId: e.LIST_ID ?? `"Trending Papers" <daily.${host}>`,
      unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
      maxConnections: e.SMTP_MAX_CONNECTIONS,
      ratePerSecond: e.SMTP_RATE_PER_SECOND,
      maxAttempts: e.SEND_MAX_ATTEMPTS,
      retryBaseSeconds: e.SEND_RETRY_BASE_SECONDS,
      pauseAfterFailures: e.SEND_PAUSE_AFTER_FAILURES,
      claimLeaseSeconds: e.SEND_CLAIM_LEASE_SECONDS,
      probeBaseSeconds: e.SEND_PAUSE_PROBE_SECONDS,
      probeMaxSeconds: Math.max(e.SEND_PAUSE_PROBE_MAX_SECONDS, e.SEND_PAUSE_PROBE_SECONDS),
      dkim:
        e.DKIM_DOMAIN && e.DKIM_SELECTOR
          ? {
              domainName: e.DKIM_DOMAIN,
              keySelector: e.DKIM_SELECTOR,
              privateKey: e.DKIM_PRIVATE_KEY?.replace(/\\n/g, '\n'),
              privateKeyPath: e.DKIM_PRIVATE_KEY_PATH,
            }
          : undefined,
    },
    sources: {
      enabled: e.SOURCES,
      filePath: e.FILE_SOURCE_PATH,
      hfBaseUrl: e.HF_BASE_URL.replace(/\/+$/, ''),
      hfDays: e.HF_DAYS,
      arxivRssBaseUrl: e.ARXIV_RSS_BASE_URL.replace(/\/+$/, ''),
      arxivApiBaseUrl: e.ARXIV_API_BASE_URL.replace(/\/+$/, ''),
      arxivCategories: e.ARXIV_CATEGORIES,
      arxivMode: e.ARXIV_MODE,
      arxivMinIntervalMs: e.ARXIV_MIN_INTERVAL_MS,
      httpTimeoutMs: e.HTTP_TIMEOUT_MS,
      httpRetries: e.HTTP_RETRIES,
      httpRetryBaseMs: e.HTTP_RETRY_BASE_MS,
      httpMaxRetryAfterMs: e.HTTP_MAX_RETRY_AFTER_MS,
      arxivDays: e.ARXIV_DAYS,
      arxivApiPageSize: e.ARXIV_API_PAGE_SIZE,
      arxivApiMaxResults: e.ARXIV_API_MAX_RESULTS,
    },
    digest: {
      cron: e.DIGEST_CRON,
      timezone: e.DIGEST_TZ,
      size: e.DIGEST_SIZE,
      topicSectionSize: e.TOPIC_SECTION_SIZE,
      pickedSectionSize: e.PICKED_SECTION_SIZE,
      candidateWindowDays: e.CANDIDATE_WINDOW_DAYS,
      resendStillTrending: e.RESEND_STILL_TRENDING,
      schedulerEnabled: e.SCHEDULER_ENABLED,
      catchupDays: e.CATCHUP_DAYS,
      defaultHour: Number.isInteger(cronHour) && cronHour >= 0 && cronHour <= 23 ? cronHour : 7,
      weeklyDay: e.WEEKLY_DIGEST_DAY,
    },
    trend: {
      windowHours: e.TREND_WINDOW_HOURS,
      halfLifeHours: e.TREND_HALF_LIFE_HOURS,
      commentWeight: e.TREND_COMMENT_WEIGHT,
      starWeight: e.TREND_STAR_WEIGHT,
    },
    subscriptions: {
      confirmTtlHours: e.CONFIRM_TOKEN_TTL_HOURS,
      confirmResendMinutes: e.CONFIRM_RESEND_MINUTES,
      rateLimitPerMinute: e.SUBSCRIBE_RATE_LIMIT_PER_MINUTE,
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
