// A second process for the "never twice across processes" test: builds the real app from its environment
// with a fixed clock (TICK_NOW), says "ready", waits for "go" on stdin, runs one scheduler tick, prints it.
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createJobRunner } from '../../src/jobs/runner.js';
import { createScheduler } from '../../src/jobs/scheduler.js';

const app = createApp(loadConfig(process.env), { clock: fixedClock(process.env.TICK_NOW!), logger: silentLogger() });
const scheduler = createScheduler(app, createJobRunner(app.logger));
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;
const result = await scheduler.tick('test');
scheduler.stop();
await app.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
