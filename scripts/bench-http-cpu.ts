// CPU accounting for bench:http on a shared machine (Linux /proc; elsewhere every reading is null and the
// benchmark prints less): the machine's busy time, each of our processes' CPU time, and the app's HTTP thread's own
// CPU time, so that a run can say how much of the machine other processes took while it ran, and whether the app's
// HTTP thread was working or waiting for a CPU (an event loop that is "busy" 95 % of the time but on a CPU 30 % of
// it is starved by others, not slow).
import { readFileSync } from 'node:fs';

/** Clock ticks (USER_HZ): 100 per second on Linux, whatever the kernel's HZ. */
const TICK_MS = 10;

/** Busy and total CPU time of the whole machine, ms summed over all CPUs. */
export function machineCpu(): { busyMs: number; totalMs: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...f] = line.trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f.map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return { busyMs: busy * TICK_MS, totalMs: (busy + idle! + iowait!) * TICK_MS };
  } catch {
    return null;
  }
}

/** User + system CPU time of a process (all its threads), or of one thread when `tid` is given, ms. */
export function taskCpuMs(pid: number, tid?: number): number | null {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime: fields 14 and 15 of the whole line
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  at: number;
  machine: ReturnType<typeof machineCpu>;
  ours: (number | null)[];
  httpThread: number | null;
}

/** `ours`: the benchmark's own processes (the driver included); `app`: the app's pid, whose main thread is the HTTP thread. */
export function snapshot(ours: number[], app: number): CpuSnapshot {
  return { at: performance.now(), machine: machineCpu(), ours: ours.map((p) => taskCpuMs(p)), httpThread: taskCpuMs(app, app) };
}

export interface CpuWindow {
  /** CPU time of processes other than ours, as a share of the whole machine (all CPUs). */
  others: number | null;
  /** The HTTP thread's CPU time, as a share of one CPU over the window. */
  httpThreadCpu: number | null;
  /** Each of our processes' CPU time (all its threads), as a share of one CPU over the window, in `ours`' order. */
  oursCpu: (number | null)[];
}

export function between(a: CpuSnapshot, b: CpuSnapshot): CpuWindow {
  const wall = b.at - a.at;
  // Each of our processes' CPU time over the window, ms (null where either reading failed): its share, and the
  // machine's busy time left over for the others.
  const usedMs = a.ours.map((x, i) => (x !== null && b.ours[i] != null ? b.ours[i]! - x : null));
  let others: number | null = null;
  if (a.machine && b.machine && usedMs.every((x) => x !== null)) {
    const ours = usedMs.reduce((t, x) => t! + x!, 0)!;
    const total = b.machine.totalMs - a.machine.totalMs;
    if (total > 0) others = Math.max(0, (b.machine.busyMs - a.machine.busyMs - ours) / total);
  }
  const httpThreadCpu = a.httpThread !== null && b.httpThread !== null && wall > 0 ? (b.httpThread - a.httpThread) / wall : null;
  const oursCpu = usedMs.map((x) => (x !== null && wall > 0 ? x / wall : null));
  return { others, httpThreadCpu, oursCpu };
}
