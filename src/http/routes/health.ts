// Liveness (/healthz: the process answers and the database is reachable — nothing more, so a full disk never gets
// the process restarted) and readiness (/readyz: every migration applied, a write really commits — the last real
// commits and a tiny rate-limited write probe — the disk has more free space than DISK_FREE_FLOOR_MB, and the
// process is not shutting down). Readiness fails first on SIGTERM, so a load balancer stops sending traffic
// before the server closes.
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { SubscriberStore } from '../../db/stores/subscribers.js';
import { readMigrations } from '../../db/migrate.js';
import { PG_MIGRATIONS_DIR } from '../../db/postgres/migrate.js';

export interface Lifecycle {
  /** True from the moment a shutdown signal arrived. */
  stopping(): boolean;
}

export const healthRoutes: FastifyPluginAsync<{ app: AppDeps; lifecycle?: Lifecycle | undefined }> = async (fastify, { app, lifecycle }) => {
  // Each engine has its own migrations directory (the PostgreSQL twins).
  const expected = readMigrations(app.store.engine === 'postgres' ? PG_MIGRATIONS_DIR : undefined).map((m) => m.version);

  fastify.get('/healthz', async (_req, reply) => {
    try {
      await app.store.pingDatabase();
      return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
    } catch {
      return reply.code(503).send({ status: 'error', error: { code: 'DB_UNAVAILABLE', message: 'database not reachable' } });
    }
  });

  fastify.get('/readyz', async (_req, reply) => {
    const pending = await pendingMigrations(app.store, expected);
    const writes = app.writeHealth.check();
    const checks = {
      migrations: pending === null ? { ok: false, error: 'database not reachable' } : { ok: pending.length === 0, pending },
      database: writes.database,
      disk: writes.disk,
      shutdown: { ok: !(lifecycle?.stopping() ?? false) },
    };
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready', checks });
  });
};

/** Expected versions not recorded as applied; null when the database cannot be read. */
async function pendingMigrations(store: Pick<SubscriberStore, 'appliedMigrations'>, expected: number[]): Promise<number[] | null> {
  try {
    const applied = new Set(await store.appliedMigrations());
    return expected.filter((v) => !applied.has(v));
  } catch {
    return null;
  }
}
