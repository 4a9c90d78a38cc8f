// CLI subcommand `migrate`: applies pending migrations (each in its own transaction), or with --status lists
// which are applied and which are pending without changing anything.
import type { Command } from 'commander';
import { appliedMigrationVersions, migrate, readMigrations } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { loadCliConfig } from './shared.js';
import type { CliIo } from './io.js';

export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--status', 'list applied and pending migrations, change nothing')
    .action((o: { status?: boolean }) => {
      const config = loadCliConfig(io);
      const db = openDatabase(config.databasePath);
      try {
        if (o.status) {
          const applied = appliedMigrationVersions(db);
          for (const m of readMigrations()) io.out(`${applied.has(m.version) ? 'applied' : 'pending'}  ${m.name}`);
          return;
        }
        const applied = migrate(db);
        io.out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        db.close();
      }
    });
}
