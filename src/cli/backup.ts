// CLI subcommand `backup <file>`: an online backup of the SQLite database (better-sqlite3's db.backup(), the
// SQLite backup API) while the server keeps running; the copy is a consistent snapshot and is checked before
// the command reports success. Refuses to overwrite an existing file unless --force.
import type { Command } from 'commander';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openDatabase, quickCheck } from '../db/open.js';
import { CliError, EXIT, loadCliConfig, progress } from './shared.js';
import type { CliIo } from './io.js';

export function registerBackupCommand(program: Command, io: CliIo): void {
  program
    .command('backup <file>')
    .description('copy the database to a file while the service runs (a consistent online snapshot)')
    .option('--force', 'overwrite the file if it exists')
    .action(async (file: string, o: { force?: boolean }) => {
      const config = loadCliConfig(io);
      // A PostgreSQL server has its own backup tools, which see every instance's writes; this copies the SQLite file.
      if (config.database.engine === 'postgres')
        throw new CliError('backup copies the SQLite file; DATABASE_URL selects PostgreSQL: back it up with pg_dump (or your provider\'s snapshots)', EXIT.USAGE);
      const target = resolve(file);
      if (target === resolve(config.databasePath)) throw new CliError('the backup file cannot be the database itself', EXIT.USAGE);
      if (existsSync(target) && !o.force) throw new CliError(`${file} exists (use --force to overwrite it)`, EXIT.USAGE);
      if (!existsSync(config.databasePath)) throw new CliError(`no database at ${config.databasePath}`, EXIT.FAILED);
      mkdirSync(dirname(target), { recursive: true });
      const db = openDatabase(config.databasePath);
      // Written beside the target and renamed at the end: a failed backup never leaves a half file under its name.
      const partial = `${target}.partial`;
      const bar = progress('backup', io.stderr);
      let pages = 0;
      try {
        await db.backup(partial, {
          progress({ totalPages, remainingPages }) {
            pages = totalPages;
            bar.update(totalPages - remainingPages, totalPages);
            return 200; // pages per step: small steps let the live server write in between
          },
        });
        bar.update(pages, pages);
        bar.stop();
        const ok = quickCheck(partial);
        if (ok !== 'ok') throw new CliError(`the backup failed its integrity check: ${ok}`, EXIT.FAILED);
        renameSync(partial, target);
      } catch (err) {
        rmSync(partial, { force: true });
        if (err instanceof CliError) throw err;
        throw new CliError(`backup failed: ${(err as Error).message}`, EXIT.FAILED);
      } finally {
        bar.stop();
        db.close();
      }
      io.out(`backed up ${config.databasePath} to ${file} (${(statSync(target).size / 1024).toFixed(0)} KB)`);
    });
}
