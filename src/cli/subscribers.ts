// CLI subcommand `subscribers`.
import type { Command } from 'commander';
import { withApp } from './shared.js';
import { emailSchema } from '../subscribers/email-address.js';

export function registerSubscribersCommand(program: Command): void {
  const subs = program.command('subscribers').description('manage subscribers');
  subs
    .command('add <email>')
    .description('add a confirmed subscriber (you vouch for their consent)')
    .option('--topics <list>', 'comma-separated topics')
    .action(async (email: string, o: { topics?: string }) => {
      const parsed = emailSchema.safeParse(email);
      if (!parsed.success) {
        console.error(`not a valid email address: ${email}`);
        process.exitCode = 2;
        return;
      }
      await withApp(async (app) => {
        const existing = app.subscriptions.repo.getByEmail(parsed.data);
        const now = app.clock.now().toISOString();
        const topics = o.topics?.split(',').map((t) => t.trim()).filter(Boolean);
        if (existing) {
          app.subscriptions.repo.setStatus(existing.id, 'active', now);
          if (topics) app.subscriptions.repo.setTopics(existing.id, topics);
          console.log(`subscriber ${existing.id} is active`);
        } else {
          const id = app.subscriptions.repo.create({ email: parsed.data, status: 'active', now, topics });
          console.log(`added subscriber ${id}`);
        }
      });
    });
}
