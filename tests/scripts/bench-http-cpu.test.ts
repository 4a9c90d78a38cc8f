// bench:http's CPU accounting: each of the benchmark's processes gets its own share of one core (the SMTP sink's is
// printed per run), and the machine's busy time left over is "others". Snapshots are built by hand here (the readings
// come from /proc); one test reads this process's real figures (Linux, where CI runs).
import { describe, expect, it } from 'vitest';
import { between, snapshot, type CpuSnapshot } from '../../scripts/bench-http-cpu.js';

const snap = (at: number, ours: (number | null)[], busyMs: number, totalMs: number, httpThread: number | null = null): CpuSnapshot => ({
  at,
  machine: { busyMs, totalMs },
  ours,
  httpThread,
});

describe('between', () => {
  it('gives each process its CPU time as a share of one core over the window, in the order given', () => {
    // 1 s of wall time on 2 CPUs: the driver 50 ms, the app 600, the generator 300, the sink 250 → 1,200 ms ours;
    // the machine was busy 1,400 ms of 2,000: others took 200 ms, 10 % of the machine.
    const w = between(snap(0, [1000, 5000, 2000, 400], 10_000, 40_000, 4000), snap(1000, [1050, 5600, 2300, 650], 11_400, 42_000, 4450));
    expect(w.oursCpu.map((x) => Number(x!.toFixed(3)))).toEqual([0.05, 0.6, 0.3, 0.25]);
    expect(w.others).toBeCloseTo(0.1, 6);
    expect(w.httpThreadCpu).toBeCloseTo(0.45, 6);
  });

  it('leaves a share it cannot read as null, and the others with it', () => {
    const w = between(snap(0, [10, null], 0, 1000), snap(500, [60, null], 200, 2000));
    expect(w.oursCpu).toEqual([0.1, null]);
    expect(w.others).toBeNull();
    expect(w.httpThreadCpu).toBeNull();
  });

  it('reads this process from /proc: its CPU share grows with a busy loop', () => {
    const a = snapshot([process.pid], process.pid);
    const until = performance.now() + 200;
    while (performance.now() < until); // burn 200 ms of this thread
    const w = between(a, snapshot([process.pid], process.pid));
    // /proc counts in 10 ms ticks: a 200 ms busy loop reads well above half a core, never above the threads' total.
    expect(w.oursCpu[0]).toBeGreaterThan(0.5);
    expect(w.httpThreadCpu).toBeGreaterThan(0.5);
  });
});
