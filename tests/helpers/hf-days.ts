// The Hugging Face Daily Papers API as it behaves, from the recorded days in tests/fixtures/hf-daily: a day's
// list once that day has begun (by the test's clock), a 404 for a day without one (weekends, holidays) and for
// days still to come. Each fixture is one snapshot of its day, so a paper's counters change only where it is
// listed again (the real climbers 2608.12313 and 2608.13558).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HF_FIXTURES } from './app.js';
import type { FixtureServer } from './fixture-server.js';
import type { Clock } from '../../src/lib/clock.js';

export function serveRecordedHfDays(server: FixtureServer, clock: Clock): void {
  server.route('/api/daily_papers', (_req, res, url) => {
    const date = url.searchParams.get('date') ?? '';
    const file = join(HF_FIXTURES, `${date}.json`);
    if (!/^\d{4}-\d\d-\d\d$/.test(date) || date > clock.now().toISOString().slice(0, 10) || !existsSync(file))
      return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(file));
  });
}

export interface RecordedItem {
  paper: { id: string; title: string; upvotes?: number };
  numComments?: number;
}

/** The recorded list of a day ([] for a day without one). */
export function recordedDay(date: string): RecordedItem[] {
  const file = join(HF_FIXTURES, `${date}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RecordedItem[]) : [];
}
