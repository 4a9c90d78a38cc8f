// Entry: the command line. Every subcommand builds the app from the same config and reuses the same code.
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { createApp, type AppDeps } from './app.js';
import { loadConfigOrExit } from './entry.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { runIngest } from './ingest/run-ingest.js';
import { runDailyJob } from './jobs/daily.js';
import { prepareEdition } from './digest/prepare.js';
import { sendDue, subscriberUrls } from './mail/send-edition.js';
import { createEditionsRepo } from './db/editions-repo.js';
import { emailSchema } from './subscribers/email-address.js';
import { fixedClock } from './lib/clock.js';
import { buildHttpApp } from './http/build-app.js';
import { describeError } from './lib/errors.js';
import { createLogger } from './lib/logger.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const parseDate = (v: string) => {
  if (!DATE.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return v;
};
const parsePositive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
};

async function withApp<T>(fn: (app: AppDeps) => Promise<T>, overrides: Parameters<typeof createApp>[1] = {}): Promise<T> {
  const config = loadConfigOrExit();
  // Logs go to stderr so stdout carries only the command's own output.
  const app = createApp(config, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr as never }), ...overrides });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

const program = new Command()
  .name('papers')
  .description('Trending papers digest: ingest, rank, render and send.')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(() => {
    const config = loadConfigOrExit();
    const db = openDatabase(config.databasePath);
    const applied = migrate(db);
    db.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  });

program
  .command('ingest')
  .description('fetch papers from the configured sources')
  .option('--source <name>', 'only this source (hf, arxiv, file)')
  .option('--days <n>', 'fetch the last N days', parsePositive)
  .option('--date <date>', 'fetch one date (YYYY-MM-DD)', parseDate)
  .action(async (o: { source?: string; days?: number; date?: string }) => {
    await withApp(async (app) => {
      const outcomes = await runIngest({ ...app, sources: app.sources(o.source) }, { days: o.days, date: o.date });
      for (const r of outcomes)
        console.log(
          r.ok
            ? `${r.source}: ok — fetched ${r.fetched}, inserted ${r.inserted}, updated ${r.updated}, skipped ${r.skipped}`
            : `${r.source}: FAILED — ${r.error}`,
        );
      if (outcomes.some((r) => !r.ok)) process.exitCode = 1;
    });
  });

program
  .command('run')
  .description('run the whole daily job now: ingest, prepare the edition, send')
  .option('--date <date>', 'edition date (default: today in DIGEST_TZ)', parseDate)
  .action(async (o: { date?: string }) => {
    await withApp(async (app) => {
      const r = await runDailyJob(app, { date: o.date });
      printDaily(r);
    });
  });

program
  .command('send')
  .description('send the deliveries that are due')
  .option('--date <date>', 'only this edition', parseDate)
  .action(async (o: { date?: string }) => {
    await withApp(async (app) => {
      const edition = o.date ? createEditionsRepo(app.db).getByDate(o.date) : undefined;
      if (o.date && !edition) {
        console.error(`no edition for ${o.date}`);
        process.exitCode = 1;
        return;
      }
      const r = await sendDue(app, app.sendSettings, { editionId: edition?.id });
      console.log(`sent ${r.sent}, retrying ${r.retried}, failed ${r.failed}, bounced ${r.bounced}, skipped ${r.skipped}${r.paused ? ` — PAUSED: ${r.pauseReason}` : ''}`);
      if (r.paused) process.exitCode = 1;
    });
  });

program
  .command('status')
  .description("print an edition's delivery ledger")
  .option('--date <date>', 'edition date (default: the latest)', parseDate)
  .action(async (o: { date?: string }) => {
    await withApp(async (app) => {
      const editions = createEditionsRepo(app.db);
      const e = o.date ? editions.getByDate(o.date) : (app.db.prepare('SELECT * FROM editions ORDER BY date DESC LIMIT 1').get() as ReturnType<typeof editions.get>);
      if (!e) {
        console.error(o.date ? `no edition for ${o.date}` : 'no edition yet');
        process.exitCode = 1;
        return;
      }
      console.log(`edition ${e.date}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`);
      for (const [k, v] of Object.entries(editions.deliveryCounts(e.id))) console.log(`  ${k.padEnd(8)} ${v}`);
    });
  });

