// Vitest globalSetup of the `postgres` project (npm run test:postgres): without a reachable server the run fails,
// loudly, before any test; it never turns into skipped tests.
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  const probe = project.getProvidedContext().postgres;
  if (!probe.ok)
    throw new Error(`npm run test:postgres needs a PostgreSQL server: none at ${probe.url} (${probe.reason}). Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set PG_TEST_URL.`);
}
