// Vitest setupFile (unit project): the app's helper threads (MJML compiles, the preparation's ranking, the subscribe
// intake) start from the bundles of tests/helpers/build-entries.ts instead of their tsx entries (src/lib/worker-thread.ts,
// workerUrl), so a thread that starts (again, after it idled out) loads plain JavaScript instead of transpiling.
// Set before any test file imports the app's modules; with isolate: false, once per worker process.
import { inject } from 'vitest';

process.env.PAPERS_WORKER_BUNDLE_DIR = inject('entriesDir');
