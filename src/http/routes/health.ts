// Liveness (/healthz: the process answers and the database is reachable) and readiness (/readyz: every
// migration applied, the database takes writes, the process is not shutting down). Readiness fails first on
// SIGTERM, so a load balancer stops sending traffic before the server closes.
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { Db } from '../../db/open.js';
import { readMigrations } from '../../db/migrate.js';

export interface Lifecycle {
  /** True from the moment a shutdown signal arrived. */
  stopping(): boolean;
}

export const healthRoutes: FastifyPluginAsync<{ app: AppDeps; lifecycle?: Lifecycle | undefined }> = async (fastify, { app, lifecycle }) => {
  const expected = readMigrations().map((m) => m.version);

  fastify.get('/healthz', async (_req, reply) => {
    try {
      app.db.prepare('SELECT 1').get();
      return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
    } catch {
      return reply.code(503).send({ status: 'error', error: { code: 'DB_UNAVAILABLE', message: 'database not reachable' } });
    }
  });

  fastify.get('/readyz', async (_req, reply) => {
    const pending = pendingMigrations(app.db, expected);
    const checks = {
      migrations: pending === null ? { ok: false, error: 'database not reachable' } : { ok: pending.length === 0, pending },
      database: databaseWritable(app.db),
      shutdown: { ok: !(lifecycle?.stopping() ?? false) },
    };
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready', checks });
  });
};

function pendingMigrations(db: Db, expected: number[]): number[] | null {
  try {
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    return expected.filter((v) => !applied.has(v));
  } catch {
    return null;
  }
}

/**
 * Takes and drops the write lock. Another writer holding it (SQLITE_BUSY) still means a writable database;
 * a read-only file, a full disk or a closed connection does not. The short busy timeout keeps the probe fast.
 */
function databaseWritable(db: Db): { ok: boolean; error?: string } {
  if (!db.open) return { ok: false, error: 'database closed' };
  // Our own open transaction holds the write lock already (cannot happen across an await, but be exact).
  if (db.inTransaction) return { ok: true };
  const previous = db.pragma('busy_timeout', { simple: true }) as number;
  try {
    db.pragma('busy_timeout = 100');
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return { ok: true };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'UNKNOWN';
    return code === 'SQLITE_BUSY' ? { ok: true } : { ok: false, error: code };
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${previous}`);
  }
}
