// The helper-thread wrapper: a thread is reused while there is work, and `release` ends it at once when idle (the
// preparation releases its thread so that its memory does not overlap the send).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workerThread } from '../../src/lib/worker-thread.js';

// A real worker that answers each request with its thread id, after `delayMs`.
const dir = mkdtempSync(join(tmpdir(), 'worker-thread-'));
const echo = join(dir, 'echo.mjs');
writeFileSync(
  echo,
  `import { parentPort, threadId } from 'node:worker_threads';
parentPort.on('message', (m) => setTimeout(() => parentPort.postMessage({ id: m.id, threadId }), m.delayMs ?? 0));`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Answer = { id: number; threadId: number } | { id: number; error: string };
const threadOf = (a: Answer) => {
  if ('error' in a) throw new Error(a.error);
  return a.threadId;
};

describe('workerThread', () => {
  it('reuses one thread for consecutive requests while it is not released', async () => {
    const ask = workerThread<{ delayMs?: number }, { id: number; threadId: number }>(pathToFileURL(echo), 60_000, false);
    const first = threadOf(await ask({}));
    expect(threadOf(await ask({}))).toBe(first);
    ask.release();
  });

  it('release ends an idle thread at once, and the next request starts another', async () => {
    const ask = workerThread<{ delayMs?: number }, { id: number; threadId: number }>(pathToFileURL(echo), 60_000, false);
    const first = threadOf(await ask({}));
    ask.release();
    expect(threadOf(await ask({}))).not.toBe(first);
    ask.release();
  });

  it('release while a request is in flight lets it finish, then ends the thread', async () => {
    const ask = workerThread<{ delayMs?: number }, { id: number; threadId: number }>(pathToFileURL(echo), 60_000, false);
    const pending = ask({ delayMs: 50 });
    ask.release();
    const first = threadOf(await pending);
    // The answer came (not an error from a terminated thread); the thread then stopped: a new one answers next.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(threadOf(await ask({}))).not.toBe(first);
    ask.release();
  });

  it('a process that keeps its threads (the tests) ignores release', async () => {
    const ask = workerThread<{ delayMs?: number }, { id: number; threadId: number }>(pathToFileURL(echo), 60_000, true);
    const first = threadOf(await ask({}));
    ask.release();
    expect(threadOf(await ask({}))).toBe(first);
  });
});
