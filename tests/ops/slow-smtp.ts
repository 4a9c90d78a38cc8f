// A real SMTP server (smtp-server on 127.0.0.1:0) that takes `delayMs` to accept each message, so a test can
// act while a send is in flight. Records who got what; shared by the ops and jobs tests.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SlowSmtp {
  url: string;
  /** Recipients of every accepted message, in order of acceptance. */
  accepted: string[];
  /** Messages whose DATA has arrived but are not yet answered. */
  inFlight(): number;
  waitForAccepted(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSlowSmtp(delayMs: number): Promise<SlowSmtp> {
  const accepted: string[] = [];
  let inFlight = 0;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        inFlight++;
        setTimeout(() => {
          inFlight--;
          accepted.push(...session.envelope.rcptTo.map((r) => r.address));
          cb();
        }, delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.on('error', () => {});
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    inFlight: () => inFlight,
    async waitForAccepted(count, timeoutMs = 20_000) {
      const start = Date.now();
      while (accepted.length < count) {
        if (Date.now() - start > timeoutMs) throw new Error(`expected ${count} accepted messages, got ${accepted.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
