// The job slot's scope around each job (the server holds the heap's growth to 1.5× only while a job runs), and the
// heap-growth scope's counting: on with the first job, off (V8's default) when the last one settles, however it ends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/jobs/runner.js';
import { heapGrowthDuringJobs, HEAP_GROWING_PERCENT } from '../../src/lib/heap-growth.js';
import { silentLogger } from '../../src/lib/logger.js';

describe('heapGrowthDuringJobs', () => {
  it('sets the limit when the first scope opens and V8’s default (0) when the last one closes', () => {
    const set: number[] = [];
    const scope = heapGrowthDuringJobs(HEAP_GROWING_PERCENT, (p) => set.push(p));
    scope.enter();
    scope.enter();
    scope.leave();
    expect(set).toEqual([HEAP_GROWING_PERCENT]);
    scope.leave();
    expect(set).toEqual([HEAP_GROWING_PERCENT, 0]);
    scope.leave(); // one leave too many changes nothing
    expect(set).toEqual([HEAP_GROWING_PERCENT, 0]);
  });
});

describe('the job runner’s scope', () => {
  const recording = () => {
    const events: string[] = [];
    return { events, scope: { enter: () => events.push('enter'), leave: () => events.push('leave') } };
  };

  it('is entered as a job starts and left when it finishes', async () => {
    const { events, scope } = recording();
    const runner = createJobRunner(silentLogger(), { duringJobs: scope });
    const job = runner.run('ok', async () => {
      events.push('work');
      return 7;
    });
    expect(await job).toBe(7);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['enter', 'work', 'leave']);
    expect(runner.current()).toBeUndefined();
  });

  it('is left when a job fails or is aborted, and not entered for a job refused as busy', async () => {
    const { events, scope } = recording();
    const runner = createJobRunner(silentLogger(), { duringJobs: scope });
    let release!: () => void;
    const first = runner.run('slow', () => new Promise<void>((_, reject) => (release = () => reject(new Error('boom')))));
    expect(runner.run('refused', async () => undefined)).toBeUndefined();
    expect(events).toEqual(['enter']);
    release();
    await expect(first).rejects.toThrow('boom');
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['enter', 'leave']);
    const aborted = runner.run('aborted', (signal) => new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    expect(await runner.stop(1000)).toBe(true);
    await expect(aborted).rejects.toThrow();
    expect(events).toEqual(['enter', 'leave', 'enter', 'leave']);
  });

  it('is what the server gives its runner', () => {
    const server = readFileSync(new URL('../../src/server.ts', import.meta.url), 'utf8');
    expect(server).toMatch(/createJobRunner\(app\.logger, \{ duringJobs: heapGrowthDuringJobs\(\) \}\)/);
    expect(server).not.toMatch(/limitHeapGrowth\(/);
  });
});
