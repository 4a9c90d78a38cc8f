// `npm run bench:send [-- COUNT] [--profile] [--engine postgres [--senders N]]`: the whole sending path (prepare + render + send + ledger) for COUNT
// active subscribers (default 100,000) to an SMTP sink in another process, beside a BASELINE measured in the same
// run: nodemailer's own pooled transport (same pool settings, same in-flight window) sending one pre-rendered digest
// the plain nodemailer way (html and text strings). Prints CPU time per message (this process, the main figure on a
// shared machine), messages/s, both ratios and this process's peak RSS (measured before the second half of the
// baseline runs, so it is the engine's). --profile adds a CPU profile of the engine run, by area and by function.
// With --engine postgres the same edition is then copied into a fresh PostgreSQL database (BENCH_PG_URL, default the
// local server; dropped at the end) with `db copy`'s code and sent again by 1 … N sender processes at once
// (scripts/bench-send-worker.ts: the sendDue that `papers worker` runs): msg/s, CPU per message of the senders and of
// the PostgreSQL server, each beside the same baseline. Loopback only; the SQLite database is a temp file.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { openPostgres } from '../src/db/postgres/pool.js';
import { migratePostgres } from '../src/db/postgres/migrate.js';
import { copySqliteToPostgres } from '../src/db/copy.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createApp, type AppDeps } from '../src/app.js';
import { silentLogger } from '../src/lib/logger.js';
import { fixedClock } from '../src/lib/clock.js';
import { runIngest } from '../src/ingest/run-ingest.js';
import { prepareEdition } from '../src/digest/prepare.js';
import { sendDue } from '../src/mail/send-edition.js';
import { subscriberUrls } from '../src/http/links.js';
import { createSmtpTransport } from '../src/mail/mailer.js';
import { parseSender, toPlainNodemailer } from '../src/mail/message.js';
import { profileCpu, printProfile } from './cpu-profile.js';
import { compileStoredEdition, readStoredEditionById } from '../src/digest/stored-edition.js';
import { SAMPLE_DATE, SAMPLE_DIR, SAMPLE_NOW } from '../src/digest/sample-edition.js';
import type { Section } from '../src/rank/select.js';
import type { OutgoingMessage } from '../src/mail/message.js';

const args = process.argv.slice(2);
const profile = args.includes('--profile');
const optionValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const engineArg = optionValue('--engine') ?? 'sqlite';
const maxSenders = Number(optionValue('--senders') ?? 2);
if (engineArg !== 'sqlite' && engineArg !== 'postgres') throw new Error('--engine is sqlite or postgres');
if (!Number.isInteger(maxSenders) || maxSenders < 1) throw new Error('--senders N: a positive integer');
const optionValues = new Set([optionValue('--engine'), optionValue('--senders')]);
const count = Number(args.find((a) => !a.startsWith('--') && !optionValues.has(a)) ?? 100_000);
const connections = Number(process.env.SMTP_MAX_CONNECTIONS ?? 5);
if (!Number.isInteger(count) || count < 100) throw new Error('usage: npm run bench:send [-- COUNT ≥ 100] [--profile] [--engine postgres [--senders N]]');
// The baseline runs a quarter of COUNT, half before and half after the engine, so that a change in the
// machine's load during the run affects both sides alike.
const baselineCount = Math.max(100, Math.round(count / 8));

interface Sink {
  port: number;
  count(): Promise<number>;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./bench-send-sink.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
  return {
    port,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { count: number }).count));
        child.send('count');
      }),
    stop: () => child.kill(),
  };
}

/** CPU time (ms) used so far by the PostgreSQL server on this machine, ended backends included (Linux /proc). */
function postgresServerCpuMs(): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!name.startsWith('postgres')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, and cutime + cstime: a backend that exited is counted in the postmaster that reaped it.
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * tick;
    } catch {
      // a process that ended meanwhile
    }
  }
  return total;
}

