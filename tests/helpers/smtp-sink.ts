// A real SMTP server in the test process (smtp-server on 127.0.0.1, port 0) that records every message,
// with hooks to inject faults (refuse at the greeting, reject a recipient, answer 4xx, drop the connection, answer
// slowly) and to take the server down and bring it back on the same port.
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
/** Refuses a new connection with this greeting reply (e.g. 421 or 554), or null to accept it. */
export type ConnectFault = (session: SMTPServerSession) => { code: number; message: string } | null;

export interface SmtpSink {
  port: number;
  url: string;
  messages: ReceivedMessage[];
  /** Set or replace fault hooks at any time. */
  faults: {
    rcpt?: RcptFault | undefined;
    data?: DataFault | undefined;
    connect?: ConnectFault | undefined;
    /** Milliseconds to wait before answering the end of DATA (the message is recorded after the wait). */
    dataDelayMs?: ((to: string[]) => number) | undefined;
    /** Called when a message has been recorded (after `messages.push`). */
    onMessage?: ((m: ReceivedMessage) => void) | undefined;
  };
  parsed(i: number): Promise<ParsedMail>;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Server down: stops listening (new connections are refused) and drops open connections with 421. */
  stop(): Promise<void>;
  /** Back up on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function fail(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const faults: SmtpSink['faults'] = {};
  // 'drop' means the socket dies without a reply: find the connection that owns the session and destroy it.
  const dropConnection = (srv: SMTPServer, session: SMTPServerSession) => {
    const connections = (srv as unknown as { connections: Set<{ session: SMTPServerSession; _socket: { destroy(): void } }> }).connections;
    for (const c of connections) if (c.session === session) c._socket.destroy();
  };
  const createServer = (): SMTPServer => new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    closeTimeout: 100,
    onConnect(session, cb) {
      const f = faults.connect?.(session) ?? null;
      if (f) return cb(fail(f.code, f.message));
      cb();
    },
    onRcptTo(address: SMTPServerAddress, session, cb) {
      const f = faults.rcpt?.(address.address, session) ?? null;
      if (f === 'drop') {
        dropConnection(server, session);
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
        if (f === 'drop') {
          dropConnection(server, session);
          return cb(fail(421, 'connection dropped'));
        }
        if (f) return cb(fail(f.code, f.message));
        const record = () => {
          const raw = Buffer.concat(chunks);
          const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('utf8'))?.[1];
          const mailFrom = session.envelope.mailFrom;
          const m = { from: mailFrom ? mailFrom.address : '', to, raw, messageId };
          messages.push(m);
          faults.onMessage?.(m);
          cb();
        };
        const delay = faults.dataDelayMs?.(to) ?? 0;
        if (delay > 0) setTimeout(record, delay);
        else record();
      });
    },
  });
  const listen = (srv: SMTPServer, port: number) =>
    new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        srv.off('error', reject);
        srv.on('error', () => {});
        resolve();
      });
    });
  let server = createServer();
  let running = true;
  await listen(server, 0);
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  const stop = () => {
    if (!running) return Promise.resolve();
    running = false;
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
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
    stop,
    async start() {
      if (running) return;
      server = createServer();
      await listen(server, port);
      running = true;
    },
    close: stop,
  };
}
