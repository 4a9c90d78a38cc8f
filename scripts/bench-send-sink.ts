// The benchmark's SMTP sink, run as a separate process so that the sender and the server do not share a CPU
// thread: accepts everything, keeps nothing but counts. Started by bench-send.ts and soak.ts through fork (IPC):
// sends { port } when listening, answers 'count' with { count, bytes }. With --record (the soak) it also keeps how
// many messages each recipient got, and answers 'recipients' with { recipients: [address, messages][] }.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

const record = process.argv.includes('--record');
const received = new Map<string, number>();
let count = 0;
let bytes = 0;
const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  closeTimeout: 100,
  onData(stream, session, cb) {
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', () => {
      count++;
      if (record) for (const r of session.envelope.rcptTo) received.set(r.address.toLowerCase(), (received.get(r.address.toLowerCase()) ?? 0) + 1);
      cb();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  process.send?.({ port });
});
process.on('message', (m) => {
  if (m === 'count') process.send?.({ count, bytes });
  if (m === 'recipients') process.send?.({ recipients: [...received] });
  if (m === 'exit') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
