// The ranking thread: loading the candidate window (thousands of papers and their observations) and scoring it takes
// hundreds of milliseconds of one synchronous run, which on the server's thread would stall every request. The daily
// job's preparation asks here (rank/off-thread.ts) over its own read-only connection; the answer is plain data.
import { parentPort } from 'node:worker_threads';
import { openDatabase } from '../db/open.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { editionWindow, type RankSettings } from './edition.js';
import { rankTrending } from './score.js';
import type { Candidate, ScoredPaper, TrendParams } from './types.js';

export interface RankRequest {
  id?: number;
  databasePath: string;
  date: string;
  settings: RankSettings;
  /** The trend parameters to rank with (the daily ones, and the weekly ones on WEEKLY_DIGEST_DAY). */
  trends: TrendParams[];
}
export type RankAnswer = { id: number } & ({ candidates: Candidate[]; trending: ScoredPaper[][] } | { error: string });

parentPort!.on('message', (r: RankRequest & { id: number }) => parentPort!.postMessage(rank(r)));

function rank(r: RankRequest & { id: number }): RankAnswer {
  try {
    return rankWith(r);
  } catch (err) {
    return { id: r.id, error: (err as Error).message };
  }
}

function rankWith(r: RankRequest & { id: number }): RankAnswer {
  const db = openDatabase(r.databasePath, { readonly: true });
  try {
    const w = editionWindow(r.date, r.settings);
    const candidates = createCandidatesRepo(db).load(w.from, w.asOf, w.asOf);
    const trending = r.trends.map((t) => rankTrending(candidates, { asOf: new Date(w.asOf), publication: new Date(w.publication) }, t));
    return { id: r.id, candidates, trending };
  } finally {
    db.close();
  }
}
