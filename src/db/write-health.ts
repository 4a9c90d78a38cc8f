// Whether the database can take a write that commits, for /readyz: the outcome of real commits (the subscribe
// intake reports each batch, HTTP routes their failed writes), a tiny real write (health_probe, at most once per
// probe interval) and the free space of the database's filesystem against a floor.
// Invariant: a failed real commit keeps the database "not writable" until a later real commit succeeds or
// FAILURE_MEMORY_MS passes — a tiny probe row can still fit on a disk too full for real writes, so a probe's
// success does not clear it.
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Db } from './open.js';
import { classifyWriteError, sqliteCode } from './sqlite-errors.js';

export const FAILURE_MEMORY_MS = 60_000;

export interface WriteHealthOptions {
  db: Db;
  databasePath: string;
  clock: { now(): Date };
  /** The write probe and the disk check run at most this often; /readyz answers from the last result meanwhile. */
  probeIntervalMs: number;
  /** Below this many free bytes on the database's filesystem the service is not ready (0: no check). */
  diskFloorBytes: number;
  /** Free bytes of the filesystem holding `path` (default: statfs). */
  freeBytes?: (path: string) => number;
}

export interface DatabaseCheck {
  ok: boolean;
  error?: string;
  /** When the real write that makes it not ready failed. */
  failedAt?: string;
}

export interface DiskCheck {
  ok: boolean;
  freeBytes: number | null;
  floorBytes: number;
  error?: string;
}

export interface WriteHealth {
  /** A real commit's outcome: ok, or the SQLite code that stopped it (contention is not a failure). */
  record(ok: boolean, code: string | null): void;
  /** Records a thrown error when it says the database cannot take writes. */
  recordError(err: unknown): void;
  check(): { database: DatabaseCheck; disk: DiskCheck };
}

const statfsFree = (path: string) => {
  const s = statfsSync(path);
  return Number(s.bavail) * Number(s.bsize);
};

/**
 * What real commits said: a failure that means "cannot write now" is remembered until a later real commit succeeds
 * or FAILURE_MEMORY_MS passes, and outweighs a successful probe (a tiny probe row can fit where real rows do not).
 */
function realWriteMemory(now: () => number, unwritable: (code: string | null) => boolean) {
  let lastFailure: { at: number; code: string } | undefined;
  let lastSuccessAt = Number.NEGATIVE_INFINITY;
  return {
    record(ok: boolean, code: string | null): void {
      if (ok) lastSuccessAt = now();
      else if (unwritable(code)) lastFailure = { at: now(), code: code ?? 'UNKNOWN' };
    },
    /** The database's state: the probe's failure first, then a remembered real failure, else ok. */
    verdict(probe: DatabaseCheck): DatabaseCheck {
      const t = now();
      const recent = lastFailure && lastFailure.at > lastSuccessAt && t - lastFailure.at < FAILURE_MEMORY_MS ? lastFailure : undefined;
      if (!probe.ok) return probe;
      return recent ? { ok: false, error: recent.code, failedAt: new Date(recent.at).toISOString() } : { ok: true };
    },
  };
}

