// A `papers worker` as a real process (the bundled CLI) on a PostgreSQL database, sending to the test's SMTP server
// with the app config's mail settings: its output collected, its exit awaited.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../../src/config.js';
import { entryPath } from '../helpers/entries.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote (stdout and stderr), so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null; out: string }>;
}

export function startWorker(args: string[], o: { databaseUrl: string; config: Readonly<Config>; connections: number; env?: Record<string, string> }): WorkerProcess {
  const c = o.config;
  const child = spawn(process.execPath, [entryPath('cli'), 'worker', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: o.databaseUrl,
      SMTP_URL: c.mail.smtpUrl ?? '',
      SMTP_MAX_CONNECTIONS: String(o.connections),
      PUBLIC_BASE_URL: c.publicBaseUrl,
      MAIL_FROM: c.mail.from,
      SECRET_KEY: c.secretKey,
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  return {
    child,
    output: () => out,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, out }))),
  };
}
