// The subscribe intake in-process, for PostgreSQL: the same intake (intake.ts) over the Store's pool instead of a
// worker thread with its own SQLite connection. The HTTP handler still only queues the request (no read, no
// write, no email before the answer); the database work runs on the server, so nothing per address lands on this
// thread's time beyond queueing, and several web instances can take subscriptions at once.
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { SubscriberStore } from '../db/stores/subscribers.js';
import { createIntakeCounters } from './intake-counters.js';
import type { IntakeClient } from './intake-client.js';
import { createIntake, type IntakeSettings } from './intake.js';

export interface LocalIntakeOptions {
  store: Pick<SubscriberStore, 'subscribeBatch' | 'issueConfirmToken' | 'releaseConfirmWindow'>;
  /** The app's mailer (closed by the app, not here). */
  mailer: Mailer;
  logger: Logger;
  settings: IntakeSettings;
  /** Each real commit attempt's outcome for readiness: failures always, a success when it ends a failure. */
  onCommit?: ((ok: boolean, code: string | null) => void) | undefined;
}

export function createLocalIntakeClient(o: LocalIntakeOptions): IntakeClient {
  const counters = createIntakeCounters();
  let lastOk = true;
  const intake = createIntake(
    {
      store: o.store,
      mailer: o.mailer,
      logger: o.logger,
      counters,
      onCommit: (ok, code) => {
        if (!ok || !lastOk) o.onCommit?.(ok, code);
        lastOk = ok;
      },
    },
    o.settings,
  );
  let closed = false;
  return {
    counters,
    subscribe(input, at) {
      intake.receive(input, at);
    },
    resume() {
      // PostgreSQL's intake writes at once: it keeps no spool
    },
    noteForegroundRequest() {
      counters.add('foreground');
    },
    drain: () => intake.drain(),
    async close() {
      if (closed) return;
      closed = true;
      await intake.drain();
      intake.close();
    },
  };
}
