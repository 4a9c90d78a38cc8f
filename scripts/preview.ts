// `npm run preview`: renders a digest to files and prints their paths, to look at in a browser.
// By default it builds the bundled sample week in a temporary database (your data is untouched) and
// renders it for a subscriber who follows two topics; --from-db renders an edition of the configured
// database for a stand-in recipient instead. Also writes the text part and the confirmation email.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { loadConfigOrExit } from '../src/entry.js';
import { createLogger } from '../src/lib/logger.js';
import { createSampleApp, prepareSampleEdition } from '../src/digest/sample-edition.js';
import { compileStoredEdition, loadEdition, previewRecipient } from '../src/digest/stored-edition.js';
import { renderConfirmation, type RecipientParts } from '../src/digest/render.js';
import { subscriberUrls } from '../src/mail/send-edition.js';
import { createEditionsRepo } from '../src/db/editions-repo.js';

const { values: o } = parseArgs({
  options: {
    'from-db': { type: 'boolean', default: false },
    date: { type: 'string' },
    out: { type: 'string', default: 'artifacts/preview' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  console.log('usage: npm run preview [-- --from-db] [--date YYYY-MM-DD] [--out DIR]');
  process.exit(0);
}
if (o.date && !/^\d{4}-\d{2}-\d{2}$/.test(o.date)) {
  console.error('--date expects YYYY-MM-DD');
  process.exit(2);
}

const outDir = resolve(o.out!);
const tmp = o['from-db'] ? undefined : mkdtempSync(join(tmpdir(), 'papers-preview-'));
try {
  let app;
  let recipient: RecipientParts;
  let edition;
  if (tmp) {
    app = createSampleApp(tmp);
    const sample = await prepareSampleEdition(app, [{ email: 'preview@example.com', topics: ['agents', 'diffusion'] }], o.date);
    edition = sample.edition;
    const d = sample.deliveries[0];
    if (!d) throw new Error('the sample edition has no delivery');
    recipient = { sections: d.sections, ...subscriberUrls(app.config.publicBaseUrl, app.config.secretKey, d.subscriberId) };
  } else {
    const config = loadConfigOrExit();
    app = createApp(config, { logger: createLogger({ level: 'warn', destination: process.stderr as never }) });
    const date = o.date ?? createEditionsRepo(app.db).listReady(1)[0]?.date;
    edition = date ? loadEdition(app.db, date) : undefined;
    if (!edition) {
      console.error(date ? `no ready edition for ${date}` : 'the database has no ready edition yet (try without --from-db)');
      process.exit(1);
    }
    recipient = previewRecipient(edition, config.digest.size, config.publicBaseUrl);
  }
  const settings = { publicBaseUrl: app.config.publicBaseUrl };
  const msg = (await compileStoredEdition(edition, settings)).renderFor(recipient);
  const confirm = await renderConfirmation({ ...settings, ttlHours: app.config.subscriptions.confirmTtlHours }, `${settings.publicBaseUrl}/confirm?token=preview`);
  await app.close();

  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `digest-${edition.date}`);
  writeFileSync(`${base}.html`, msg.html);
  writeFileSync(`${base}.txt`, msg.text);
  writeFileSync(join(outDir, 'confirm.html'), confirm.html);
  console.log(`${base}.html`);
  console.error(
    `  subject: ${msg.subject}\n  html: ${(Buffer.byteLength(msg.html) / 1024).toFixed(1)} KB, ${recipient.sections.length} sections` +
      `\n  also: ${base}.txt, ${join(outDir, 'confirm.html')}`,
  );
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
