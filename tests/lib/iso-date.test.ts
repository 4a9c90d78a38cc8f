// One date rule for every entry point: a calendar day from 2000-01-01 to tomorrow (UTC), the same message from the
// CLI parser, the admin API and the public routes (year 0000 used to start a daily run and freeze an empty edition).
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { dateProblem, maxDate } from '../../src/lib/iso-date.js';
import { parseDate } from '../../src/cli/shared.js';
import { createTestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { buildHttpApp } from '../../src/http/build-app.js';

const NOW = new Date('2026-08-21T07:00:00.000Z');
const MESSAGE = 'must be a date as YYYY-MM-DD from 2000-01-01 to 2026-08-22';
const BAD = ['0000-01-01', '1999-12-31', '2026-08-23', '9999-12-31', '2026-02-30', '2026-8-21', '21.08.2026', '2026-08-21T00:00:00Z', ''];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('dateProblem', () => {
  it('accepts calendar days from 2000-01-01 to tomorrow in UTC', () => {
    for (const d of ['2000-01-01', '2024-02-29', '2026-08-21', '2026-08-22']) expect(dateProblem(d, NOW), d).toBeNull();
    expect(maxDate(new Date('2026-12-31T23:59:59Z'))).toBe('2027-01-01');
  });

  it('refuses anything else with one message that names the range', () => {
    for (const d of BAD) expect(dateProblem(d, NOW), d).toBe(MESSAGE);
  });
});

describe('the CLI --date parser', () => {
  it('uses the same rule against the real clock (commander turns the error into exit 2)', () => {
    expect(parseDate('2026-08-21')).toBe('2026-08-21');
    for (const d of ['0000-01-01', '1999-12-31', maxDate(new Date(Date.now() + 86_400_000))]) {
      expect(() => parseDate(d), d).toThrow(InvalidArgumentError);
      expect(() => parseDate(d), d).toThrow(/^must be a date as YYYY-MM-DD from 2000-01-01 to \d{4}-\d{2}-\d{2}$/);
    }
  });
});

describe('HTTP routes', () => {
  async function setup() {
    const app = createTestApp({ ADMIN_TOKEN: 'admin-token-0123456789abcdef', NODE_ENV: 'development' }, { clock: fixedClock(NOW) });
    cleanups.push(() => app.cleanup());
    const http = await buildHttpApp(app);
    cleanups.push(() => http.close());
    return { app, http };
  }
  const bearer = { authorization: 'Bearer admin-token-0123456789abcdef' };

  it('the admin run API refuses year 0000 (and every other bad date) with a 400 and starts nothing', async () => {
    const { app, http } = await setup();
    for (const date of BAD) {
      const res = await http.inject({ method: 'POST', url: '/api/admin/jobs/daily', headers: bearer, payload: { date } });
      expect(res.statusCode, date).toBe(400);
      expect(res.json(), date).toEqual({ error: { code: 'VALIDATION_FAILED', message: `body.date: ${MESSAGE}` } });
    }
    expect(app.db.prepare('SELECT count(*) AS n FROM job_runs').get()).toEqual({ n: 0 });
    expect(app.db.prepare('SELECT count(*) AS n FROM editions').get()).toEqual({ n: 0 });
  });

  it('the admin edition API, the archive and the email preview answer bad dates alike', async () => {
    const { http } = await setup();
    const edition = await http.inject({ url: '/api/admin/editions/0000-01-01', headers: bearer });
    expect(edition.statusCode).toBe(400);
    expect(edition.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: `params.date: ${MESSAGE}` } });
    const archive = await http.inject({ url: '/archive/2026-08-23' });
    expect(archive.statusCode).toBe(400);
    expect(archive.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: `params.date: ${MESSAGE}` } });
    const preview = await http.inject({ url: '/dev/email/digest?date=1999-12-31' });
    expect(preview.statusCode).toBe(400);
    expect(preview.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: `querystring.date: ${MESSAGE}` } });
    // In range but without an edition: still a 404.
    expect((await http.inject({ url: '/archive/2026-08-20' })).statusCode).toBe(404);
  });
});
