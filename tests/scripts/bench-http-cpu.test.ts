// bench:http's CPU accounting: each of the benchmark's processes gets its own share of one core (the SMTP sink's is
// printed per run), and the machine's busy time left over is "others". Snapshots are built by hand here (the readings
// come from /proc); one test reads this process's real figures (Linux, where CI runs).
import { describe, expect, it } from 'vitest';
import { between, snapshot, taskCpuMs, type CpuSnapshot } from '../../scripts/bench-http-cpu.js';

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

  it('reads this process from /proc: a busy loop shows as the thread\'s CPU time, and in the process\'s', () => {
    const a = snapshot([process.pid], process.pid);
    // Burn until /proc itself has counted 200 ms on this thread (a wall-clock loop could be descheduled by the other
    // test workers on a 2-core machine); bounded, so that a /proc that never counts fails instead of hanging.
    const deadline = performance.now() + 10_000;
    while ((taskCpuMs(process.pid, process.pid) ?? 0) - a.httpThread! < 200 && performance.now() < deadline);
    const b = snapshot([process.pid], process.pid);
    const w = between(a, b);
    const wall = b.at - a.at;
    expect(w.httpThreadCpu! * wall).toBeGreaterThan(199.9); // 200 ms, divided by the wall time and multiplied back
    // The process's time holds the thread's (one 10 ms tick of slack: the two files are read one after the other).
    expect(w.oursCpu[0]! * wall).toBeGreaterThanOrEqual(w.httpThreadCpu! * wall - 10);
  });
});
