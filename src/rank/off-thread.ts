// Ranks an edition date on the ranking thread (rank-worker.ts) and resolves with what rankEdition needs, so that the
// server's event loop keeps answering meanwhile. The answer is the same as ranking here: the ranking of a date is a
// function of the stored observations and the date (rank/edition.ts).
import { workerThread, workerUrl } from '../lib/worker-thread.js';
import type { RankAnswer, RankRequest } from './rank-worker.js';
import type { Precomputed } from './edition.js';

const ask = workerThread<RankRequest, RankAnswer>(workerUrl('rank-worker', import.meta.url));

export async function rankOffThread(request: RankRequest): Promise<Precomputed> {
  const a = await ask(request);
  if ('error' in a) throw new Error(`ranking ${request.date} failed: ${a.error}`);
  return { candidates: a.candidates, trending: request.trends.map((trend, i) => ({ trend, list: a.trending[i]! })) };
}
