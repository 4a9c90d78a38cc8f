// The confirmation queue: bounded concurrency and size, starts after the current turn, yields while busy,
// drains, and survives failing jobs.
import { describe, expect, it } from 'vitest';
import { createBackgroundQueue, createTrafficMeter } from '../../src/subscribers/background-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('background queue', () => {
  it('starts nothing in the current turn, runs at most `concurrency` at once, and drains', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    const q = createBackgroundQueue({ concurrency: 3, maxQueued: 100, onError: () => {} });
    for (let i = 0; i < 10; i++)
      q.push(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        done++;
      });
    expect(running).toBe(0); // the caller's response goes out first
    expect(q.size).toBe(10);
    await q.drain();
    expect(done).toBe(10);
    expect(peak).toBe(3);
    expect(q.size).toBe(0);
    await q.drain(); // an idle queue drains at once
  });

  it('refuses jobs beyond maxQueued instead of buffering without bound', () => {
    const q = createBackgroundQueue({ concurrency: 1, maxQueued: 2, onError: () => {} });
    const job = async () => {};
    expect([q.push(job), q.push(job), q.push(job)]).toEqual([true, true, false]);
    return q.drain();
  });

  it('reports a failing job and goes on with the next', async () => {
    const errors: unknown[] = [];
    let ran = 0;
    const q = createBackgroundQueue({ concurrency: 1, maxQueued: 10, onError: (e) => errors.push(e) });
    q.push(async () => {
      throw new Error('smtp down');
    });
    q.push(async () => {
      ran++;
    });
    await q.drain();
    expect(errors.map(String)).toEqual(['Error: smtp down']);
    expect(ran).toBe(1);
  });

  it('while busy, runs one job at a time, one per interval, and speeds up when the traffic stops', async () => {
    let busy = true;
    const starts: number[] = [];
    const q = createBackgroundQueue({ concurrency: 4, maxQueued: 100, onError: () => {}, yieldWhile: () => busy, yieldIntervalMs: 40 });
    for (let i = 0; i < 20; i++)
      q.push(async () => {
        starts.push(performance.now());
      });
    await sleep(130);
    // About one start per 40 ms while busy (not all 20 at once), yet progress.
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBeLessThanOrEqual(5);
    busy = false;
    await q.drain();
    expect(starts).toHaveLength(20);
  });
});

describe('traffic meter', () => {
  it('is busy above the threshold within the window, and calm again once the traffic stops', async () => {
    const m = createTrafficMeter({ windowMs: 30, threshold: 5 });
    for (let i = 0; i < 5; i++) m.note();
    expect(m.busy()).toBe(false);
    m.note();
    expect(m.busy()).toBe(true);
    await sleep(100); // more than two windows without a request
    expect(m.busy()).toBe(false);
  });
});
