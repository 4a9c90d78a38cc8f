// The soak's client, in its own process so that its timings are not held up by the server's event loop: a steady
// trickle of subscribe form posts and RFC 8058 one-click unsubscribes, in turn, to the server of scripts/soak.ts.
// Started through fork (IPC): gets { base, secret, subscribers, intervalMs }, answers 'stop' with what it measured.
import { subscriberUrls } from '../src/http/links.js';
import { seeded } from './bench-data.js';

interface Start {
  base: string;
  /** The server's PUBLIC_BASE_URL, which its links are made of. */
  baseUrl: string;
  secret: string;
  subscribers: number;
  intervalMs: number;
}

const latencies: number[] = [];
/** Each request's kind, when it was sent (epoch ms: lined up with the server's log) and how long it took. */
const requests: { kind: 'subscribe' | 'unsubscribe'; at: number; ms: number }[] = [];
const errors: string[] = [];
const inFlight = new Set<Promise<void>>();
const random = seeded(8058);
const form = { 'content-type': 'application/x-www-form-urlencoded' };

const timed = (kind: 'subscribe' | 'unsubscribe', url: string, init: RequestInit, ok: number) => {
  const t0 = performance.now();
  const at = Date.now();
  const p = fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
    .then(async (r) => {
      await r.arrayBuffer();
      if (r.status !== ok) errors.push(`${init.method} ${new URL(url).pathname}: ${r.status}`);
    })
    .catch((err: Error) => void errors.push(`${init.method} ${new URL(url).pathname}: ${err.message}`))
    .finally(() => {
      latencies.push(performance.now() - t0);
      requests.push({ kind, at, ms: performance.now() - t0 });
      inFlight.delete(p);
    });
  inFlight.add(p);
};

let timer: NodeJS.Timeout | undefined;
process.on('message', async (m: Start | 'stop') => {
  if (m === 'stop') {
    clearInterval(timer);
    await Promise.all(inFlight);
    process.send!({ latencies, errors, requests }, () => process.exit(0));
    return;
  }
  let sent = 0;
  timer = setInterval(() => {
    const i = sent++;
    if (i % 2 === 0) timed('subscribe', `${m.base}/subscribe`, { method: 'POST', headers: form, body: `email=soak${i}%40example.org&topics=agents` }, 202);
    else {
      // One-click unsubscribe of a reader anywhere in the audience (prepared or sent already, or not yet).
      const link = new URL(subscriberUrls(m.baseUrl, m.secret, 1 + Math.floor(random() * m.subscribers)).unsubscribeUrl);
      timed('unsubscribe', `${m.base}${link.pathname}${link.search}`, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' }, 200);
    }
  }, m.intervalMs);
});
