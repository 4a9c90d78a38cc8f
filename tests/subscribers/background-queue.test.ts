// The confirmation queue: bounded concurrency and size, starts after the current turn, yields while busy,
// drains, and survives failing jobs. Time is a manual clock: no test here sleeps or reads the wall clock.
import { describe, expect, it } from 'vitest';
import { createBackgroundQueue, createTrafficMeter } from '../../src/subscribers/background-queue.js';
import { manualTime, turns } from '../helpers/manual-time.js';

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
        await turns(2); // a job that takes a few turns of the event loop
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

  it('while busy, starts exactly one job per interval, and catches up at full speed when the traffic stops', async () => {
    const time = manualTime(1_000);
    let busy = true;
    const starts: number[] = [];
    const q = createBackgroundQueue({ concurrency: 4, maxQueued: 100, onError: () => {}, yieldWhile: () => busy, yieldIntervalMs: 40, time });
    for (let i = 0; i < 20; i++)
      q.push(async () => {
        starts.push(time.now());
      });
    await turns();
    expect(starts).toEqual([1_000]); // one at once, the rest wait for the interval
    await time.advance(39);
    expect(starts).toHaveLength(1);
    await time.advance(1);
    expect(starts).toEqual([1_000, 1_040]);
    await time.advance(80);
    expect(starts).toEqual([1_000, 1_040, 1_080, 1_120]);
    busy = false;
    await time.advance(40); // the timer already set fires; from then on nothing waits
    await q.drain();
    expect(starts).toHaveLength(20);
    expect(starts.slice(4).every((t) => t === 1_160)).toBe(true);
  });
});

describe('traffic meter', () => {
  it('is busy above the threshold within the window, and calm again two windows after the traffic stops', () => {
    let now = 0;
    const m = createTrafficMeter({ windowMs: 30, threshold: 5, now: () => now });
    for (let i = 0; i < 5; i++) m.note();
    expect(m.busy()).toBe(false);
    m.note();
    expect(m.busy()).toBe(true);
    now = 31; // the next window still remembers the busy one
    expect(m.busy()).toBe(true);
    now = 62; // a whole window without a request
    expect(m.busy()).toBe(false);
  });

  it("can count a running total kept elsewhere (the HTTP thread's shared counter)", () => {
    let now = 0;
    let total = 100;
    const m = createTrafficMeter({ windowMs: 30, threshold: 5, now: () => now, total: () => total });
    total += 5;
    expect(m.busy()).toBe(false);
    total += 1;
    expect(m.busy()).toBe(true);
    now = 100;
    expect(m.busy()).toBe(false);
  });
});
