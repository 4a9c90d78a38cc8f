// The server thread's side of the preparation's helper thread (prepare-worker.ts): the ranking of an edition date,
// and WAL checkpoints while the preparation's steps commit, both off the event loop.
import type { Db } from '../db/open.js';
import { autoCheckpointPages, setAutoCheckpointPages, walFramesFor } from '../db/wal.js';
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
 * The WAL the steps let grow before they wait for a checkpoint. A PASSIVE checkpoint while the steps commit never
 * catches up with them (they append while it copies), and the WAL starts over from its beginning only once everything
 * in it is copied: without a wait it grew by everything the preparation wrote (2.2 GB at a million readers, as much
 * again as the day's rows, on the same disk).
 */
export const WAL_HOLD_BYTES = 64 * 1024 * 1024;

/**
 * Turns this connection's automatic checkpoint off; `tick` (called between commits) asks the helper thread for a
 * PASSIVE checkpoint at most every `everyMs` (CHECKPOINT_EVERY_MS), one at a time, and, once the WAL has passed
 * `holdBytes` (WAL_HOLD_BYTES), returns a checkpoint for the steps to await: with no step writing meanwhile it copies
 * the whole WAL, then starts it over and cuts its file to nothing there, on the helper thread (prepare-worker.ts
 * checkpoint says why not at the next commit here). The steps wait, the event loop does not. `stop` turns the
 * automatic checkpoint back on. `onCheckpoint` hears of each checkpoint: the WAL's length in frames as counted here,
 * and whether the steps waited for it.
 */
export function checkpointsOffThread(
  db: Db,
  o: {
    onCheckpoint?: ((c: { startedAt: number; ms: number; frames: number; held: boolean }) => void) | undefined;
    holdBytes?: number | undefined;
    everyMs?: number | undefined;
  } = {},
): { tick(): Promise<void> | undefined; stop(): Promise<void> } {
  const { onCheckpoint, holdBytes = WAL_HOLD_BYTES, everyMs = CHECKPOINT_EVERY_MS } = o;
  const file = db.name;
  if (!file || db.memory) return { tick: () => undefined, stop: async () => {} };
  const before = autoCheckpointPages(db);
  setAutoCheckpointPages(db, 0);
  const holdFrames = walFramesFor(db, holdBytes);
  let inFlight: Promise<unknown> | undefined;
  let last = performance.now();
  // The WAL's length at the last checkpoint (a PASSIVE checkpoint answers it: the frames since the WAL last started
  // over), 0 after a wait that copied all of it (the next commit starts it over: it begins with nothing left to copy),
  // and the length at which the steps wait: the bound, or a bound further when a wait could not copy everything (a
  // reader held on to part of it), so that they do not wait after every step. A checkpoint that ran while steps
  // committed may have copied all it saw, but not what they added meanwhile: only a wait starts the WAL over.
  let walFrames = 0;
  let holdAt = holdFrames;
  // A failed checkpoint only leaves the WAL longer: the next one, or SQLite's own once restored, catches up.
  const checkpoint = (held: boolean) => {
    const startedAt = performance.now();
    return (inFlight = ask({ kind: 'checkpoint', databasePath: file, truncate: held })
      .then((a) => {
        if (!('frames' in a)) return a;
        walFrames = held && a.copied >= a.frames ? 0 : a.frames;
        if (walFrames < holdFrames) holdAt = holdFrames;
        else if (held) holdAt = walFrames + holdFrames;
        return a;
      })
      .finally(() => {
        inFlight = undefined;
        last = performance.now();
        onCheckpoint?.({ startedAt, ms: last - startedAt, frames: walFrames, held });
      }));
  };
  const settle = async () => {
    await inFlight?.catch(() => {});
    await checkpoint(true).catch(() => {});
  };
  return {
    tick() {
      if (walFrames >= holdAt) {
        walFrames = 0; // asked once; the checkpoint below measures it again
        return settle();
      }
      if (!inFlight && performance.now() - last >= everyMs) void checkpoint(false).catch(() => {});
      return undefined;
    },
    /** A last checkpoint (and cut) on the thread first: else the next commit here would copy what the WAL still holds, and cut it. */
    async stop() {
      await settle();
      if (db.open) setAutoCheckpointPages(db, before);
    },
  };
}
