// Entry: the command line. Each subcommand lives in src/cli/<name>.ts and reuses the same app code.
import { Command } from 'commander';
import { describeError } from './lib/errors.js';
import { registerMigrateCommand } from './cli/migrate.js';
import { registerIngestCommand } from './cli/ingest.js';
import { registerRunCommand } from './cli/run.js';
import { registerSendCommand } from './cli/send.js';
import { registerStatusCommand } from './cli/status.js';
import { registerSubscribersCommand } from './cli/subscribers.js';
import { registerDemoCommand } from './cli/demo.js';

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
registerSubscribersCommand(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`error: ${describeError(err)}`);
  process.exit(1);
}
