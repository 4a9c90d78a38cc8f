// The `send`, `status` and `retry` subcommands, run as the command line runs them (in-process) against a prepared
// edition and a real SMTP server: summaries on stdout, exit codes, and the ledger they leave behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFixture, ledger, DATE, type SendFixture } from './setup.js';
import { childEnv } from './child-sender.js';
import { papers, type CliResult } from '../helpers/cli.js';

describe('CLI send / status / retry', () => {
  let f: SendFixture;
  let cli: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    f = await sendFixture({ subscribers: 6 });
    const env = { LOG_LEVEL: 'error', ...childEnv({ config: f.app.config, databasePath: f.app.config.databasePath, editionId: f.edition.id }) };
    cli = (...args) => papers(args, env);
  });
  afterAll(async () => {
    await f.close();
  });

  it('sends with a summary, prints the ledger and puts failed deliveries back', async () => {
    const rejected = [...f.emails.values()][2]!;
    f.smtp.faults.data = (to) => (to.includes(rejected) ? { code: 554, message: '5.7.1 Message content rejected' } : null);

    const sent = await cli('send', '--date', DATE);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^sent 5, failed 1, bounced 0, skipped 0, remaining 0 in [\d.]+ s \(\d+ messages\/s\)$/m);

    const status = await cli('status', '--date', DATE);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`edition ${DATE}: ready`);
    expect(status.stdout).toMatch(/^ {2}sent +5$/m);
    expect(status.stdout).toMatch(/^ {2}failed +1$/m);
    expect(status.stdout).toMatch(/^ {2}pending +0$/m);

    const retry = await cli('retry', '--date', DATE);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain(`1 failed deliveries of ${DATE} are pending again`);
    expect(ledger(f.app, f.edition.id).find((d) => d.email === rejected)).toMatchObject({ status: 'pending', attempts: 0 });

    expect(f.smtp.messages).toHaveLength(5);
  });
});