export function createWriteHealth(o: WriteHealthOptions): WriteHealth {
  const probeStatement = () =>
    o.db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at');
  let cached: { at: number; probe: DatabaseCheck; disk: DiskCheck } | undefined;
  const folder = o.databasePath === ':memory:' ? undefined : dirname(resolve(o.databasePath));
  const now = () => o.clock.now().getTime();
  const memory = realWriteMemory(now, (code) => classifyWriteError({ code }) === 'unwritable');
  const record = memory.record;

  /** One committed write of one row. A busy database (another writer) still takes writes. */
  const probe = (): DatabaseCheck => {
    if (!o.db.open) return { ok: false, error: 'database closed' };
    if (o.db.inTransaction) return { ok: true };
    const previous = o.db.pragma('busy_timeout', { simple: true }) as number;
    try {
      o.db.pragma('busy_timeout = 100');
      o.db.transaction(() => probeStatement().run(o.clock.now().toISOString())).immediate();
      return { ok: true };
    } catch (err) {
      const code = sqliteCode(err) ?? 'UNKNOWN';
      return classifyWriteError(err) === 'contention' ? { ok: true } : { ok: false, error: code };
    } finally {
      if (o.db.open) o.db.pragma(`busy_timeout = ${previous}`);
    }
  };

  const disk = (): DiskCheck => {
    if (!folder || o.diskFloorBytes <= 0) return { ok: true, freeBytes: null, floorBytes: o.diskFloorBytes };
    try {
      const freeBytes = (o.freeBytes ?? statfsFree)(folder);
      return { ok: freeBytes >= o.diskFloorBytes, freeBytes, floorBytes: o.diskFloorBytes };
    } catch (err) {
      return { ok: false, freeBytes: null, floorBytes: o.diskFloorBytes, error: (err as { code?: string }).code ?? 'UNKNOWN' };
    }
  };

  return {
    record,
    recordError(err) {
      const code = sqliteCode(err);
      if (code && classifyWriteError(err) === 'unwritable') record(false, code);
    },
    check() {
      const t = now();
      if (!o.db.open) return { database: { ok: false, error: 'database closed' }, disk: disk() };
      if (!cached || t - cached.at >= o.probeIntervalMs || t < cached.at) cached = { at: t, probe: probe(), disk: disk() };
      return { database: memory.verdict(cached.probe), disk: cached.disk };
    },
  };
}

/** PostgreSQL's SQLSTATE classes that mean "cannot take writes now": insufficient resources (53: disk full, out of
 * memory, too many connections), a read-only transaction (25006: a standby or default_transaction_read_only),
 * an operator intervention (57P: shutdown, crash recovery) and a lost connection (08, or the socket's own errors). */
export function postgresUnwritable(code: string | null): boolean {
  if (!code) return false;
  return /^(53|08|57P)/.test(code) || code === '25006' || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND)$/.test(code);
}

export interface StoreWriteHealthOptions {
  /** One committed write of one row (the Store's `probeWrite`). */
  probe: (now: string) => Promise<void>;
  clock: { now(): Date };
  probeIntervalMs: number;
}

/**
 * Write health of a database server (PostgreSQL): the same rules as SQLite's, but the probe is a round trip, so
 * `check()` answers from the last probe's result and starts the next one when it is stale (readiness is polled: the
 * answer is at most one interval old). The disk is the server's, not this machine's: no local disk check.
 */
export function createStoreWriteHealth(o: StoreWriteHealthOptions): WriteHealth {
  // The store was opened (connected and migrated) just before: writable until a probe says otherwise.
  let probed: { at: number; result: DatabaseCheck } = { at: o.clock.now().getTime(), result: { ok: true } };
  let probing = false;
  const now = () => o.clock.now().getTime();
  const codeOf = (err: unknown): string => {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
  };
  const memory = realWriteMemory(now, postgresUnwritable);
  const record = memory.record;
  const refresh = () => {
    if (probing) return;
    probing = true;
    const at = now();
    o.probe(new Date(at).toISOString()).then(
      () => (probed = { at, result: { ok: true } }),
      (err: unknown) => {
        const code = codeOf(err);
        // Contention (serialization failure, lock wait) still means writes commit; anything else is not ready.
        probed = { at, result: /^40/.test(code) || code === '55P03' ? { ok: true } : { ok: false, error: code } };
      },
    ).finally(() => (probing = false));
  };
  return {
    record,
    recordError(err) {
      const code = codeOf(err);
      if (postgresUnwritable(code)) record(false, code);
    },
    check() {
      const t = now();
      if (t - probed.at >= o.probeIntervalMs || t < probed.at) refresh();
      return { database: memory.verdict(probed.result), disk: { ok: true, freeBytes: null, floorBytes: 0 } };
    },
  };
}
