import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { pgAvailable } from './tests/helpers/postgres.js';

// Four projects: `unit` needs only npm packages (npm test); `browser` needs Debian chromium; `deliverability` needs
// Debian spamassassin; `postgres` needs a PostgreSQL server (PG_TEST_URL, default the local one). The last three fail
// loudly when what they need is missing. `unit` also runs the PostgreSQL tests when the server answers; when it does
// not, they are not registered at all (never skipped) and tests/helpers/postgres-suite.ts says so loudly.
export default defineConfig(async () => {
  const postgres = await pgAvailable();
  return {
    test: {
      projects: [
        {
          test: {
            name: 'unit',
            include: ['tests/**/*.test.ts'],
            // The many-instances run (2 web processes, 3 senders, 3,000 readers: half a minute) belongs to the PostgreSQL
            // suite alone (`npm run test:postgres`, which CI runs): in npm test it would double the suite's time.
            exclude: ['tests/browser/**', 'tests/deliverability/**', ...(postgres.ok ? ['tests/postgres/instances.test.ts'] : ['tests/postgres/**'])],
            provide: { postgres },
            // Bundles the entries that process tests (kill -9, SIGTERM) start as child processes, once per run.
            globalSetup: ['tests/helpers/build-entries.ts', 'tests/helpers/postgres-suite.ts'],
            // The app's helper threads start from those bundles too, not through tsx.
            setupFiles: ['tests/helpers/bundled-workers.ts'],
            // Test files share their worker's module cache instead of importing fastify, zod & co. again in a fresh
            // process each: this halves the suite's CPU time. It asks of every test file what tests owe each other
            // anyway: close what they open (apps, servers) and put back what they change (process.env).
            isolate: false,
            // Vitest's default (cores − 1) is one worker on a 2-core machine; the tests wait on sockets, timers and
            // child processes much of the time, so two keep both cores busy.
            maxWorkers: Math.max(2, availableParallelism() - 1),
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
        { test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } },
        { test: { name: 'deliverability', include: ['tests/deliverability/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
        {
          test: {
            name: 'postgres',
            // The PostgreSQL tests, the Store's contract suite (which runs each repository on both engines) and the
            // end-to-end daily pipeline (the real app on both engines, tests/e2e).
            include: ['tests/postgres/**/*.test.ts', 'tests/db/contract/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
            provide: { postgres },
            // The workers test starts the bundled CLI as real processes, as the unit project's process tests do.
            globalSetup: ['tests/helpers/build-entries.ts', 'tests/helpers/postgres-required.ts'],
            setupFiles: ['tests/helpers/bundled-workers.ts'],
            // As in `unit`, which runs these same files that way: one module cache per worker, not one per file.
            isolate: false,
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  };
});
