// CLI subcommand `preview`: renders a prepared edition as the email a subscriber got (or, without --subscriber,
// a stand-in reader of the public ranking) to a file or stdout. It only reads. For the bundled sample week
// without a database, `npm run preview` does the same from a temporary one.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { withApp, parseDate, CliError, EXIT } from './shared.js';
import { compileStoredEdition, readStoredEdition, previewRecipient } from '../digest/stored-edition.js';
import { subscriberUrls } from '../http/links.js';
import { emailSchema } from '../subscribers/email-address.js';
import type { Section } from '../rank/select.js';
import type { RecipientParts } from '../digest/render.js';
import type { CliIo } from './io.js';

export function registerPreviewCommand(program: Command, io: CliIo): void {
  program
    .command('preview')
    .description("render an edition's email (HTML, or --text) to stdout or a file, without sending")
    .option('--date <date>', 'edition date (default: the latest ready edition)', parseDate)
    .option('--subscriber <email|id>', "that subscriber's own email for the edition (default: a stand-in reader)")
    .option('--text', 'the plain-text part instead of the HTML')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (o: { date?: string; subscriber?: string; text?: boolean; out?: string }) => {
      await withApp(io, async (app) => {
        const date = o.date ?? (await app.store.readyEditions(1))[0]?.date;
        const edition = date ? await readStoredEdition(app.store, date) : undefined;
        if (!edition) throw new CliError(date ? `no ready edition for ${date}` : 'no ready edition yet: run `papers run` first', EXIT.FAILED);
        let recipient: RecipientParts = previewRecipient(edition, app.config.digest.size, app.config.publicBaseUrl);
        if (o.subscriber) {
          const email = emailSchema.safeParse(o.subscriber);
          const sub = /^\d+$/.test(o.subscriber)
            ? await app.store.getSubscriber(Number(o.subscriber))
            : email.success
              ? await app.store.getSubscriberByEmail(email.data)
              : undefined;
          if (!sub) throw new CliError(`no subscriber ${o.subscriber}`, EXIT.FAILED);
          const d = await app.store.readerSelection(edition.id, sub.id);
          if (!d) throw new CliError(`subscriber ${sub.id} has no delivery in the ${edition.date} edition`, EXIT.FAILED);
          recipient = { sections: d.sections as Section[], kind: d.kind, ...subscriberUrls(app.config.publicBaseUrl, app.config.secretKey, sub.id) };
        }
        const msg = (await compileStoredEdition(edition, { publicBaseUrl: app.config.publicBaseUrl })).renderFor(recipient);
        const body = o.text ? msg.text : msg.html;
        if (o.out) {
          writeFileSync(o.out, body);
          io.stderr.write(`${o.out}: ${msg.subject} (${(Buffer.byteLength(body) / 1024).toFixed(1)} KB)\n`);
        } else io.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
      });
    });
}
