// Vitest globalSetup of the unit project: when no PostgreSQL server answered the probe in vitest.config.ts, the
// PostgreSQL test files were not registered (never skipped), and this says so loudly, at the start and again
// beside the summary, with how to run them.
import type { TestProject } from 'vitest/node';
import type { PgProbe } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The probe of PG_TEST_URL made when the configuration was loaded. */
    postgres: PgProbe;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  const probe = project.getProvidedContext().postgres;
  if (probe.ok) return undefined;
  const line = `\n*** PostgreSQL suite NOT run: no server at ${probe.url} (${probe.reason}). Start PostgreSQL (or set PG_TEST_URL) and run \`npm run test:postgres\`. ***\n`;
  process.stderr.write(line);
  return () => void process.stderr.write(line);
}
