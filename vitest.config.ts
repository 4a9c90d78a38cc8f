import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs only npm packages (npm test); `browser` needs Debian chromium;
// `deliverability` needs Debian spamassassin. The latter two fail loudly when their package is missing.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/browser/**', 'tests/deliverability/**'],
          // Bundles the entries that process tests (kill -9, SIGTERM) start as child processes, once per run.
          globalSetup: ['tests/helpers/build-entries.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } },
      { test: { name: 'deliverability', include: ['tests/deliverability/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
