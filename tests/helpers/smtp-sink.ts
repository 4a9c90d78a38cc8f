// A real SMTP server in the test process (smtp-server on 127.0.0.1, port 0) that records every message,
// with hooks to inject faults (reject a recipient, answer 4xx, drop the connection).
import { SMTPServer, type SMTPServerSession, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  messageId: string | undefined;
}

export type RcptFault = (address: string, session: SMTPServerSession) => { code: number; message: string } | 'drop' | null;
export type DataFault = (to: string[], session: SMTPServerSession) => { code: number; message: string } | 'drop' | null;

export interface SmtpSink {
  port: number;
  url: string;
  messages: ReceivedMessage[];
  /** Set or replace fault hooks at any time. */
  faults: { rcpt?: RcptFault | undefined; data?: DataFault | undefined };
  parsed(i: number): Promise<ParsedMail>;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function fail(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const faults: SmtpSink['faults'] = {};
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, session, cb) {
      const f = faults.rcpt?.(address.address, session) ?? null;
      if (f === 'drop') {
        (session as unknown as { _socket?: { destroy(): void } })._socket?.destroy?.();
        return cb(fail(421, 'connection dropped'));
      }
      if (f) return cb(fail(f.code, f.message));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const f = faults.data?.(to, session) ?? null;
        if (f === 'drop') return cb(fail(421, 'connection dropped'));
        if (f) return cb(fail(f.code, f.message));
        const raw = Buffer.concat(chunks);
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('utf8'))?.[1];
        const mailFrom = session.envelope.mailFrom;
        messages.push({ from: mailFrom ? mailFrom.address : '', to, raw, messageId });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    faults,
    parsed: (i) => simpleParser(messages[i]!.raw),
    async waitFor(count, timeoutMs = 10_000) {
      const start = Date.now();
      while (messages.length < count) {
        if (Date.now() - start > timeoutMs) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
