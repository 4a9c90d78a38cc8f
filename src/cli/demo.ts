// CLI subcommand `demo`.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createApp } from '../app.js';
import { runDailyJob } from '../jobs/daily.js';
import { subscriberUrls } from '../http/links.js';
import { fixedClock } from '../lib/clock.js';
import { buildHttpApp } from '../http/build-app.js';
import { loadCliConfig, printDaily } from './shared.js';
import type { CliIo } from './io.js';

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('ingest the bundled sample week, mail its last day to a demo subscriber (outbox) and serve the pages')
    .option('--no-serve', 'do not start the web server')
    .action(async (o: { serve: boolean }) => {
      const config = loadCliConfig(io, { LOG_LEVEL: 'warn' });
      // The sample is a real week (2026-08-17 … 21): pretend it is the morning after it, so ranking sees it fresh.
      const clock = fixedClock('2026-08-21T07:00:00.000Z');
      const app = createApp(config, { clock });
      const date = '2026-08-21';
      const email = 'demo@example.com';
      const sub =
        (await app.store.getSubscriberByEmail(email)) ??
        { id: await app.store.createSubscriber({ email, status: 'active', now: clock.now().toISOString(), topics: ['agents', 'diffusion'] }) };
      const r = await runDailyJob(app, { date });
      printDaily(r, io);
      const urls = subscriberUrls(config.publicBaseUrl, config.secretKey, sub.id);
      const outbox = app.mailer.kind === 'outbox' ? resolve(config.mail.outboxDir) : `SMTP ${config.mail.smtpUrl}`;
      io.out(`\nEmails: ${outbox}`);
      if (!o.serve) {
        await app.close();
        return;
      }
      const http = await buildHttpApp(app);
      await http.listen({ host: config.host, port: config.port });
      const base = config.publicBaseUrl;
      io.out(`\nServing on ${base}  (Ctrl-C to stop)
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
}