interface PgRow {
  senders: number;
  sent: number;
  ms: number;
  senderCpuMs: number;
  serverCpuMs: number;
}

/** The same edition from PostgreSQL, sent by 1 … maxSenders processes at once, each run on a fresh copy. */
async function benchPostgres(o: {
  app: AppDeps;
  sink: Sink;
  count: number;
  maxSenders: number;
  baseline: { rate: number; cpu: number };
  raw: ReturnType<typeof rawPool>;
  message: OutgoingMessage;
}): Promise<PgRow[]> {
  const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_send_${process.pid}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const out: PgRow[] = [];
  try {
    for (let senders = 1; senders <= o.maxSenders; senders++) {
      // A fresh edition on SQLite (the previous one deleted with its ledger rows), copied into a fresh database.
      o.app.db.prepare('DELETE FROM editions WHERE date = ?').run(SAMPLE_DATE);
      const prepared = prepareEdition(o.app, SAMPLE_DATE, o.app.prepareSettings);
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${name}`);
      const pool = await openPostgres(url.toString(), { max: 2 });
      try {
        await migratePostgres(pool);
        await copySqliteToPostgres(o.app.db, pool);
        await pool.query('VACUUM ANALYZE');
      } finally {
        await pool.end();
      }
      const env = {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        DATABASE_URL: url.toString(),
        SMTP_URL: `smtp://127.0.0.1:${o.sink.port}`,
        SMTP_MAX_CONNECTIONS: String(connections),
        PUBLIC_BASE_URL: o.app.config.publicBaseUrl,
        MAIL_FROM: o.app.config.mail.from,
        SECRET_KEY: o.app.config.secretKey,
        BENCH_NOW: SAMPLE_NOW,
        BENCH_EDITION_ID: String(prepared.edition.id),
      };
      const workers = Array.from({ length: senders }, () =>
        fork(fileURLToPath(new URL('./bench-send-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], env }),
      );
      const messages = workers.map(
        (w) =>
          new Promise<Record<string, number>>((resolve, reject) => {
            w.on('message', (m) => {
              if (!(m as { ready?: boolean }).ready) resolve(m as Record<string, number>);
            });
            w.once('exit', (code) => (code ? reject(new Error(`sender exited with ${code}`)) : undefined));
          }),
      );
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve()))));
      const server0 = postgresServerCpuMs();
      const t0 = performance.now();
      for (const w of workers) w.send('go');
      const results = await Promise.all(messages);
      const ms = performance.now() - t0;
      const serverCpuMs = postgresServerCpuMs() - server0;
      out.push({
        senders,
        sent: results.reduce((n, r) => n + r.sent!, 0),
        ms,
        senderCpuMs: results.reduce((n, r) => n + r.cpuMs!, 0),
        serverCpuMs,
      });
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  }
  // The baseline once more after the PostgreSQL runs: the machine's load may have moved.
  const again = await measure(() => o.raw.send(Math.max(100, Math.round(o.count / 8)), o.message));
  const rawRate = (rate(Math.max(100, Math.round(o.count / 8)), again.ms) + o.baseline.rate) / 2;
  const rawCpu = (again.cpuMs / Math.max(100, Math.round(o.count / 8)) + o.baseline.cpu) / 2;
  console.log(`PostgreSQL (send only: the edition prepared on SQLite and copied in; senders in processes of their own, started together):`);
  for (const r of out) {
    const msgRate = rate(r.sent, r.ms);
    console.log(
      `  ${r.senders} sender${r.senders > 1 ? 's' : ' '}  ${r.sent} messages in ${(r.ms / 1000).toFixed(1)} s = ${msgRate.toFixed(0)} messages/s (${(msgRate / rawRate).toFixed(2)}× baseline${r.senders === 1 ? ', target ≥ 0.70' : ''}); ` +
        `CPU/message: senders ${(r.senderCpuMs / r.sent).toFixed(2)} ms (${(r.senderCpuMs / r.sent / rawCpu).toFixed(2)}× baseline) + PostgreSQL server ${(r.serverCpuMs / r.sent).toFixed(2)} ms`,
    );
  }
  console.log(`  BASELINE raw nodemailer pool (mean of this run's two measurements): ${rawCpu.toFixed(2)} ms CPU/message, ${rawRate.toFixed(0)} messages/s`);
  return out;
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => (n * 1000) / ms;

