// The job_runs record's contract, one file for both engines: a date's second start is the same row one attempt
// further (another process's start included), with the new owner and trigger and no finish; a finish records its
// status and outcome (read back as JSON text); a forgiven attempt is given back, never below zero; the recent runs
// come newest start first, up to the limit; running rows are listed by date, and closing one as abandoned applies
// only while it is still that owner's running row; a forced shutdown interrupts exactly its own process's runs and
// deletes its own lock rows.
import { describe, expect, it } from 'vitest';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

describe.each(testEngines())('job runs on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh, run } = stores;

  it('a second start of a date is the same row one attempt further; a finish records status and outcome', async () => {
    const store = await fresh();
    expect(await store.jobRun('daily', '2026-08-21')).toBeUndefined();
    await store.startJobRun('daily', '2026-08-21', NOW, 'schedule', 'host-1:10:aaaaaaaa');
    const first = await store.jobRun('daily', '2026-08-21');
    expect(first).toEqual({
      id: expect.any(Number), job: 'daily', scheduled_for: '2026-08-21', started_at: NOW, finished_at: null, status: 'running',
      outcome_json: null, triggered_by: 'schedule', owner: 'host-1:10:aaaaaaaa', attempts: 1,
    });
    await store.finishJobRun('daily', '2026-08-21', at(5), 'failed', { error: 'SMTP down', nested: { n: 1 } });
    expect(await store.jobRun('daily', '2026-08-21')).toMatchObject({ status: 'failed', finished_at: at(5), attempts: 1 });
    expect(JSON.parse((await store.jobRun('daily', '2026-08-21'))!.outcome_json!)).toEqual({ error: 'SMTP down', nested: { n: 1 } });

    // Another process starts the same date: the same row, a second attempt, its owner and trigger, not finished.
    const other = await stores.opened.secondStore();
    await other.startJobRun('daily', '2026-08-21', at(20), 'catchup', 'host-2:20:bbbbbbbb');
    expect(await store.jobRun('daily', '2026-08-21')).toMatchObject({
      id: first!.id, started_at: at(20), finished_at: null, status: 'running', triggered_by: 'catchup', owner: 'host-2:20:bbbbbbbb', attempts: 2,
    });
    expect(await run("SELECT count(*) AS n FROM job_runs WHERE job = 'daily'")).toEqual([{ n: 1 }]);
    await other.finishJobRun('daily', '2026-08-21', at(25), 'ok', { date: '2026-08-21', send: null });
    const done = (await store.jobRun('daily', '2026-08-21'))!;
    expect(done).toMatchObject({ status: 'ok', finished_at: at(25), attempts: 2 });
    expect(JSON.parse(done.outcome_json!)).toEqual({ date: '2026-08-21', send: null });
    // Another job's row of the same date is its own.
    await store.startJobRun('weekly', '2026-08-21', NOW, 'manual', 'host-1:10:cccccccc');
    expect(await store.jobRun('weekly', '2026-08-21')).toMatchObject({ attempts: 1, status: 'running' });
    expect(await store.jobRun('daily', '2026-08-22')).toBeUndefined();
  });

  it('a forgiven attempt is given back, never below zero', async () => {
    const store = await fresh();
    await store.startJobRun('daily', '2026-08-21', NOW, 'schedule', 'host-1:10:aaaaaaaa');
    await store.startJobRun('daily', '2026-08-21', at(1), 'schedule', 'host-1:10:aaaaaaaa');
    await store.finishJobRun('daily', '2026-08-21', at(2), 'failed', { error: 'interrupted', interrupted: true });
    await store.forgiveJobAttempt('daily', '2026-08-21');
    expect(await store.jobRun('daily', '2026-08-21')).toMatchObject({ status: 'failed', attempts: 1 });
    await store.forgiveJobAttempt('daily', '2026-08-21');
    await store.forgiveJobAttempt('daily', '2026-08-21');
    expect(await store.jobRun('daily', '2026-08-21')).toMatchObject({ attempts: 0 });
    await store.forgiveJobAttempt('daily', '2026-08-30'); // no such row: nothing happens
    expect(await store.jobRun('daily', '2026-08-30')).toBeUndefined();
  });

  it('lists the recent runs newest start first, up to the limit, of that job only', async () => {
    const store = await fresh();
    // Started out of date order: a catch-up of an older date after a newer one.
    await store.startJobRun('daily', '2026-08-19', at(0), 'schedule', 'o:1:aaaaaaaa');
    await store.startJobRun('daily', '2026-08-21', at(10), 'schedule', 'o:1:aaaaaaaa');
    await store.startJobRun('daily', '2026-08-20', at(20), 'catchup', 'o:1:aaaaaaaa');
    await store.startJobRun('other', '2026-08-22', at(30), 'manual', 'o:1:aaaaaaaa');
    expect((await store.recentJobRuns('daily', 10)).map((r) => r.scheduled_for)).toEqual(['2026-08-20', '2026-08-21', '2026-08-19']);
    expect((await store.recentJobRuns('daily', 2)).map((r) => r.scheduled_for)).toEqual(['2026-08-20', '2026-08-21']);
    expect(await store.recentJobRuns('none', 5)).toEqual([]);
  });

  it('lists running rows by date; closing one as abandoned applies only to that owner while it is running', async () => {
    const store = await fresh();
    await store.startJobRun('daily', '2026-08-21', at(0), 'schedule', 'host-1:10:aaaaaaaa');
    await store.startJobRun('daily', '2026-08-20', at(1), 'catchup', 'host-2:20:bbbbbbbb');
    await store.startJobRun('daily', '2026-08-19', at(2), 'manual', 'host-1:10:aaaaaaaa');
    await store.finishJobRun('daily', '2026-08-19', at(3), 'ok', {});
    expect((await store.runningJobRuns('daily')).map((r) => [r.scheduled_for, r.owner])).toEqual([
      ['2026-08-20', 'host-2:20:bbbbbbbb'],
      ['2026-08-21', 'host-1:10:aaaaaaaa'],
    ]);
    const outcome = { error: 'JOB_ABANDONED', abandoned: true, owner: 'host-1:10:aaaaaaaa' };
    // Judged under an owner that no longer runs it (restarted meanwhile by host-2): left alone.
    expect(await store.abandonJobRun('daily', '2026-08-20', 'host-1:10:aaaaaaaa', at(5), outcome)).toBe(false);
    expect(await store.abandonJobRun('daily', '2026-08-19', 'host-1:10:aaaaaaaa', at(5), outcome)).toBe(false); // finished
    expect(await store.abandonJobRun('daily', '2026-08-21', 'host-1:10:aaaaaaaa', at(5), outcome)).toBe(true);
    const closed = (await store.jobRun('daily', '2026-08-21'))!;
    expect(closed).toMatchObject({ status: 'failed', finished_at: at(5), attempts: 1 });
    expect(JSON.parse(closed.outcome_json!)).toEqual(outcome);
    expect(await store.abandonJobRun('daily', '2026-08-21', 'host-1:10:aaaaaaaa', at(6), outcome)).toBe(false); // once
    expect((await store.runningJobRuns('daily')).map((r) => r.scheduled_for)).toEqual(['2026-08-20']);
    // A row without an owner (written before owners were recorded) is closed under the null owner.
    await run("UPDATE job_runs SET owner = NULL WHERE scheduled_for = '2026-08-20'");
    expect(await store.abandonJobRun('daily', '2026-08-20', null, at(7), { abandoned: true })).toBe(true);
    expect(await store.runningJobRuns('daily')).toEqual([]);
  });

  it("a forced shutdown interrupts only its own process's running runs (attempt given back) and deletes its lock rows", async () => {
    const store = await fresh();
    await store.startJobRun('daily', '2026-08-21', NOW, 'schedule', 'host_1:10:aaaaaaaa');
    await store.startJobRun('daily', '2026-08-20', NOW, 'schedule', 'host_1:100:bbbbbbbb'); // another pid, same prefix digits
    await store.startJobRun('daily', '2026-08-19', NOW, 'schedule', 'hostX1:10:cccccccc'); // `_` is not a wildcard
    await store.startJobRun('weekly', '2026-08-21', NOW, 'manual', 'host_1:10:dddddddd');
    await store.finishJobRun('weekly', '2026-08-21', at(1), 'ok', {});
    for (const [name, owner] of [['daily-job', 'host_1:10:aaaaaaaa'], ['prepare:2026-08-21', 'hostX1:10:cccccccc']])
      await run('INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?)', [name, owner, at(60)]);

    expect(await store.interruptJobRunsOf('host_1:10:', at(2))).toBe(1);
    const own = (await store.jobRun('daily', '2026-08-21'))!;
    expect(own).toMatchObject({ status: 'failed', finished_at: at(2), attempts: 0 });
    expect(JSON.parse(own.outcome_json!)).toEqual({ error: 'JOB_INTERRUPTED: the process shut down', interrupted: true });
    expect(await store.jobRun('daily', '2026-08-20')).toMatchObject({ status: 'running', attempts: 1 });
    expect(await store.jobRun('daily', '2026-08-19')).toMatchObject({ status: 'running', attempts: 1 });
    expect(await store.jobRun('weekly', '2026-08-21')).toMatchObject({ status: 'ok', attempts: 1 });
    expect(await run('SELECT name, owner FROM locks ORDER BY name')).toEqual([{ name: 'prepare:2026-08-21', owner: 'hostX1:10:cccccccc' }]);
  });
});
