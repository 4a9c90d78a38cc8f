// The preparation's helper thread, over its own connections: it ranks the edition date (loading the candidate window
// — thousands of papers and their observations — and scoring it is hundreds of milliseconds of one synchronous run)
// and, while the steps commit, checkpoints the WAL (SQLite's automatic checkpoint would copy pages into the database
// file and fsync it inside one of the server thread's commits every ~4 MB: hundreds of milliseconds on a busy disk).
// One thread for both, so the preparation adds one isolate's memory, not two. Answers are plain data.
import { parentPort } from 'node:worker_threads';
import { openDatabase, type Db } from '../db/open.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { editionWindow, type RankSettings } from '../rank/edition.js';
import { rankTrending } from '../rank/score.js';
import type { Candidate, ScoredPaper, TrendParams } from '../rank/types.js';

export type PrepareThreadRequest =
  | { kind: 'rank'; databasePath: string; date: string; settings: RankSettings; trends: TrendParams[] }
  | { kind: 'checkpoint'; databasePath: string };
export type PrepareThreadAnswer = { id: number } & (
  | { candidates: Candidate[]; trending: ScoredPaper[][] }
  | { frames: number; copied: number }
  | { error: string }
);

/** The checkpoint connection, kept open while checkpoints are asked for. */
const writers = new Map<string, Db>();

parentPort!.on('message', (r: PrepareThreadRequest & { id: number }) => {
  let answer: PrepareThreadAnswer;
  try {
    answer = r.kind === 'rank' ? { id: r.id, ...rank(r) } : { id: r.id, ...checkpoint(r.databasePath) };
  } catch (err) {
    answer = { id: r.id, error: (err as Error).message };
  }
  parentPort!.postMessage(answer);
});

function rank(r: Extract<PrepareThreadRequest, { kind: 'rank' }>): { candidates: Candidate[]; trending: ScoredPaper[][] } {
  const db = openDatabase(r.databasePath, { readonly: true });
  try {
    const w = editionWindow(r.date, r.settings);
    const candidates = createCandidatesRepo(db).load(w.from, w.asOf, w.asOf);
    const trending = r.trends.map((t) => rankTrending(candidates, { asOf: new Date(w.asOf), publication: new Date(w.publication) }, t));
    return { candidates, trending };
  } finally {
    db.close();
  }
}

function checkpoint(databasePath: string): { frames: number; copied: number } {
  let db = writers.get(databasePath);
  if (!db) writers.set(databasePath, (db = openDatabase(databasePath, { busyTimeoutMs: 1000 })));
  // PASSIVE: copies what it can without waiting for (or blocking) the writer.
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  return { frames: row?.log ?? 0, copied: row?.checkpointed ?? 0 };
}
