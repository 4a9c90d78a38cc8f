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

  it('links follow HOST and PORT when PUBLIC_BASE_URL is not set', () => {
    expect(loadConfig({}).publicBaseUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '4123' }).publicBaseUrl).toBe('http://localhost:4123');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ HOST: '::', PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ HOST: 'papers.lan', PORT: '80' }).publicBaseUrl).toBe('http://papers.lan');
    expect(loadConfig({ HOST: '192.168.1.20', PORT: '3001' }).publicBaseUrl).toBe('http://192.168.1.20:3001');
    expect(loadConfig({ HOST: 'fd00::20' }).publicBaseUrl).toBe('http://[fd00::20]:3000');
    expect(loadConfig({ HOST: 'papers.lan', PORT: '3001' }).mail.listId).toBe('"Trending Papers" <daily.papers.lan>');
    // Set, it wins (an empty value counts as unset, as in .env files).
    expect(loadConfig({ PORT: '4123', PUBLIC_BASE_URL: 'https://papers.example.org/' }).publicBaseUrl).toBe('https://papers.example.org');
    expect(loadConfig({ PORT: '4123', PUBLIC_BASE_URL: '' }).publicBaseUrl).toBe('http://localhost:4123');
  });

  it('DATABASE_URL selects PostgreSQL; unset, the SQLite file; a URL of another scheme is listed with the other bad variables', () => {
    expect(loadConfig({}).database).toEqual({ engine: 'sqlite', path: './data/papers.db' });
    expect(loadConfig({ DATABASE_PATH: '/srv/p.db', DATABASE_URL: '' }).database).toEqual({ engine: 'sqlite', path: '/srv/p.db' });
    const url = 'postgres://papers:secret@db.internal:5432/papers';
    const pg = loadConfig({ DATABASE_URL: url, DATABASE_PATH: '/srv/p.db' });
    expect(pg.database).toEqual({ engine: 'postgres', url });
    // The existing SQLite code keeps reading its path (and `papers db copy` copies from it).
    expect(pg.databasePath).toBe('/srv/p.db');
    expect(loadConfig({ DATABASE_URL: 'postgresql:///papers?host=/var/run/postgresql' }).database.engine).toBe('postgres');
    let err: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/papers', PORT: 'eighty' });
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/), expect.stringMatching(/^PORT: /)]);
    // The password of a rejected URL is not echoed.
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses production without a secret and https', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(32) })).toThrow(/PUBLIC_BASE_URL: is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://example.org' })).toThrow(/SECRET_KEY[\s\S]*PUBLIC_BASE_URL|PUBLIC_BASE_URL[\s\S]*SECRET_KEY/);
  });

  it('stops a command with exit code 1, naming every bad variable and nothing else on stdout', async () => {
    const r = await papers(['migrate'], { PORT: '-5', HF_DAYS: 'lots' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Invalid configuration:\n {2}- PORT: .*\n {2}- HF_DAYS: .*\nSee \.env\.example/);
  });
});
