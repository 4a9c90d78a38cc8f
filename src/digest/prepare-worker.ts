// The preparation's helper thread, over its own connections: it ranks the edition date (loading the candidate window
// — thousands of papers and their observations — and scoring it is hundreds of milliseconds of one synchronous run)
// and, while the steps commit, checkpoints the WAL (SQLite's automatic checkpoint would copy pages into the database
// file and fsync it inside one of the server thread's commits every ~4 MB: hundreds of milliseconds on a busy disk).
// One thread for both, so the preparation adds one isolate's memory, not two. Answers are plain data.
// The ranking crosses to the server thread in parts (`rank` answers how many, `rank-part` hands over each): one
// message of all of it (~5 MB for 6,000 papers) took the server thread 230–300 ms (loaded machine) to deserialize,
// a part a few milliseconds, with the event loop free between parts. Candidates cross with only the observations
// the preparation reads on the server thread (prepare.ts latestCounters): the ranking itself is done here.
import { parentPort } from 'node:worker_threads';
import { openDatabase, type Db } from '../db/open.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { passiveCheckpoint, truncateWalIfIdle } from '../db/wal.js';
import { editionWindow, type RankSettings } from '../rank/edition.js';
import { rankTrending } from '../rank/score.js';
import type { Candidate, ObservationPoint, ScoredPaper, TrendParams } from '../rank/types.js';

export type PrepareThreadRequest =
  | { kind: 'rank'; databasePath: string; date: string; settings: RankSettings; trends: TrendParams[]; partSize?: number | undefined }
  | { kind: 'rank-part'; ranking: number; part: number }
  | { kind: 'checkpoint'; databasePath: string; truncate?: boolean | undefined };
export type PrepareThreadAnswer = { id: number } & (
  | { ranking: number; parts: number }
  | { candidates: Candidate[]; trending: ScoredPaper[][] }
  | { frames: number; copied: number }
  | { error: string }
);

/** The checkpoint connection, kept open while checkpoints are asked for. */
const writers = new Map<string, Db>();
/** Papers per part of a ranking handed over (each of its lists sliced alike). */
const PART = 500;
type Ranked = { candidates: Candidate[]; trending: ScoredPaper[][] };
/** Rankings not yet handed over in full, by the id of the request that ranked them (each is dropped after its last part). */
const rankings = new Map<number, Ranked & { partSize: number; length: number }>();

parentPort!.on('message', (r: PrepareThreadRequest & { id: number }) => {
  let answer: PrepareThreadAnswer;
  try {
    answer =
      r.kind === 'rank'
        ? { id: r.id, ...ranked(r.id, rank(r), r.partSize ?? PART) }
        : r.kind === 'rank-part'
          ? { id: r.id, ...part(r.ranking, r.part) }
          : { id: r.id, ...checkpoint(r.databasePath, r.truncate ?? false) };
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

function ranked(id: number, r: Ranked, partSize: number): { ranking: number; parts: number } {
  rankings.clear(); // one ranking at a time: one left over by a server thread that gave up on it is dropped
  const length = Math.max(r.candidates.length, ...r.trending.map((l) => l.length));
  rankings.set(id, { ...r, partSize, length });
  return { ranking: id, parts: Math.max(1, Math.ceil(length / partSize)) };
}

function part(id: number, i: number): Ranked {
  const r = rankings.get(id);
  if (!r) throw new Error(`no ranking ${id} to hand over`);
  const from = i * r.partSize;
  const to = from + r.partSize;
  if (to >= r.length) rankings.delete(id);
  return { candidates: r.candidates.slice(from, to).map(countersOnly), trending: r.trending.map((l) => l.slice(from, to)) };
}

/**
 * A candidate with only the observations that decide its latest counters (the last one with comments, the last
 * with stars, the first with any counter), in their order: what prepare.ts reads of them (latestCounters).
 */
function countersOnly(c: Candidate): Candidate {
  let comments: ObservationPoint | undefined;
  let stars: ObservationPoint | undefined;
  let counted: ObservationPoint | undefined;
  for (const o of c.observations) {
    if (o.comments !== null) comments = o;
    if (o.githubStars !== null) stars = o;
    if (!counted && (o.upvotes !== null || o.comments !== null)) counted = o;
  }
  return { ...c, observations: c.observations.filter((o) => o === comments || o === stars || o === counted) };
}

/**
 * A PASSIVE checkpoint; with `truncate` (the steps are waiting for it), once it has copied the whole WAL, the WAL is
 * started over and its file cut here, if nothing holds it at that moment. Left to the server thread, the first commit
 * after a full copy starts the WAL over and cuts its file back to journal_size_limit — and in the server, with
 * requests beside the steps, that first commit rarely managed it: the WAL grew through the whole preparation (476 MB at
 * 200,000 readers, ~2 GB at a million, every frame already copied), and the commit that finally started it over, the
 * first after the preparation, held the event loop for the cut: 170–330 ms at 200,000 readers, 810–888 ms at a million
 * (soak). Cut here after each wait, it stays near the bound and the server thread never cuts much.
 */
function checkpoint(databasePath: string, truncate: boolean): { frames: number; copied: number } {
  let db = writers.get(databasePath);
  if (!db) writers.set(databasePath, (db = openDatabase(databasePath, { busyTimeoutMs: 1000 })));
  const wal = passiveCheckpoint(db);
  // Not cut (a reader or a writer was there): the next wait tries again.
  if (truncate && wal.copied >= wal.frames) truncateWalIfIdle(db);
  return wal;
}
