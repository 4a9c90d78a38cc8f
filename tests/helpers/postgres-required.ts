// Vitest globalSetup of the `postgres` project (npm run test:postgres): without a reachable server the run fails,
// loudly, before any test; it never turns into skipped tests. With a server, it migrates the template the tests copy
// their databases from (tests/helpers/postgres.ts), and drops it at the end.
import type { TestProject } from 'vitest/node';
import { createMigratedTemplate } from './postgres.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const probe = project.getProvidedContext().postgres;
  if (!probe.ok)
    throw new Error(`npm run test:postgres needs a PostgreSQL server: none at ${probe.url} (${probe.reason}). Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set PG_TEST_URL.`);
  const template = await createMigratedTemplate();
  project.provide('pgTemplate', template.name);
  return () => template.drop();
}
