// One sender process for bench:send's PostgreSQL runs: opens the Store on DATABASE_URL, says it is ready, waits for
// 'go', sends the edition with the real sendDue (the code `papers worker` runs), and reports what it sent with its
// own wall and CPU time. Started by bench-send.ts through fork (IPC).
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/store.js';
import { sendDue } from '../src/mail/send-edition.js';
import { createMailerFromConfig } from '../src/mail/mailer-from-config.js';
import { sendSettingsOf } from '../src/app.js';
import { fixedClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';

const config = loadConfig(process.env);
const clock = fixedClock(process.env.BENCH_NOW!);
const { store } = await openStore(config.database, { pool: { max: 3, applicationName: 'bench-send-worker' } });
const mailer = createMailerFromConfig(config, { clock });
process.send!({ ready: true });
await new Promise<void>((resolve) => process.once('message', () => resolve()));
const c0 = process.cpuUsage();
const t0 = performance.now();
const outcome = await sendDue({ store, mailer, clock, logger: silentLogger() }, sendSettingsOf(config), {
  editionId: Number(process.env.BENCH_EDITION_ID),
  waitForRetries: false,
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
await mailer.close();
await store.close();
process.send!({ sent: outcome.sent, failed: outcome.failed, remaining: outcome.remaining, ms, cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
