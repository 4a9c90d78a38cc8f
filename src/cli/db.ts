// CLI subcommand `db copy --to postgres://…`: moves an install from SQLite to PostgreSQL. The SQLite file
// (DATABASE_PATH, or --from) is brought up to date and copied into an empty PostgreSQL database, which is migrated
// first; the copy is one transaction, committed only when every table's row count matches (printed per table).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { openDatabase } from '../db/open.js';
import { migrate } from '../db/migrate.js';
import { openPostgres, describePostgresUrl } from '../db/postgres/pool.js';
import { migratePostgres } from '../db/postgres/migrate.js';
import { copySqliteToPostgres, nonEmptyTables } from '../db/copy.js';
import { AppError } from '../lib/errors.js';
import { CliError, EXIT, loadCliConfig, progress, type Progress } from './shared.js';
import type { CliIo } from './io.js';

export function registerDbCommand(program: Command, io: CliIo): void {
  const db = program.command('db').description('database maintenance');
  db.command('copy')
    .description('copy the SQLite database into an empty PostgreSQL database (subscribers, papers, editions, ledger), verified by row counts')
    .requiredOption('--to <url>', 'the PostgreSQL database: postgres://user:password@host:5432/papers')
    .option('--from <file>', 'the SQLite file (default: DATABASE_PATH)')
    .action(async (o: { to: string; from?: string }) => {
      if (!/^postgres(ql)?:\/\//i.test(o.to) || !URL.canParse(o.to))
        throw new CliError('--to must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/papers', EXIT.USAGE);
      const from = o.from ?? loadCliConfig(io).databasePath;
      if (!existsSync(from)) throw new CliError(`no database at ${from}`, EXIT.FAILED);
      const target = describePostgresUrl(o.to);

      const sqlite = openDatabase(from);
      let pool: Awaited<ReturnType<typeof openPostgres>> | undefined;
      let bar: Progress | undefined;
      try {
        // The same schema version on both sides: the file is migrated as every command does, the target below.
        migrate(sqlite);
        pool = await openPostgres(o.to, { max: 2, applicationName: 'papers-db-copy' });
        // Checked before migrating too: tables of something else must not receive our schema.
        const busy = await nonEmptyTables(pool);
        if (busy.length) throw notEmpty(target, busy);
        const applied = await migratePostgres(pool);
        if (applied.length) io.err(`${target}: applied ${applied.join(', ')}`);
        let current = '';
        const copied = await copySqliteToPostgres(sqlite, pool, {
          onProgress(table, done, total) {
            if (table !== current) {
              bar?.stop();
              bar = progress(`copy ${table}`, io.stderr);
              current = table;
            }
            bar!.update(done, total);
          },
        });
        bar?.stop();
        const width = Math.max(...copied.map((c) => c.table.length));
        io.out(`${'table'.padEnd(width)}  ${'sqlite'.padStart(9)}  ${'postgres'.padStart(9)}`);
        for (const c of copied) io.out(`${c.table.padEnd(width)}  ${String(c.source).padStart(9)}  ${String(c.target).padStart(9)}`);
        const rows = copied.reduce((n, c) => n + c.target, 0);
        io.out(`copied ${rows} rows in ${copied.length} tables from ${from} to ${target}; every row count matches`);
      } catch (err) {
        // Rows that arrived between the check above and the copy's transaction: refused the same way.
        if (err instanceof AppError && err.code === 'COPY_TARGET_NOT_EMPTY') throw new CliError(`${target}: ${err.message}`, EXIT.USAGE);
        throw err;
      } finally {
        bar?.stop();
        sqlite.close();
        await pool?.end();
      }
    });
}

function notEmpty(target: string, tables: string[]): CliError {
  return new CliError(`${target} is not empty (rows in ${tables.join(', ')}): db copy only fills an empty database`, EXIT.USAGE);
}
