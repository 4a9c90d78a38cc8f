// Vitest globalSetup of the unit project: when no PostgreSQL server answered the probe in vitest.config.ts, the
// PostgreSQL test files were not registered (never skipped), and this says so loudly, at the start and again
// beside the summary, with how to run them. When it did answer, this migrates the template the PostgreSQL tests copy
// their databases from (tests/helpers/postgres.ts), and drops it at the end.
import type { TestProject } from 'vitest/node';
import { createMigratedTemplate, type PgProbe } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The probe of PG_TEST_URL made when the configuration was loaded. */
    postgres: PgProbe;
    /** A migrated database that migrated test databases are created from (CREATE DATABASE … TEMPLATE). */
    pgTemplate?: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void> | void> {
  const probe = project.getProvidedContext().postgres;
  if (probe.ok) {
    const template = await createMigratedTemplate();
    project.provide('pgTemplate', template.name);
    return () => template.drop();
  }
  const line = `\n*** PostgreSQL suite NOT run: no server at ${probe.url} (${probe.reason}). Start PostgreSQL (or set PG_TEST_URL) and run \`npm run test:postgres\`. ***\n`;
  process.stderr.write(line);
  return () => void process.stderr.write(line);
}
