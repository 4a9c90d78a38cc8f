// Starts tests/send/send-child.ts as a separate process (its esbuild bundle, see tests/helpers/build-entries.ts)
// against a given database and SMTP server, and drives it: wait until it is ready, say go, watch its progress,
// kill -9 it.
import { spawn, type ChildProcess } from 'node:child_process';
import { entryPath } from '../helpers/entries.js';
import type { SendOutcome, SendProgress } from '../../src/mail/send-edition.js';
import type { Config } from '../../src/config.js';

export interface ChildSender {
  pid: number;
  ready: Promise<void>;
  go(): void;
  kill9(): void;
  /** Resolves when the process has exited (after kill -9 too), with its exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  outcome(): SendOutcome | undefined;
  progress(): SendProgress | undefined;
  stderr(): string;
  onProgress(fn: (p: SendProgress) => void): void;
}

const started = new Set<ChildSender>();

/** Kills every child sender still running (a test that failed half-way leaves some waiting for "go"). */
export function killChildSenders(): void {
  for (const c of started) c.kill9();
}

export function startChildSender(env: Record<string, string>): ChildSender {
  const child: ChildProcess = spawn(process.execPath, [entryPath('send-child')], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let outcome: SendOutcome | undefined;
  let progress: SendProgress | undefined;
  const listeners: ((p: SendProgress) => void)[] = [];
  let markReady: () => void = () => {};
  let failReady: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => {});
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === 'ready') markReady();
      else if (line.startsWith('{')) {
        const msg = JSON.parse(line) as { progress?: SendProgress; outcome?: SendOutcome };
        if (msg.progress) {
          progress = msg.progress;
          for (const l of listeners) l(msg.progress);
        }
        if (msg.outcome) outcome = msg.outcome;
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      failReady(new Error(`child exited before it was ready (code ${code}, signal ${signal}): ${stderr}`));
      resolve({ code, signal });
    }),
  );
  child.stdin!.on('error', () => {}); // writing "go" to a child that was just killed
  const handle: ChildSender = {
    pid: child.pid!,
    ready,
    go: () => child.stdin!.write('go\n'),
    kill9: () => child.kill('SIGKILL'),
    exited,
    outcome: () => outcome,
    progress: () => progress,
    stderr: () => stderr,
    onProgress: (fn) => listeners.push(fn),
  };
  started.add(handle);
  void exited.then(() => started.delete(handle));
  return handle;
}

/** The environment a child sender needs to reach the test's database and SMTP server, as the parent app is configured. */
export function childEnv(o: { config: Readonly<Config>; databasePath: string; editionId: number; extra?: Record<string, string> }): Record<string, string> {
  const c = o.config;
  return {
    DATABASE_PATH: o.databasePath,
    SMTP_URL: c.mail.smtpUrl ?? '',
    SMTP_MAX_CONNECTIONS: String(c.mail.maxConnections),
    SEND_CHILD_EDITION_ID: String(o.editionId),
    PUBLIC_BASE_URL: c.publicBaseUrl,
    MAIL_FROM: c.mail.from,
    SECRET_KEY: c.secretKey,
    SEND_RETRY_BASE_SECONDS: String(c.mail.retryBaseSeconds),
    SEND_MAX_ATTEMPTS: String(c.mail.maxAttempts),
    ...o.extra,
  };
}
