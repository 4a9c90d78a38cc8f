// `npm run bench:http [-- COUNT]`: POST /api/subscriptions (a unique address per request) at 50 concurrent
// connections for COUNT requests (default 12,000), beside a BASELINE measured in the same run: a hello-world
// route registered on the same app only for this benchmark, in alternating rounds. Prints req/s, p99 latency
// (median of the rounds' p99, and the worst) and errors for each. The app runs in a child process (its own event loop, as in production) with rate limits
// raised; its confirmation emails go to an SMTP sink in a third process. Loopback only; temp database.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/lib/logger.js';
import { buildHttpApp } from '../src/http/build-app.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface CannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  setupRequest?: (req: Record<string, unknown>) => Record<string, unknown>;
}
interface CannonOptions {
  url: string;
  connections: number;
  amount: number;
  requests?: CannonRequest[];
}
const autocannon = createRequire(import.meta.url)('autocannon') as (o: CannonOptions) => Promise<CannonResult>;

const HELLO = '/__bench/hello';
const CONNECTIONS = 50;
const ROUNDS = 6;

// ---- the server child: the real app plus the hello-world route, listening on 127.0.0.1:0 ----
async function serve(smtpPort: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0000',
    PUBLIC_BASE_URL: 'https://papers.example.org',
    DATABASE_PATH: join(dir, 'bench.db'),
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SCHEDULER_ENABLED: 'false',
    SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const app = createApp(config, { logger: silentLogger() });
  const http = await buildHttpApp(app);
  http.get(HELLO, { schema: { hide: true } }, async () => ({ hello: 'world' }));
  await http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = http.server.address() as { port: number };
  process.send?.({ port });
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    const t0 = performance.now();
    await http.close(); // drains the confirmation-email queue
    const stats = { pending: app.db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = 'pending'").get() as { n: number }, drainMs: performance.now() - t0 };
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    process.send?.({ subscribers: stats.pending.n, drainMs: stats.drainMs }, () => process.exit(0));
  });
}

// ---- the driver ----
function child(script: string, args: string[]): { proc: ChildProcess; next<T>(): Promise<T> } {
  const proc = fork(script, args, { execArgv: ['--import', 'tsx'] });
  return {
    proc,
    next: <T>() =>
      new Promise<T>((resolve, reject) => {
        proc.once('message', (m) => resolve(m as T));
        proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
      }),
  };
}

async function main(count: number) {
  const sink = child(fileURLToPath(new URL('./bench-send-sink.ts', import.meta.url)), []);
  const { port: smtpPort } = await sink.next<{ port: number }>();
  const server = child(fileURLToPath(import.meta.url), ['--serve', String(smtpPort)]);
  const { port } = await server.next<{ port: number }>();
  const base = `http://127.0.0.1:${port}`;
  const runId = Date.now().toString(36);
  let n = 0;
  const hello = (amount: number) => autocannon({ url: base + HELLO, connections: CONNECTIONS, amount });
  const subscribe = (amount: number) =>
    autocannon({
      url: base,
      connections: CONNECTIONS,
      amount,
      requests: [
        {
          method: 'POST',
          path: '/api/subscriptions',
          headers: { 'content-type': 'application/json' },
          // A unique address per request: every one is a new subscriber, an insert and a queued confirmation.
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: `bench-${runId}-${n++}@example.org`, topics: ['agents'] }) }),
        },
      ],
    });

  try {
    // Warm-up (JIT, SQLite page cache, SMTP pool), not reported.
    await hello(2000);
    await subscribe(1000);
    // Alternating rounds (hello first, then ours first, …), so that load from other processes on a shared
    // machine falls on both sides alike.
    const rounds: { hello: CannonResult; ours: CannonResult }[] = [];
    const chunk = Math.ceil(count / ROUNDS);
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        const h = await hello(chunk);
        rounds.push({ hello: h, ours: await subscribe(chunk) });
      } else {
        const o = await subscribe(chunk);
        rounds.push({ ours: o, hello: await hello(chunk) });
      }
    }
    const side = (pick: (r: (typeof rounds)[number]) => CannonResult) => {
      const rs = rounds.map(pick);
      const p99s = rs.map((r) => r.latency.p99).sort((x, y) => x - y);
      return {
        // Rate over the whole side (requests / seconds): autocannon's per-second average is coarse for short runs.
        rps: rs.reduce((n, r) => n + r.requests.total, 0) / rs.reduce((t, r) => t + r.duration, 0),
        p99: p99s[Math.floor(p99s.length / 2)]!,
        worstP99: p99s[p99s.length - 1]!,
        errors: rs.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0),
        total: rs.reduce((n, r) => n + r.requests.total, 0),
      };
    };
    const base = side((r) => r.hello);
    const ours = side((r) => r.ours);
    const row = (name: string, x: ReturnType<typeof side>, expectedStatus: string) =>
      `${name.padEnd(32)} ${x.rps.toFixed(0).padStart(7)} req/s   p99 ${String(x.p99).padStart(4)} ms (worst round ${x.worstP99} ms)   errors ${x.errors} (of ${x.total}, expected ${expectedStatus})`;
    console.log(`bench:http — ${rounds.length * chunk} requests per side in ${ROUNDS} alternating rounds, ${CONNECTIONS} connections, loopback, app in its own process`);
    console.log(row('BASELINE hello-world (GET)', base, '200'));
    console.log(row('OURS POST /api/subscriptions', ours, '202'));
    const ratio = ours.rps / base.rps;
    console.log(`ratio to hello-world: ${ratio.toFixed(2)} (target ≥ 0.30) · p99 ${ours.p99} ms (target < 50) · errors ${ours.errors} (target 0)`);
    server.proc.send('stop');
    const { subscribers, drainMs } = await server.next<{ subscribers: number; drainMs: number }>();
    sink.proc.send('count');
    const { count: mails } = await sink.next<{ count: number }>();
    console.log(`subscribers recorded: ${subscribers} · confirmation emails received by the SMTP sink: ${mails} (queue drained ${(drainMs / 1000).toFixed(1)} s after the load)`);
    const ok = ratio >= 0.3 && ours.p99 < 50 && ours.errors === 0;
    console.log(ok ? 'targets met' : 'TARGETS MISSED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    server.proc.kill();
    sink.proc.kill();
  }
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]));
else {
  const count = Number(process.argv[2] ?? 12_000);
  if (!Number.isInteger(count) || count < 1000 || count > 200_000) throw new Error('usage: npm run bench:http [-- COUNT between 1000 and 200000]');
  await main(count);
}
