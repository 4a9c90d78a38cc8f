// Vitest setupFile (unit project): the app's helper threads (MJML compiles, the preparation's ranking, the subscribe
// intake) start from the bundles of tests/helpers/build-entries.ts instead of their tsx entries (src/lib/worker-thread.ts,
// workerUrl), so a thread that starts (again, after it idled out) loads plain JavaScript instead of transpiling.
// Started once, they stay for the whole run (PAPERS_WORKER_IDLE_MS): the 10 s after which an idle thread stops in the
// app is often exceeded between two test files that render or rank, and each restart costs a second of CPU (MJML's
// modules, the ranking's); an idle thread does not keep the process alive. Set before any test file imports the app's
// modules; with isolate: false, once per worker process.
import { inject } from 'vitest';

process.env.PAPERS_WORKER_BUNDLE_DIR = inject('entriesDir');
process.env.PAPERS_WORKER_IDLE_MS = String(60 * 60_000);
