// The server thread's side of the preparation's helper thread (prepare-worker.ts): the ranking of an edition date,
// and WAL checkpoints while the preparation's steps commit, both off the event loop.
import type { Db } from '../db/open.js';
import { autoCheckpointPages, setAutoCheckpointPages } from '../db/wal.js';
import { workerThread, workerUrl } from '../lib/worker-thread.js';
import type { Precomputed, RankSettings } from '../rank/edition.js';
import type { Candidate, ScoredPaper, TrendParams } from '../rank/types.js';
import type { PrepareThreadAnswer, PrepareThreadRequest } from './prepare-worker.js';

const ask = workerThread<PrepareThreadRequest, PrepareThreadAnswer>(workerUrl('prepare-worker', import.meta.url));

/**
 * Ranks `date` on the helper thread, for each of `trends`. The same answer as ranking here: the ranking of a date is
 * a function of the stored observations and the date (rank/edition.ts). It arrives in parts, a message each, so
 * the event loop is never held by deserializing all of it at once. Its candidates carry only the observations that
 * decide their latest counters (prepare-worker.ts countersOnly): enough for the preparation, which ranks nothing
 * itself when every trend it uses is among `trends`; not for ranking them again.
 */
export async function rankOffThread(r: {
  databasePath: string;
  date: string;
  settings: RankSettings;
  trends: TrendParams[];
  /** Papers per part (500 unless told: tests hand a small ranking over in several). */
  partSize?: number | undefined;
}): Promise<Precomputed> {
  const a = await ask({ kind: 'rank', ...r });
  if ('error' in a) throw new Error(`ranking ${r.date} failed: ${a.error}`);
  if (!('parts' in a)) throw new Error('the preparation thread answered a ranking with something else');
  const candidates: Candidate[] = [];
  const lists: ScoredPaper[][] = r.trends.map(() => []);
  for (let part = 0; part < a.parts; part++) {
    const p = await ask({ kind: 'rank-part', ranking: a.ranking, part });
    if ('error' in p) throw new Error(`ranking ${r.date} failed: ${p.error}`);
    if (!('candidates' in p)) throw new Error('the preparation thread answered a part of a ranking with something else');
    for (const c of p.candidates) candidates.push(c);
    p.trending.forEach((l, i) => {
      for (const s of l) lists[i]!.push(s);
    });
  }
  return { candidates, trending: r.trends.map((trend, i) => ({ trend, list: lists[i]! })) };
}

/**
 * The preparation is over: the thread stops now instead of 10 s later. Its heap and its SQLite connection's cache
 * (tens of MB) would otherwise overlap the start of the send, which was the process's peak RSS in the soak.
 */
export function releasePreparationThread(): void {
  ask.release();
}

const CHECKPOINT_EVERY_MS = 1000;

/**
 * Turns this connection's automatic checkpoint off; `tick` (called between commits) asks the helper thread for a
 * PASSIVE checkpoint at most every CHECKPOINT_EVERY_MS, one at a time; `stop` turns the automatic one back on.
 */
export function checkpointsOffThread(db: Db, onCheckpoint?: (c: { startedAt: number; ms: number }) => void): { tick(): void; stop(): Promise<void> } {
  const file = db.name;
  if (!file || db.memory) return { tick() {}, stop: async () => {} };
  const before = autoCheckpointPages(db);
  setAutoCheckpointPages(db, 0);
  let inFlight: Promise<unknown> | undefined;
  let last = performance.now();
  // A failed checkpoint only leaves the WAL longer: the next one, or SQLite's own once restored, catches up.
  const checkpoint = () => {
    const startedAt = performance.now();
    return (inFlight = ask({ kind: 'checkpoint', databasePath: file }).finally(() => {
      inFlight = undefined;
      last = performance.now();
      onCheckpoint?.({ startedAt, ms: last - startedAt });
    }));
  };
  return {
    tick() {
      if (!inFlight && performance.now() - last >= CHECKPOINT_EVERY_MS) void checkpoint();
    },
    /** A last checkpoint on the thread first: else the next commit here would copy what the WAL still holds. */
    async stop() {
      await inFlight;
      await checkpoint();
      if (db.open) setAutoCheckpointPages(db, before);
    },
  };
}
