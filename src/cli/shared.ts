// Helpers shared by the CLI subcommands: argument parsers, building the app, printing a daily outcome.
import { InvalidArgumentError } from 'commander';
import { createApp, type AppDeps } from '../app.js';
import { loadConfigOrExit } from '../entry.js';
import { createLogger } from '../lib/logger.js';
import type { runDailyJob } from '../jobs/daily.js';

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const parseDate = (v: string) => {
  if (!DATE.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return v;
};
export const parsePositive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
};

export async function withApp<T>(fn: (app: AppDeps) => Promise<T>, overrides: Parameters<typeof createApp>[1] = {}): Promise<T> {
  const config = loadConfigOrExit();
  // Logs go to stderr so stdout carries only the command's own output.
  const app = createApp(config, { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr as never }), ...overrides });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export function printDaily(r: Awaited<ReturnType<typeof runDailyJob>>) {
  for (const i of r.ingest)
    console.log(i.ok ? `ingest ${i.source}: fetched ${i.fetched}, new ${i.inserted}, updated ${i.updated}, skipped ${i.skipped}` : `ingest ${i.source}: FAILED — ${i.error}`);
  console.log(
    `edition ${r.date}: ${r.edition.status}${r.edition.reason ? ` (${r.edition.reason})` : ''}${r.edition.created ? `, ${r.edition.deliveries} deliveries prepared` : ', already prepared'}`,
  );
  if (r.send) console.log(`send: ${r.send.sent} sent, ${r.send.retried} retrying, ${r.send.failed} failed, ${r.send.bounced} bounced`);
}

