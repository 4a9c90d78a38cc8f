// One claimed delivery to one message: the reader's address read at the last moment, their digest filled in from
// the edition compiled once per send, and handed to the mailer. It writes nothing: what it came to (an Outcome) is
// recorded by the pump's next ledger write (send-edition.ts), as the policy decides (send-outcomes.ts).
import type { Mailer } from './mailer.js';
import type { Section } from '../rank/select.js';
import { releaseMjmlThread, type CompiledEdition, type RenderedDigest } from '../digest/render.js';
import { compileStoredEdition, readStoredEditionById } from '../digest/stored-edition.js';
import { AppError } from '../lib/errors.js';
import { subscriberUrls } from '../http/links.js';
import type { ClaimedDelivery, DeliveryLedger } from '../db/stores/sending.js';
import type { EditionStore } from '../db/stores/editions.js';

/** What one send came to. */
export type Outcome = { d: ClaimedDelivery } & ({ accepted: string } | { failure: unknown } | { unrenderable: unknown } | { gone: true });

export interface DigestDeliverySettings {
  publicBaseUrl: string;
  secretKey: string;
  listId: string;
  unsubscribeMailto?: string | undefined;
}

export function createDigestDelivery(
  store: Pick<DeliveryLedger, 'activeEmail'> & Pick<EditionStore, 'readyEditionById'>,
  mailer: Mailer,
  s: DigestDeliverySettings,
): (d: ClaimedDelivery) => Promise<Outcome> {
  // Each edition compiled once per send, then only filled in per reader.
  const compiled = new Map<number, Promise<CompiledEdition>>();
  const compiledFor = (id: number) => {
    let c = compiled.get(id);
    if (!c) {
      c = readStoredEditionById(store, id)
        .then((stored) =>
          stored
            ? compileStoredEdition(stored, { publicBaseUrl: s.publicBaseUrl })
            : Promise.reject(new AppError('EDITION_NOT_READY', `edition ${id} is missing or not ready`)),
        )
        // A send compiles each edition once and then only fills it in: the MJML thread's memory goes back now.
        .finally(releaseMjmlThread);
      c.catch(() => {}); // observed by every delivery that awaits it
      compiled.set(id, c);
    }
    return c;
  };

  return async (d) => {
    // Each message's synchronous work (render, encode, hand to the pool) in a turn of its own: launching a
    // connection pool's worth at once would otherwise hold the event loop for all of them in one go, and HTTP
    // requests (a one-click unsubscribe during the daily send) wait behind it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Read at the last moment: an unsubscribe that lands after the claim still stops the message.
    const email = await store.activeEmail(d.subscriber_id);
    if (!email) return { d, gone: true };
    const urls = subscriberUrls(s.publicBaseUrl, s.secretKey, d.subscriber_id);
    let msg: RenderedDigest;
    try {
      const edition = await compiledFor(d.edition_id);
      msg = edition.renderFor({ sections: d.sections as Section[], kind: d.kind, ...urls });
    } catch (unrenderable) {
      return { d, unrenderable };
    }
    try {
      const result = await mailer.send({
        to: email,
        subject: msg.subject,
        html: msg.html,
        text: msg.text,
        pieces: msg.pieces,
        messageId: d.message_id,
        unsubscribeUrl: urls.unsubscribeUrl,
        unsubscribeMailto: s.unsubscribeMailto,
        listId: s.listId,
      });
      return { d, accepted: result.response };
    } catch (failure) {
      return { d, failure };
    }
  };
}
