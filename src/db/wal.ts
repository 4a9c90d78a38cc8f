// The WAL checkpoint settings of a SQLite connection, for the preparation, which checkpoints on a helper thread
// instead of on the server's (src/digest/prepare-thread.ts, prepare-worker.ts).
import type { Db } from './open.js';

/** The connection's automatic checkpoint threshold in pages (0: off). */
export const autoCheckpointPages = (db: Db): number => db.pragma('wal_autocheckpoint', { simple: true }) as number;

export function setAutoCheckpointPages(db: Db, pages: number): void {
  db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
}

/** How many WAL frames (one page each) hold `bytes`: the preparation's bound on the WAL is counted in frames. */
export function walFramesFor(db: Db, bytes: number): number {
  return Math.max(1, Math.floor(bytes / (db.pragma('page_size', { simple: true }) as number)));
}

/** A PASSIVE checkpoint: copies what it can without waiting for (or blocking) the writer. */
export function passiveCheckpoint(db: Db): { frames: number; copied: number } {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  return { frames: row?.log ?? 0, copied: row?.checkpointed ?? 0 };
}
