// CLI subcommand `send [--date D]`: sends the due deliveries (one edition, or all) with a progress bar on a
// terminal (stderr: sent, failed, remaining, rate) and a one-line summary on stdout. Exit 1 when paused.
// Ctrl-C stops claiming; messages already in flight finish and are recorded, so nothing is left `sending`.
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { withApp, parseDate } from './shared.js';
import { sendDue, type SendOutcome, type SendProgress } from '../mail/send-edition.js';
import type { CliIo } from './io.js';

export function registerSendCommand(program: Command, io: CliIo): void {
  program
    .command('send')
    .description('send the deliveries that are due (retries included), then print a summary')
    .option('--date <date>', 'only this edition', parseDate)
    .option('--no-wait', 'do not wait for retries that come due later; leave them to the next run')
    .action(async (o: { date?: string; wait: boolean }) => {
      await withApp(io, async (app) => {
        const edition = o.date ? await app.store.editionOverview(o.date) : undefined;
        if (o.date && !edition) {
          io.err(`no edition for ${o.date}`);
          io.exitCode = 1;
          return;
        }
        if (edition?.status === 'empty') {
          io.out(`edition ${edition.date} is empty (${edition.reason ?? 'nothing to send'}): nothing to send`);
          return;
        }
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const started = Date.now();
        const bar = io.stderr.isTTY ? progressBar(started) : undefined;
        let r: SendOutcome;
        try {
          r = await sendDue(app, app.sendSettings, { editionId: edition?.id, onProgress: bar?.update, signal: stop.signal, waitForRetries: o.wait });
        } finally {
          bar?.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        io.out(formatSendSummary(r, Date.now() - started));
        if (r.paused) io.exitCode = 1;
      });
    });
}

const rate = (p: SendProgress, ms: number) => (ms > 0 ? ((p.sent + p.failed + p.bounced) * 1000) / ms : 0);

function progressBar(started: number) {
  const bar = new SingleBar(
    {
      format: 'sending [{bar}] {value}/{total} | sent {sent} failed {failed} bounced {bounced} | remaining {remaining} | {rate}/s | eta {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    Presets.shades_classic,
  );
  let begun = false;
  return {
    update: (p: SendProgress) => {
      const values = { sent: p.sent, failed: p.failed, bounced: p.bounced, remaining: p.remaining, rate: rate(p, Date.now() - started).toFixed(0) };
      const done = p.sent + p.failed + p.bounced;
      if (!begun) {
        bar.start(Math.max(1, p.total), done, values);
        begun = true;
      }
      bar.setTotal(Math.max(1, p.total));
      bar.update(done, values);
    },
    stop: () => bar.stop(),
  };
}

export function formatSendSummary(r: SendOutcome, ms: number): string {
  const parts = [`sent ${r.sent}`, `failed ${r.failed}`, `bounced ${r.bounced}`, `skipped ${r.skipped}`, `remaining ${r.remaining}`];
  if (r.recovered) parts.push(`recovered ${r.recovered} from a crashed run`);
  const line = `${parts.join(', ')} in ${(ms / 1000).toFixed(1)} s (${rate(r, ms).toFixed(0)} messages/s)`;
  if (r.paused) return `${line}\nPAUSED: ${r.pauseReason}\nThe next \`send\` resumes where this one stopped.`;
  if (r.aborted) return `${line}\nstopped: the rest stays pending for the next run`;
  return line;
}
