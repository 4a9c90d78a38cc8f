// Entry: the `papers` command line (subcommands in src/cli/<name>.ts, assembled in src/cli/program.ts) on this
// process's arguments, environment and streams. Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 busy.
import { runCli } from './cli/program.js';
import { processIo } from './cli/io.js';
import { limitHeapGrowth } from './lib/heap-growth.js';

// The daily job and the sender run from here too (`papers run`, `papers worker`): the same heap as the server's.
limitHeapGrowth();

const code = await runCli(process.argv.slice(2), processIo());
// A failure ends the process at once, as before the refactor (nothing it left open keeps it alive); on success it
// ends by itself when its work is done (`demo` keeps serving until Ctrl-C).
if (code !== 0) process.exit(code);
