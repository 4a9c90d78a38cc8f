// Entry: the command line. Each subcommand lives in src/cli/<name>.ts and reuses the same app code.
import { Command } from 'commander';
import { registerMigrateCommand } from './cli/migrate.js';
import { registerIngestCommand } from './cli/ingest.js';
import { registerRunCommand } from './cli/run.js';
import { registerSendCommand } from './cli/send.js';
import { registerStatusCommand } from './cli/status.js';
import { registerRetryCommand } from './cli/retry.js';
import { registerSubscribersCommand } from './cli/subscribers.js';
import { registerDemoCommand } from './cli/demo.js';
import { registerRankCommand } from './cli/rank.js';
import { registerPreviewCommand } from './cli/preview.js';
import { registerBackupCommand } from './cli/backup.js';
import { cliMessage, exitCodeFor } from './cli/shared.js';

const program = new Command()
  .name('papers')
  .description('Trending papers digest: ingest, rank, render and send.')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

registerMigrateCommand(program);
registerIngestCommand(program);
registerRunCommand(program);
registerSendCommand(program);
registerStatusCommand(program);
registerRetryCommand(program);
registerSubscribersCommand(program);
registerDemoCommand(program);
registerRankCommand(program);
registerPreviewCommand(program);
registerBackupCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Exit codes: 1 failed, 2 bad usage or input, 3 busy (see src/cli/shared.ts).
  console.error(`error: ${cliMessage(err)}`);
  process.exit(exitCodeFor(err));
}
