// The subscribe intake thread: one intake (intake.ts) per app of the process, each with its own database
// connection, mailer and logger (its lines are forwarded to that app's logger on the HTTP thread), running the
// requests the HTTP thread hands over.
import { parentPort } from 'node:worker_threads';
import { openDatabase } from '../db/open.js';
import { createLogger } from '../lib/logger.js';
import { createMailerFromConfig } from '../mail/mailer-from-config.js';
import type { Mailer } from '../mail/mailer.js';
import { createIntake, type Intake } from './intake.js';
import { createIntakeCounters } from './intake-counters.js';
import { lowerThisThreadPriority } from '../lib/thread-priority.js';
import type { FromIntake, IntakeOpenData, ToIntake } from './intake-client.js';

// Nothing here is awaited by a request (the 202 is sent before): the HTTP thread goes first.
lowerThisThreadPriority();

const port = parentPort!;
const post = (m: FromIntake) => port.postMessage(m);
const intakes = new Map<number, { intake: Intake; mailer: Mailer }>();

function open(key: number, data: IntakeOpenData) {
  const logger = createLogger({ level: data.logLevel, destination: { write: (line: string) => post({ key, t: 'log', line }) } as never });
  const mailer = createMailerFromConfig(data.config, { maxConnections: data.mailConnections });
  let lastOk = true;
  const intake = createIntake(
    {
      openDb: () => openDatabase(data.config.databasePath, { busyTimeoutMs: data.busyTimeoutMs }),
      mailer,
      logger,
      counters: createIntakeCounters(data.counters),
      onCommit: (ok, code) => {
        // Failures always (readiness keeps their time); a success only when it ends a failure.
        if (!ok || !lastOk) post({ key, t: 'commit', ok, code });
        lastOk = ok;
      },
    },
    data.settings,
  );
  intakes.set(key, { intake, mailer });
  if (data.resumeSpool) intake.resumeSpool();
}

port.on('message', (m: ToIntake) => {
  if (m.t === 'open') return open(m.key, m.data);
  const entry = intakes.get(m.key);
  if (!entry) {
    if (m.t === 'drain' || m.t === 'close') post({ key: m.key, t: 'reply', id: m.id });
    return;
  }
  if (m.t === 'resume') return entry.intake.resumeSpool();
  if (m.t === 'subscribe') for (const { input, at } of m.items) entry.intake.receive(input, new Date(at));
  else if (m.t === 'drain') void entry.intake.drain().then(() => post({ key: m.key, t: 'reply', id: m.id }));
  else
    void entry.intake
      .drain()
      .then(() => entry.mailer.close())
      .finally(() => {
        entry.intake.close();
        intakes.delete(m.key);
        post({ key: m.key, t: 'reply', id: m.id });
      });
});
