// CLI subcommand `migrate`.
import type { Command } from 'commander';
import { loadConfigOrExit } from '../entry.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(() => {
      const config = loadConfigOrExit();
      const db = openDatabase(config.databasePath);
      const applied = migrate(db);
      db.close();
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    });
}
