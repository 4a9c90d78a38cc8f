// A daily run in its own process, for the abandoned-run test: builds the real app from its environment with a
// fixed clock (DAILY_NOW), runs the daily job for DAILY_DATE and prints "sending" when the send stage starts,
// so the test can kill -9 it in the middle of its run.
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { runDailyJob } from '../../src/jobs/daily.js';

const app = createApp(loadConfig(process.env), { clock: fixedClock(process.env.DAILY_NOW!), logger: silentLogger() });
await runDailyJob(app, {
  date: process.env.DAILY_DATE!,
  skipIngest: true,
  trigger: 'schedule',
  onStage: (stage) => {
    if (stage === 'send') process.stdout.write('sending\n');
  },
});
await app.close();
process.exit(0);