/** Wall time and this process's CPU time of `fn`, in ms. */
async function measure(fn: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/** The baseline: nodemailer's pool, sending the message the plain nodemailer way. */
function rawPool(app: AppDeps) {
  const { mail } = app.config;
  const transport = createSmtpTransport(mail.smtpUrl!, { maxConnections: mail.maxConnections, ratePerSecond: mail.ratePerSecond });
  const from = parseSender(mail.from);
  return {
    async send(n: number, message: OutgoingMessage): Promise<void> {
      // Same in-flight window as the engine (the pool's maxConnections): the pool never idles for lack of work.
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const i = next++;
          await transport.sendMail(toPlainNodemailer({ ...message, to: `raw${i}@example.org` }, from, undefined, app.clock.now()));
        }
      };
      await Promise.all(Array.from({ length: connections }, worker));
    },
    close: () => transport.close(),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-send-'));
const sink = await startSink();
const config = loadConfig({
  NODE_ENV: 'development',
  LOG_LEVEL: 'silent',
  DATABASE_PATH: join(dir, 'bench.db'),
  SOURCES: 'file',
  FILE_SOURCE_PATH: SAMPLE_DIR,
  SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
  SMTP_MAX_CONNECTIONS: String(connections),
  PUBLIC_BASE_URL: 'https://papers.example.org',
  MAIL_FROM: 'Trending Papers <digest@papers.example.org>',
  SECRET_KEY: 'bench-secret-bench-secret-bench-secret-00',
});
const app = createApp(config, { clock: fixedClock(SAMPLE_NOW), logger: silentLogger() });
const raw = rawPool(app);
try {
  console.log(`bench:send — ${count.toLocaleString('en')} subscribers, ${connections} SMTP connections, sink in another process`);
  // Set-up (not timed): the sample week's papers and the audience. Some follow topics, as real readers do.
  await runIngest({ ...app, sources: app.sources() }, { days: app.config.sources.hfDays });
  const now = app.clock.now().toISOString();
  const topics = [['long context'], ['diffusion'], ['cs.CL'], []];
  app.db
    .transaction(() => {
      for (let i = 1; i <= count; i++)
        app.subscriptions.repo.create({ email: `reader${i}@example.org`, status: 'active', now, topics: topics[i % topics.length]! });
    })
    .immediate();

  // The baseline message: subscriber 1's digest of the same edition, rendered once with the same headers as the
  // engine sends. It comes from a trial prepare that is then deleted whole (it also warms SQLite and the ranking).
  const trial = prepareEdition(app, SAMPLE_DATE, app.prepareSettings);
  const stored = (await readStoredEditionById(app.store, trial.edition.id))!;
  const compiled = await compileStoredEdition(stored, { publicBaseUrl: config.publicBaseUrl });
  const first = app.db.prepare<[number], { subscriber_id: number; selection_json: string; message_id: string }>(
    'SELECT subscriber_id, selection_json, message_id FROM deliveries WHERE edition_id = ? ORDER BY id LIMIT 1',
  ).get(trial.edition.id)!;
  const urls = subscriberUrls(config.publicBaseUrl, config.secretKey, first.subscriber_id);
  const rendered = compiled.renderFor({ sections: JSON.parse(first.selection_json) as Section[], ...urls });
  const message: OutgoingMessage = {
    to: '',
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId: first.message_id,
    unsubscribeUrl: urls.unsubscribeUrl,
    listId: config.mail.listId,
  };
  app.db.transaction(() => app.db.prepare('DELETE FROM editions WHERE id = ?').run(trial.edition.id)).immediate(); // cascades
  app.db.pragma('wal_checkpoint(TRUNCATE)');
  // Warm nodemailer's code paths and open the pool's connections (not timed, not counted below).
  const warmup = Math.min(200, baselineCount);
  await raw.send(warmup, message);

  const rssBefore = process.memoryUsage().rss;
  const half = Math.floor(baselineCount / 2);
  const raw1 = await measure(() => raw.send(half, message));

  // OURS: prepare (freeze the edition, one delivery per subscriber) + send everything that is due.
  let prepared!: ReturnType<typeof prepareEdition>;
  let outcome!: Awaited<ReturnType<typeof sendDue>>;
  let prepareMs = 0;
  const engine = async () => {
    const t0 = performance.now();
    prepared = prepareEdition(app, SAMPLE_DATE, app.prepareSettings);
    prepareMs = performance.now() - t0;
    outcome = await sendDue(app, app.sendSettings, { editionId: prepared.edition.id });
  };
  let cpuProfile: Awaited<ReturnType<typeof profileCpu>>['profile'] | undefined;
  const ours = await measure(async () => {
    if (profile) cpuProfile = (await profileCpu(engine)).profile;
    else await engine();
  });
  const peakKb = process.resourceUsage().maxRSS;

  const raw2 = await measure(() => raw.send(baselineCount - half, message));
  const rawMs = raw1.ms + raw2.ms;
  const rawRate = rate(baselineCount, rawMs);
  const oursRate = rate(outcome.sent, ours.ms);
  const oursCpu = ours.cpuMs / outcome.sent;
  const rawCpu = (raw1.cpuMs + raw2.cpuMs) / baselineCount;
  const received = await sink.count();

  console.log(`messages in the edition: ${prepared.deliveries} (sent ${outcome.sent}, failed ${outcome.failed}, bounced ${outcome.bounced}, remaining ${outcome.remaining})`);
  console.log(`message size: ${(Buffer.byteLength(message.html) / 1024).toFixed(1)} KB html + ${(Buffer.byteLength(message.text) / 1024).toFixed(1)} KB text`);
  console.log(`OURS     prepare + render + send + ledger: ${oursCpu.toFixed(2)} ms CPU/message; ${outcome.sent} messages in ${(ours.ms / 1000).toFixed(1)} s = ${oursRate.toFixed(0)} messages/s (prepare ${(prepareMs / 1000).toFixed(1)} s)`);
  console.log(`BASELINE raw nodemailer pool, one pre-rendered message: ${rawCpu.toFixed(2)} ms CPU/message; ${baselineCount} messages in ${(rawMs / 1000).toFixed(1)} s = ${rawRate.toFixed(0)} messages/s`);
  console.log(`ratio ours/baseline: CPU per message ${(oursCpu / rawCpu).toFixed(2)} (target ≤ 0.80); messages/s ${(oursRate / rawRate).toFixed(2)} (target ≥ 1.00)${profile ? ' [profiled: the engine run carries the profiler]' : ''}`);
  console.log(`peak RSS (this process, through the engine run): ${mb(peakKb)} (target < 300 MB; ${mb(rssBefore / 1024)} before it started)`);
  console.log(`sink received ${received} messages (engine ${outcome.sent} + baseline ${baselineCount} + warm-up ${warmup})`);
  if (cpuProfile) printProfile(cpuProfile, outcome.sent);
  if (received !== outcome.sent + baselineCount + warmup || outcome.sent !== count) process.exitCode = 1;

  if (engineArg === 'postgres') {
    const rows = await benchPostgres({ app, sink, count, maxSenders, baseline: { rate: rawRate, cpu: rawCpu }, raw, message });
    for (const r of rows) if (r.sent !== count) process.exitCode = 1;
  }
} finally {
  raw.close();
  await app.close();
  sink.stop();
  rmSync(dir, { recursive: true, force: true });
}
