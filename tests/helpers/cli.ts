// The `papers` command line run in-process (src/cli/program.ts runCli) with captured stdout/stderr and its exit
// code: the same commands as the binary, without starting a Node process per call.
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import { createIo } from '../../src/cli/io.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it; not a terminal, like a pipe. */
class CapturedStream extends Writable {
  text = '';
  readonly isTTY = false;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `papers <args>` with exactly this environment (no .env file unless ENV_FILE names one). */
export async function papers(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const code = await runCli(args, createIo({ env: { ENV_FILE: 'none', NODE_ENV: 'test', ...env }, stdout, stderr }));
  return { code, stdout: stdout.text, stderr: stderr.text };
}
