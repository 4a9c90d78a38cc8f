// `npm run preview`: renders the digest of the bundled sample week to files and prints the HTML's path,
// to look at in a browser. It builds the sample in a temporary database (your data is untouched) and
// renders it for a subscriber who follows two topics, with the text part and the confirmation email beside it.
// For an edition of your own database, use `npm run cli -- preview` (src/cli/preview.ts).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSampleApp, prepareSampleEdition, SAMPLE_DATE } from '../src/digest/sample-edition.js';
import { compileStoredEdition } from '../src/digest/stored-edition.js';
import { renderConfirmation } from '../src/digest/render.js';
import { subscriberUrls } from '../src/http/links.js';

const { values: o } = parseArgs({
  options: {
    out: { type: 'string', default: 'artifacts/preview' },
    topics: { type: 'string', default: 'agents,diffusion' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  console.log('usage: npm run preview [-- --out DIR] [--topics "agents,diffusion"]   (your own database: npm run cli -- preview)');
  process.exit(0);
}

const outDir = resolve(o.out!);
const tmp = mkdtempSync(join(tmpdir(), 'papers-preview-'));
try {
  const app = createSampleApp(tmp);
  const topics = o.topics!.split(',').map((t) => t.trim()).filter(Boolean);
  const { edition, deliveries } = await prepareSampleEdition(app, [{ email: 'preview@example.com', topics }], SAMPLE_DATE);
  const d = deliveries[0];
  if (!d) throw new Error('the sample edition has no delivery');
  const settings = { publicBaseUrl: app.config.publicBaseUrl };
  const msg = (await compileStoredEdition(edition, settings)).renderFor({ sections: d.sections, ...subscriberUrls(settings.publicBaseUrl, app.config.secretKey, d.subscriberId) });
  const confirm = await renderConfirmation({ ...settings, ttlHours: app.config.subscriptions.confirmTtlHours }, `${settings.publicBaseUrl}/confirm?token=preview`);
  await app.close();

  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `digest-${edition.date}`);
  writeFileSync(`${base}.html`, msg.html);
  writeFileSync(`${base}.txt`, msg.text);
  writeFileSync(join(outDir, 'confirm.html'), confirm.html);
  console.log(`${base}.html`);
  console.error(
    `  subject: ${msg.subject}\n  html: ${(Buffer.byteLength(msg.html) / 1024).toFixed(1)} KB, ${d.sections.length} sections` +
      `\n  also: ${base}.txt, ${join(outDir, 'confirm.html')}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
