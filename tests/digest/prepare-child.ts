// An edition prepared in its own process, for the crash test: builds the real app from its environment with a fixed
// clock (PREPARE_NOW), prepares PREPARE_DATE in small steps (PREPARE_PAGE_SIZE readers a page, PREPARE_STEP_MS a
// step, optionally pausing after each) and prints "step <prepared through>" after each, so the test can act while it is mid-preparation and kill -9 it.
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { prepareEditionInSteps } from '../../src/digest/prepare.js';

// A pause after each step (PREPARE_STEP_PAUSE_MS, blocking: onStep is synchronous) keeps the child far from the end
// however fast the machine is, so the test's kill always lands mid-preparation.
const pauseMs = Number(process.env.PREPARE_STEP_PAUSE_MS ?? 0);
const pause = new Int32Array(new SharedArrayBuffer(4));
const app = createApp(loadConfig(process.env), { clock: fixedClock(process.env.PREPARE_NOW!), logger: silentLogger() });
await prepareEditionInSteps(app, process.env.PREPARE_DATE!, app.prepareSettings, {
  pageSize: Number(process.env.PREPARE_PAGE_SIZE ?? 500),
  stepBudgetMs: Number(process.env.PREPARE_STEP_MS ?? 40),
  onStep: (p) => {
    process.stdout.write(`step ${p.preparedThrough}\n`);
    if (pauseMs > 0) Atomics.wait(pause, 0, 0, pauseMs);
  },
});
process.stdout.write('done\n');
await app.close();
process.exit(0);
