// The in-process SMTP sink (tests/helpers/smtp-sink.ts) made slow: it takes `delayMs` to accept each message,
// so a test can act while a send is in flight. Shared by the ops and jobs tests.
import { startSmtpSink } from '../helpers/smtp-sink.js';

export interface SlowSmtp {
  url: string;
  /** Recipients of every accepted message, in order of acceptance. */
  readonly accepted: string[];
  /** Messages whose DATA has arrived but are not yet answered. */
  inFlight(): number;
  waitForAccepted(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSlowSmtp(delayMs: number): Promise<SlowSmtp> {
  const sink = await startSmtpSink();
  let inFlight = 0;
  sink.faults.dataDelayMs = () => {
    inFlight++;
    return delayMs;
  };
  sink.faults.onMessage = () => {
    inFlight--;
  };
  return {
    url: sink.url,
    get accepted() {
      return sink.messages.flatMap((m) => m.to);
    },
    inFlight: () => inFlight,
    // One recipient per digest message: counting messages counts recipients.
    waitForAccepted: (count, timeoutMs = 20_000) => sink.waitFor(count, timeoutMs),
    close: () => sink.close(),
  };
}
