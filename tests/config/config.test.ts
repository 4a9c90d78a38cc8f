// Configuration: defaults, typed parsing, and one error listing every bad variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { papers } from '../helpers/cli.js';

describe('loadConfig', () => {
  it('builds a complete config from an empty environment', () => {
    const c = loadConfig({});
    expect(c.databasePath).toBe('./data/papers.db');
    expect(c.mail.smtpUrl).toBeUndefined();
    expect(c.sources.enabled).toEqual(['file']);
    expect(c.digest.timezone).toBe('UTC');
    expect(c.digest.defaultHour).toBe(7);
    expect(c.mail.listId).toBe('"Trending Papers" <daily.localhost>');
    expect(Object.isFrozen(c.mail)).toBe(true);
  });

  it('parses booleans explicitly: "false" is false', () => {
    expect(loadConfig({ RESEND_STILL_TRENDING: 'false' }).digest.resendStillTrending).toBe(false);
    expect(loadConfig({ RESEND_STILL_TRENDING: 'true' }).digest.resendStillTrending).toBe(true);
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DIGEST_TZ: 'Mars/Olympus', SOURCES: 'hf,rss', SMTP_URL: 'http://x', RESEND_STILL_TRENDING: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DIGEST_TZ', 'SOURCES', 'SMTP_URL', 'RESEND_STILL_TRENDING']) expect(problems).toContain(name);
  });

  it('refuses production without a secret and https', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://example.org' })).toThrow(/SECRET_KEY[\s\S]*PUBLIC_BASE_URL|PUBLIC_BASE_URL[\s\S]*SECRET_KEY/);
  });

  it('stops a command with exit code 1, naming every bad variable and nothing else on stdout', async () => {
    const r = await papers(['migrate'], { PORT: '-5', HF_DAYS: 'lots' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Invalid configuration:\n {2}- PORT: .*\n {2}- HF_DAYS: .*\nSee \.env\.example/);
  });
});
