// A real edition built from the bundled sample week, for `npm run preview`, the render benchmark and
// tests: ingest (the app's file source) → subscribers with topics → prepare. Writes only to the app's database.
import { fileURLToPath } from 'node:url';
import type { AppDeps } from '../app.js';
import { runIngest } from '../ingest/run-ingest.js';
import { prepareEdition } from './prepare.js';
import type { Section } from '../rank/select.js';
import { readStoredEdition, type StoredEdition } from './stored-edition.js';
import { AppError } from '../lib/errors.js';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { fixedClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { join } from 'node:path';

/** The sample is a real week (2026-08-17 … 21); its digest is for the last day, seen that morning. */
export const SAMPLE_DIR = fileURLToPath(new URL('../sample-data/hf-daily/', import.meta.url));
export const SAMPLE_DATE = '2026-08-21';
export const SAMPLE_NOW = '2026-08-21T07:00:00.000Z';

/** An app on a fresh SQLite file in `dir` that reads only the sample, at the sample's morning. */
export function createSampleApp(dir: string, env: Record<string, string | undefined> = process.env): AppDeps {
  const config = loadConfig({
    ...env,
    NODE_ENV: env.NODE_ENV === 'production' ? 'production' : 'development',
    DATABASE_PATH: join(dir, 'sample.db'),
    OUTBOX_DIR: join(dir, 'outbox'),
    SOURCES: 'file',
    FILE_SOURCE_PATH: SAMPLE_DIR,
    SMTP_URL: '',
  });
  return createApp(config, { clock: fixedClock(SAMPLE_NOW), logger: silentLogger() });
}

export interface SampleDelivery {
  subscriberId: number;
  email: string;
  sections: Section[];
  messageId: string;
}

export async function prepareSampleEdition(
  app: AppDeps,
  subscribers: { email: string; topics?: string[] }[],
  date = SAMPLE_DATE,
): Promise<{ edition: StoredEdition; deliveries: SampleDelivery[] }> {
  const now = app.clock.now().toISOString();
  for (const s of subscribers)
    if (!(await app.store.getSubscriberByEmail(s.email))) await app.store.createSubscriber({ email: s.email, status: 'active', now, topics: s.topics ?? [] });
  await runIngest({ ...app, sources: app.sources() }, {});
  const prepared = prepareEdition(app, date, app.prepareSettings);
  const edition = await readStoredEdition(app.store, date);
  if (!edition) throw new AppError('SAMPLE_EMPTY', `the sample produced no edition for ${date}: ${prepared.edition.reason ?? 'unknown reason'}`);
  const rows = await app.store.editionRecipients(edition.id);
  return { edition, deliveries: rows.map((r) => ({ subscriberId: r.subscriberId, email: r.email, sections: r.sections as Section[], messageId: r.messageId })) };
}
