// One pino logger for the whole process; Fastify reuses it. Email addresses are redacted above debug.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; pretty?: boolean; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      // Belt and braces: the code logs subscriber ids, never addresses, but redact the usual keys anyway.
      redact: { paths: ['email', '*.email', 'to', '*.to', 'req.body.email'], censor: '[redacted]' },
    },
    options.destination,
  );
}

/** A logger that discards everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
