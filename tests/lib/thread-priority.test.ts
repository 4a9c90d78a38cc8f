// A background thread lowers its own priority only: the process (its main thread) keeps its own. Linux sets nice per
// thread; this machine and CI are Linux, so the test asks for it to work, not merely not to fail.
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE, kernelThreadId, lowerThisThreadPriority } from '../../src/lib/thread-priority.js';

const threadPriorityUrl = new URL('../../src/lib/thread-priority.ts', import.meta.url).href;

function inWorker(code: string): Promise<{ tid: number | null; nice: number | null }> {
  const w = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(threadPriorityUrl)}); }).then((m) => { ${code} });`,
    { eval: true },
  );
  return new Promise((resolve, reject) => {
    w.once('message', (m) => {
      resolve(m as { tid: number | null; nice: number | null });
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('lowerThisThreadPriority', () => {
  it('is Linux here, where every thread has a kernel id', () => {
    expect(process.platform).toBe('linux');
    expect(kernelThreadId()).toBeGreaterThan(0);
  });

  it('lowers the calling thread to BACKGROUND_NICE and leaves the process as it was', async () => {
    const before = getPriority(process.pid);
    const r = await inWorker(`const { parentPort } = require('node:worker_threads'); parentPort.postMessage({ tid: m.kernelThreadId(), nice: m.lowerThisThreadPriority() });`);
    expect(r.tid).not.toBeNull();
    expect(r.tid).not.toBe(process.pid);
    expect(r.nice).toBe(Math.max(before, BACKGROUND_NICE));
    expect(getPriority(process.pid)).toBe(before);
  });

  it('never raises a priority: a thread already nicer keeps its value', async () => {
    const r = await inWorker(
      `const { parentPort } = require('node:worker_threads'); const os = require('node:os'); os.setPriority(m.kernelThreadId(), 15); parentPort.postMessage({ tid: m.kernelThreadId(), nice: m.lowerThisThreadPriority(5) });`,
    );
    expect(r.nice).toBe(15);
  });

  it('is a no-op on the thread asked for nothing lower than it has', () => {
    const own = getPriority(kernelThreadId()!);
    expect(lowerThisThreadPriority(own)).toBe(own);
    expect(getPriority(kernelThreadId()!)).toBe(own);
  });
});
