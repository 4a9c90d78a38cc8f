// What a CLI command reads and writes: its environment, stdout, stderr and the exit code it finishes with. The
// binary (src/cli.ts) passes the process's own; tests pass captured streams and run commands in-process, so a
// command never calls process.exit or reads process.env itself.

/** A stream a command writes to; `isTTY`/`columns` decide between progress bars and plain lines. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; hasColors?: () => boolean };

export interface CliIo {
  readonly env: Record<string, string | undefined>;
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** One line on stdout (like console.log). */
  out(line?: string): void;
  /** One line on stderr (like console.error). */
  err(line?: string): void;
  /** The exit code when the command returns without throwing (a command that finished with a failure sets 1). */
  exitCode: number;
}

export function createIo(o: { env: Record<string, string | undefined>; stdout: CliStream; stderr: CliStream }): CliIo {
  return {
    env: o.env,
    stdout: o.stdout,
    stderr: o.stderr,
    out: (line = '') => void o.stdout.write(`${line}\n`),
    err: (line = '') => void o.stderr.write(`${line}\n`),
    exitCode: 0,
  };
}

/** The process's own environment and streams: what the `papers` binary runs with. */
export const processIo = (): CliIo => createIo({ env: process.env, stdout: process.stdout, stderr: process.stderr });

