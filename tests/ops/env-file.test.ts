// .env.example is a file Node's own parser (process.loadEnvFile) reads as intended, and what it says is a
// valid configuration; loading a .env never overrides what the environment already sets.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { envWithDotEnv, loadDotEnv } from '../../src/entry.js';
import { papers } from '../helpers/cli.js';
import { tempDir } from '../helpers/app.js';

const EXAMPLE = fileURLToPath(new URL('../../.env.example', import.meta.url));

describe('.env files', () => {
  it('.env.example parses with Node and gives a valid config equal to the defaults', () => {
    const parsed = parseEnv(readFileSync(EXAMPLE, 'utf8')) as Record<string, string>;
    // Inline comments are not part of values.
    for (const [k, v] of Object.entries(parsed)) expect(v, k).not.toMatch(/#/);
    expect(parsed.DIGEST_CRON).toBe('0 7 * * *');
    expect(parsed.MAIL_FROM).toBe('Trending Papers <digest@localhost>');
    expect(loadConfig(parsed)).toEqual(loadConfig({}));
  });

  it('refuses a DIGEST_CRON that is not a cron expression, naming it', () => {
    expect(() => loadConfig({ DIGEST_CRON: 'every morning' })).toThrow(/DIGEST_CRON: must be a cron expression/);
    expect(loadConfig({ DIGEST_CRON: '30 2 * * 1-5' }).digest.cron).toBe('30 2 * * 1-5');
  });

  it('loadDotEnv reads ENV_FILE without overriding variables already set, and none skips it', () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'test.env');
      writeFileSync(file, 'OPS_TEST_A=from-file   # a comment\nOPS_TEST_B="two words"\n');
      process.env.OPS_TEST_A = 'from-env';
      expect(loadDotEnv({ ENV_FILE: file })).toBe(file);
      expect(process.env.OPS_TEST_A).toBe('from-env');
      expect(process.env.OPS_TEST_B).toBe('two words');
      expect(loadDotEnv({ ENV_FILE: 'none' })).toBeUndefined();
    } finally {
      delete process.env.OPS_TEST_A;
      delete process.env.OPS_TEST_B;
      t.cleanup();
    }
  });

  it('the CLI reads ENV_FILE into its own environment (what is set wins), and names a missing one', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'cli.env');
      writeFileSync(file, `DATABASE_PATH=${join(t.dir, 'from-file.db')}\nLOG_LEVEL=error\nPORT=4000\nOPS_TEST_CLI=from-file\n`);
      expect(envWithDotEnv({ ENV_FILE: file, PORT: '5000' })).toMatchObject({ DATABASE_PATH: join(t.dir, 'from-file.db'), LOG_LEVEL: 'error', PORT: '5000' });
      expect(process.env.OPS_TEST_CLI).toBeUndefined(); // process.env is left alone
      const r = await papers(['migrate'], { ENV_FILE: file });
      expect(r, r.stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied: 0001_init/) });
      const missing = await papers(['migrate'], { ENV_FILE: join(t.dir, 'nope.env') });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`ENV_FILE: ${join(t.dir, 'nope.env')} does not exist`);
    } finally {
      t.cleanup();
    }
  });
});
