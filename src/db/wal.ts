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

type CheckpointRow = { busy: number; log: number; checkpointed: number };

/** A PASSIVE checkpoint: copies what it can without waiting for (or blocking) the writer. */
export function passiveCheckpoint(db: Db): { frames: number; copied: number } {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
  return { frames: row?.log ?? 0, copied: row?.checkpointed ?? 0 };
}

/**
 * Starts the WAL over and cuts its file to nothing (a TRUNCATE checkpoint), only if that can be done at once: with
 * the busy timeout at 0 it never waits for a writer or a reader, and answers false when one was there. It holds the
 * write lock while it runs, so a writer on another thread may wait as long as it takes: call it when the WAL is
 * already copied (after a PASSIVE checkpoint), so that only the cut is left.
 */
export function truncateWalIfIdle(db: Db): boolean {
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointRow[];
    return row?.busy === 0;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
