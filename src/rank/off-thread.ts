// Ranks an edition date on the ranking thread (rank-worker.ts) and resolves with what rankEdition needs, so that the
// server's event loop keeps answering meanwhile. The answer is the same as ranking here: the ranking of a date is a
// function of the stored observations and the date (rank/edition.ts).
import { Worker } from 'node:worker_threads';
import type { RankAnswer, RankRequest } from './rank-worker.js';
import type { Precomputed } from './edition.js';

export function rankOffThread(request: RankRequest): Promise<Precomputed> {
  const fromSources = import.meta.url.endsWith('.ts');
  const worker = new Worker(new URL(fromSources ? './rank-worker-dev.mjs' : './rank-worker.js', import.meta.url), { workerData: request });
  return new Promise<Precomputed>((resolve, reject) => {
    worker.once('message', (a: RankAnswer) => {
      if ('error' in a) reject(new Error(`ranking ${request.date} failed: ${a.error}`));
      else resolve({ candidates: a.candidates, trending: request.trends.map((trend, i) => ({ trend, list: a.trending[i]! })) });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the ranking thread exited (${code}) without an answer`)));
  }).finally(() => void worker.terminate());
}
