// The settings this project added to the digest: WEEKLY_DIGEST_DAY (validated like every other variable, and
// what the preferences page and prepareEdition use) and TREND_HALF_LIFE_HOURS.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createTestApp } from '../helpers/app.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { signSubscriberToken } from '../../src/lib/tokens.js';

describe('WEEKLY_DIGEST_DAY', () => {
  it('defaults to Monday and reads a day name, a three-letter abbreviation or an ISO number', () => {
    expect(loadConfig({}).digest.weeklyDay).toBe(1);
    expect(loadConfig({ WEEKLY_DIGEST_DAY: 'Sunday' }).digest.weeklyDay).toBe(7);
    expect(loadConfig({ WEEKLY_DIGEST_DAY: 'thu' }).digest.weeklyDay).toBe(4);
    expect(loadConfig({ WEEKLY_DIGEST_DAY: '6' }).digest.weeklyDay).toBe(6);
  });

  it('rejects anything else, listed with the other bad variables', () => {
    for (const bad of ['funday', 't', '0', '8', 'mon,tue']) {
      let err: unknown;
      try {
        loadConfig({ WEEKLY_DIGEST_DAY: bad, TREND_HALF_LIFE_HOURS: '0' });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('WEEKLY_DIGEST_DAY: must be a day of the week: monday … sunday (or 1 = Monday … 7 = Sunday)');
      expect(problems).toContain('TREND_HALF_LIFE_HOURS');
    }
  });

  it('reaches the edition settings and the preferences page', async () => {
    const app = createTestApp({ WEEKLY_DIGEST_DAY: 'friday' });
    try {
      expect(app.prepareSettings.weeklyDay).toBe(5);
      const id = app.subscriptions.repo.create({ email: 'w@example.org', status: 'active', now: new Date().toISOString() });
      const http = await buildHttpApp(app);
      const page = await http.inject({ method: 'GET', url: `/preferences?token=${signSubscriberToken(app.config.secretKey, 'preferences', id)}` });
      await http.close();
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Once a week, on Fridays');
    } finally {
      await app.cleanup();
    }
  });
});
