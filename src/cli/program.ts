// The `papers` command line as a value: buildProgram(io) makes a fresh commander program whose subcommands write
// to io, and runCli(argv, io) runs one command line and returns its exit code (0 done, 1 failed or not found,
// 2 bad usage or input, 3 busy) instead of exiting. src/cli.ts runs it on the process; tests run it in-process.
import { Command, CommanderError } from 'commander';
import { registerMigrateCommand } from './migrate.js';
import { registerIngestCommand } from './ingest.js';
import { registerRunCommand } from './run.js';
import { registerSendCommand } from './send.js';
import { registerWorkerCommand } from './worker.js';
import { registerStatusCommand } from './status.js';
import { registerRetryCommand } from './retry.js';
import { registerSubscribersCommand } from './subscribers.js';
import { registerDemoCommand } from './demo.js';
import { registerRankCommand } from './rank.js';
import { registerPreviewCommand } from './preview.js';
import { registerBackupCommand } from './backup.js';
import { registerDbCommand } from './db.js';
import { cliMessage, EXIT, exitCodeFor } from './shared.js';
import { ConfigError } from '../config.js';
import type { CliIo } from './io.js';

/** A new program each time: commander keeps parsed state on its commands, so one program parses one command line. */
export function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name('papers')
    .description('Trending papers digest: ingest, rank, render and send.')
    // Set before the subcommands are added: they inherit the output and exit settings.
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => (io.stdout.isTTY && io.stdout.columns) || 80,
      getErrHelpWidth: () => (io.stderr.isTTY && io.stderr.columns) || 80,
      getOutHasColors: () => !!(io.stdout.isTTY && io.stdout.hasColors?.()),
      getErrHasColors: () => !!(io.stderr.isTTY && io.stderr.hasColors?.()),
    })
    .showHelpAfterError()
    .exitOverride(); // throw a CommanderError instead of calling process.exit
  registerMigrateCommand(program, io);
  registerIngestCommand(program, io);
  registerRunCommand(program, io);
  registerSendCommand(program, io);
  registerWorkerCommand(program, io);
  registerStatusCommand(program, io);
  registerRetryCommand(program, io);
  registerSubscribersCommand(program, io);
  registerDemoCommand(program, io);
  registerRankCommand(program, io);
  registerPreviewCommand(program, io);
  registerBackupCommand(program, io);
  registerDbCommand(program, io);
  return program;
}

/** Runs one command line (the arguments after the program name) and returns its exit code; never exits. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...args], { from: 'user' });
    return io.exitCode;
  } catch (err) {
    // Commander has already printed its message (and the help): --help is 0, any usage error 2.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
      return EXIT.FAILED;
    }
    io.err(`error: ${cliMessage(err)}`);
    return exitCodeFor(err);
  }
}
