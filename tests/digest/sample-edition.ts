// Shared by the email tests (digest, mail, deliverability, browser): a real edition prepared from the
// recorded Hugging Face week on a temp SQLite app, compiled once, with each subscriber's real selection.
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { prepareSampleEdition, SAMPLE_NOW, type SampleDelivery } from '../../src/digest/sample-edition.js';
import { compileStoredEdition } from '../../src/digest/stored-edition.js';
import type { CompiledEdition, RecipientParts } from '../../src/digest/render.js';
import { subscriberUrls } from '../../src/http/links.js';
import type { StoredEdition } from '../../src/digest/stored-edition.js';

export const READER = { email: 'ada@example.org', topics: ['agents', 'diffusion'] };
export const NO_TOPICS = { email: 'grace@example.org', topics: [] as string[] };

export interface SampleEdition {
  app: TestApp;
  edition: StoredEdition;
  deliveries: SampleDelivery[];
  compiled: CompiledEdition;
  /** The render input of a subscriber, with the real signed links the sender would use. */
  recipient(email: string): RecipientParts & { delivery: SampleDelivery };
}

export async function sampleEdition(env: Record<string, string> = {}, subscribers = [READER, NO_TOPICS]): Promise<SampleEdition> {
  const app = createTestApp(env, { clock: fixedClock(SAMPLE_NOW) });
  try {
    const { edition, deliveries } = await prepareSampleEdition(app, subscribers);
    const compiled = await compileStoredEdition(edition, { publicBaseUrl: app.config.publicBaseUrl });
    return {
      app,
      edition,
      deliveries,
      compiled,
      recipient(email) {
        const delivery = deliveries.find((d) => d.email === email);
        if (!delivery) throw new Error(`no delivery for ${email}`);
        return { delivery, sections: delivery.sections, ...subscriberUrls(app.config.publicBaseUrl, app.config.secretKey, delivery.subscriberId) };
      },
    };
  } catch (err) {
    await app.cleanup();
    throw err;
  }
}

/** Every href/src value in an HTML document. */
export function linksIn(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}
