// bench:http's load generator must offer a fixed rate whatever the server does (open loop), so that a slow app
// shows up as latency and not as a lower offered rate; and each subscribe request must carry a new address.
// Real HTTP servers on 127.0.0.1:0.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLoad, runLoad, type LoadJob } from '../../scripts/bench-http-load.js';

interface Seen {
  at: number;
  method: string;
  body: string;
}

function server(respond: (req: IncomingMessage, body: string) => { status: number; delayMs: number }) {
  const seen: Seen[] = [];
  const srv: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ at: performance.now(), method: req.method ?? '', body });
      const { status, delayMs } = respond(req, body);
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'), delayMs);
    });
  });
  return new Promise<{ origin: string; seen: Seen[]; close: () => Promise<void> }>((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        seen,
        close: () => new Promise((r) => srv.close(() => r())),
      }),
    ),
  );
}

const job = (origin: string, o: Partial<LoadJob>): LoadJob => ({
  origin,
  kind: 'hello',
  path: '/',
  rate: 50,
  seconds: 1,
  expectStatus: 200,
  tag: 't',
  ...o,
});

describe('bench:http load generator', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await closeLoad();
    for (const c of closers.splice(0)) await c();
  });
  afterAll(closeLoad);

  it('issues requests at the offered rate while earlier ones are still unanswered (open loop)', async () => {
    // Every answer takes 400 ms: a closed-loop client on few connections would slow down; this one must not.
    const s = await server(() => ({ status: 200, delayMs: 400 }));
    closers.push(s.close);
    const r = await runLoad(job(s.origin, { rate: 50, seconds: 1 }));
    expect(r.offered).toBe(50);
    expect(r.completed).toBe(50);
    expect(r.errors).toBe(0);
    expect(s.seen).toHaveLength(50);
    // 50 requests spread over one second (20 ms apart): neither a burst (a closed-loop client with many
    // connections sends them all at once) nor paced by the 400 ms answers (one with a few connections would take
    // several seconds). The margins hold on a busy machine.
    const at = s.seen.map((x) => x.at).sort((a, b) => a - b);
    const span = at[at.length - 1]! - at[0]!;
    expect(span).toBeGreaterThan(800);
    expect(span).toBeLessThan(2000);
    const firstHalf = at.filter((t) => t - at[0]! < 500).length;
    expect(firstHalf).toBeGreaterThan(15);
    expect(firstHalf).toBeLessThan(35);
    // Latency is measured to the end of the answer: at least the server's 400 ms.
    expect(r.latencies).toHaveLength(50);
    expect(r.latencies[0]!).toBeGreaterThanOrEqual(399);
    expect(r.latencies).toEqual([...r.latencies].sort((a, b) => a - b));
    expect(r.cpuMs).toBeGreaterThan(0);
    expect(r.wallMs).toBeGreaterThanOrEqual(1000);
  });

  it('sends each subscribe request with a new address, as JSON', async () => {
    const s = await server(() => ({ status: 202, delayMs: 0 }));
    closers.push(s.close);
    const r = await runLoad(job(s.origin, { kind: 'subscribe', path: '/api/subscriptions', rate: 200, seconds: 0.5, expectStatus: 202, tag: 'a' }));
    expect(r.errors).toBe(0);
    expect(r.latencies).toHaveLength(100);
    const emails = s.seen.map((x) => {
      expect(x.method).toBe('POST');
      return (JSON.parse(x.body) as { email: string }).email;
    });
    expect(emails).toHaveLength(100);
    expect(new Set(emails).size).toBe(100);
    for (const e of emails) expect(e).toMatch(/^bench-a-\d+@example\.org$/);
  });

  it('counts answers with another status as errors, not as latencies', async () => {
    let n = 0;
    const s = await server(() => ({ status: n++ % 2 ? 500 : 200, delayMs: 0 }));
    closers.push(s.close);
    const r = await runLoad(job(s.origin, { rate: 100, seconds: 0.4 }));
    expect(r.offered).toBe(40);
    expect(r.errors).toBe(20);
    expect(r.latencies).toHaveLength(20);
    expect(r.errorSamples[0]).toBe('HTTP 500');
  });

  it('offers the warm-up at the same rate, right before the measured requests, and measures only those', async () => {
    // The first 10 answers (the warm-up's) are slow: none of them may reach the latencies; their errors would count.
    let n = 0;
    const s = await server(() => ({ status: 200, delayMs: n++ < 10 ? 300 : 0 }));
    closers.push(s.close);
    const r = await runLoad(job(s.origin, { rate: 50, seconds: 0.4, warmupSeconds: 0.2 }));
    expect(r.offered).toBe(30);
    expect(r.warmup).toBe(10);
    expect(r.errors).toBe(0);
    expect(s.seen).toHaveLength(30);
    expect(r.latencies).toHaveLength(20);
    expect(r.latencies[r.latencies.length - 1]!).toBeLessThan(250);
    // One schedule: 30 requests 20 ms apart, no pause between the warm-up and the measured part.
    const at = s.seen.map((x) => x.at).sort((a, b) => a - b);
    expect(at[at.length - 1]! - at[0]!).toBeGreaterThan(450);
    expect(at[at.length - 1]! - at[0]!).toBeLessThan(1200);
  });

  it('counts a refused connection as an error', async () => {
    const s = await server(() => ({ status: 200, delayMs: 0 }));
    await s.close(); // nothing listens on that port any more
    const r = await runLoad(job(s.origin, { rate: 20, seconds: 0.25 }));
    expect(r.offered).toBe(5);
    expect(r.errors).toBe(5);
    expect(r.latencies).toHaveLength(0);
  });
});
