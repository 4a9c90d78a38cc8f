// A sender in its own process, for the crash and concurrency tests: builds the real app from the environment
// exactly as the CLI does, prints "ready", waits for "go" on stdin (so a test can start it ahead and kill it
// at a chosen moment), runs sendDue and prints one JSON line per progress step and one with the outcome.
// Exit 0 when done, 3 when the send paused.
import { createInterface } from 'node:readline';
import { createApp } from '../../src/app.js';
import { loadConfigOrExit } from '../../src/entry.js';
import { createLogger } from '../../src/lib/logger.js';
import { sendDue } from '../../src/mail/send-edition.js';
import { compileStoredEdition, readStoredEditionById } from '../../src/digest/stored-edition.js';

const editionId = Number(process.env.SEND_CHILD_EDITION_ID);
const app = createApp(loadConfigOrExit(), { logger: createLogger({ level: 'warn', destination: process.stderr as never }) });
// Load the renderer's modules before "ready", so the time after "go" is the send's own.
await compileStoredEdition((await readStoredEditionById(app.store, editionId))!, { publicBaseUrl: app.config.publicBaseUrl });
process.stdout.write('ready\n');
let go = false;
for await (const line of createInterface({ input: process.stdin })) if ((go = line.trim() === 'go')) break;
if (!go) process.exit(2); // the test went away without saying go
const outcome = await sendDue(app, app.sendSettings, {
  editionId,
  onProgress: (p) => process.stdout.write(`${JSON.stringify({ progress: p })}\n`),
});
process.stdout.write(`${JSON.stringify({ outcome })}\n`);
await app.close();
process.exit(outcome.paused ? 3 : 0);
