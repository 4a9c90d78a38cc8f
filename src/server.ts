// Entry: the HTTP server and the daily scheduler in one process; stops cleanly on SIGTERM/SIGINT.
import { createApp } from './app.js';
import { buildHttpApp } from './http/build-app.js';
import { loadConfigOrExit } from './entry.js';

const config = loadConfigOrExit();
const app = createApp(config);
const http = await buildHttpApp(app);
await http.listen({ host: config.host, port: config.port });
app.logger.info({ event: 'server.started', url: config.publicBaseUrl }, 'server started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.logger.info({ event: 'server.stopping', signal }, 'shutting down');
  const timer = setTimeout(() => process.exit(1), 15_000);
  timer.unref();
  await http.close();
  await app.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