const subs = program.command('subscribers').description('manage subscribers');
subs
  .command('add <email>')
  .description('add a confirmed subscriber (you vouch for their consent)')
  .option('--topics <list>', 'comma-separated topics')
  .action(async (email: string, o: { topics?: string }) => {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      console.error(`not a valid email address: ${email}`);
      process.exitCode = 2;
      return;
    }
    await withApp(async (app) => {
      const existing = app.subscriptions.repo.getByEmail(parsed.data);
      const now = app.clock.now().toISOString();
      const topics = o.topics?.split(',').map((t) => t.trim()).filter(Boolean);
      if (existing) {
        app.subscriptions.repo.setStatus(existing.id, 'active', now);
        if (topics) app.subscriptions.repo.setTopics(existing.id, topics);
        console.log(`subscriber ${existing.id} is active`);
      } else {
        const id = app.subscriptions.repo.create({ email: parsed.data, status: 'active', now, topics });
        console.log(`added subscriber ${id}`);
      }
    });
  });

program
  .command('demo')
  .description('ingest the bundled sample week, mail its last day to a demo subscriber (outbox) and serve the pages')
  .option('--no-serve', 'do not start the web server')
  .action(async (o: { serve: boolean }) => {
    const config = loadConfigOrExit({ LOG_LEVEL: 'warn', ...process.env });
    // The sample is a real week (2026-08-17 … 21): pretend it is the morning after it, so ranking sees it fresh.
    const clock = fixedClock('2026-08-21T07:00:00.000Z');
    const app = createApp(config, { clock });
    const date = '2026-08-21';
    const email = 'demo@example.com';
    let sub = app.subscriptions.repo.getByEmail(email);
    if (!sub) {
      app.subscriptions.repo.create({ email, status: 'active', now: clock.now().toISOString(), topics: ['agents', 'diffusion'] });
      sub = app.subscriptions.repo.getByEmail(email)!;
    }
    const r = await runDailyJob(app, { date });
    printDaily(r);
    const urls = subscriberUrls(config.publicBaseUrl, config.secretKey, sub.id);
    const outbox = app.mailer.kind === 'outbox' ? resolve(config.mail.outboxDir) : `SMTP ${config.mail.smtpUrl}`;
    console.log(`\nEmails: ${outbox}`);
    if (!o.serve) {
      await app.close();
      return;
    }
    const http = await buildHttpApp(app);
    await http.listen({ host: config.host, port: config.port });
    const base = config.publicBaseUrl;
    console.log(`\nServing on ${base}  (Ctrl-C to stop)
  Home & subscribe: ${base}/
  Today's digest:   ${base}/archive/${date}
  Archive:          ${base}/archive
  Unsubscribe demo: ${urls.unsubscribeUrl}
  Preferences demo: ${urls.preferencesUrl}`);
    const stop = async () => {
      await http.close();
      await app.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

function printDaily(r: Awaited<ReturnType<typeof runDailyJob>>) {
  for (const i of r.ingest)
    console.log(i.ok ? `ingest ${i.source}: fetched ${i.fetched}, new ${i.inserted}, updated ${i.updated}, skipped ${i.skipped}` : `ingest ${i.source}: FAILED — ${i.error}`);
  console.log(
    `edition ${r.date}: ${r.edition.status}${r.edition.reason ? ` (${r.edition.reason})` : ''}${r.edition.created ? `, ${r.edition.deliveries} deliveries prepared` : ', already prepared'}`,
  );
  if (r.send) console.log(`send: ${r.send.sent} sent, ${r.send.retried} retrying, ${r.send.failed} failed, ${r.send.bounced} bounced`);
}

void prepareEdition;
try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`error: ${describeError(err)}`);
  process.exit(1);
}
