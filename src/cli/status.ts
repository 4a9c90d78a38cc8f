// CLI subcommand `status [--date D]`: prints an edition's delivery ledger (counts by status, what is pending
// and why, the next time something comes due), its daily run as it really is (a run whose process died shows as
// abandoned) and whether sending is paused (since when, and when the next probe tries the server). Read-only.
import type { Command } from 'commander';
import type { AppDeps } from '../app.js';
import { withApp, parseDate } from './shared.js';
import { DAILY_JOB, truthfulRun } from '../jobs/abandoned-runs.js';
import type { SendPauseRow } from '../db/stores/sending.js';
import type { CliIo } from './io.js';
import type { JobRunRow } from '../db/stores/job-runs.js';

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("print an edition's delivery ledger, its daily run and whether sending is paused")
    .option('--date <date>', 'edition date (default: the latest)', parseDate)
    .action(async (o: { date?: string }) => {
      await withApp(io, async (app) => {
        const report = await statusReport(app, o.date);
        for (const line of report.lines) io.out(line);
        if (!report.found) {
          io.err(o.date ? `no edition for ${o.date}` : 'no edition yet');
          io.exitCode = 1;
        }
      });
    });
}

/** The lines `papers status` prints; `found` is false when there is no such edition. */
export async function statusReport(app: Pick<AppDeps, 'store' | 'clock'>, date?: string): Promise<{ found: boolean; lines: string[] }> {
  const lines: string[] = [];
  const { store } = app;
  const e = date ? await store.editionOverview(date) : await store.latestEditionOverview();
  if (e) {
    lines.push(`edition ${e.date}: ${e.status}${e.reason ? ` (${e.reason})` : ''}`);
    const now = app.clock.now().toISOString();
    const counts = await store.editionDeliveryCounts(e.id);
    const pending = await store.pendingBreakdown(e.id, now);
    const width = String(Math.max(...Object.values(counts))).length;
    for (const [k, v] of Object.entries(counts)) {
      const detail = k === 'pending' && v ? `  (${pending.due} due now, ${pending.later} at a later local hour, ${pending.retry} waiting to retry)` : '';
      lines.push(`  ${k.padEnd(8)} ${String(v).padStart(width)}${detail}`);
    }
    const next = await store.nextDueAt(now);
    if (next) lines.push(`next due: ${next}`);
  }
  const runDate = e?.date ?? date;
  const row = runDate ? await app.store.jobRun(DAILY_JOB, runDate) : undefined;
  if (row) lines.push(runLine(await truthfulRun(app.store, row, app.clock.now())));
  const pause = await store.sendPause();
  if (pause) lines.push(pauseLine(pause));
  return { found: !!e, lines };
}

function pauseLine(p: SendPauseRow): string {
  const probes = p.probes ? ` (${p.probes} probe${p.probes === 1 ? '' : 's'} failed${p.last_error ? `, the last: ${p.last_error}` : ''})` : '';
  return `sending: paused since ${p.since}, next probe at ${p.next_probe_at} — ${p.reason}${probes}; \`papers send\` probes at once, \`papers retry --date D\` lifts the pause`;
}

function runLine(r: JobRunRow): string {
  const head = `daily run ${r.scheduled_for}: ${r.status}${r.attempts > 1 || r.status === 'failed' ? ` (attempt ${r.attempts})` : ''}`;
  if (r.status === 'running') return `${head} since ${r.started_at} (${r.owner ?? 'unknown owner'})`;
  let error: string | undefined;
  try {
    error = r.outcome_json ? (JSON.parse(r.outcome_json) as { error?: string }).error : undefined;
  } catch {
    error = undefined;
  }
  return `${head}${r.finished_at ? ` at ${r.finished_at}` : ''}${error ? ` — ${error}` : ''}`;
}
