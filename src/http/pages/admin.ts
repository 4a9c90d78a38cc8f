// The admin pages: a login form, and a dashboard with subscriber counts, a chart of active subscribers over
// time, sends per edition, the last job runs and a "run now" button. Works without JavaScript; the charts
// are inline SVG styled by the admin stylesheet (content-hashed, so the strict CSP needs no inline style).
import { createHash } from 'node:crypto';
import { page } from './layout.js';
import { html } from './html.js';
import { legend, lineChart, stackedBars } from './admin-charts.js';
import type { EditionSends } from '../../db/stores/admin.js';
import type { JobRunRow } from '../../db/job-runs-repo.js';

const ADMIN_CSS = `
main.admin-main { max-width: 64rem; }
.stats { display:grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 1rem 0; }
.stat { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: .6rem .9rem; }
.stat b { display:block; font-size: 1.6rem; line-height: 1.2; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: var(--border); stroke-width: 1; }
svg.chart .tick { fill: var(--muted); font-size: 12px; font-family: system-ui, sans-serif; }
svg.chart .series { stroke: var(--accent); stroke-width: 2.5; }
svg.chart .dot { fill: var(--accent); }
.bar-sent { fill: #16a34a; } .bar-failed { fill: #dc2626; } .bar-bounced { fill: #d97706; } .bar-queued { fill: #64748b; } .bar-skipped { fill: #a1a1aa; }
.legend { font-size: .9rem; color: var(--muted); } .legend .key { margin-right: 1rem; white-space: nowrap; }
table.runs { width: 100%; border-collapse: collapse; font-size: .92rem; }
table.runs th, table.runs td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
.status-ok { color: #15803d; font-weight: 600; } .status-failed { color: #b91c1c; font-weight: 600; } .status-running { color: #b45309; font-weight: 600; }
@media (prefers-color-scheme: dark) { .status-ok { color: #4ade80; } .status-failed { color: #f87171; } .status-running { color: #fbbf24; } }
form.inline { display: inline; }
.admin-actions { display:flex; gap: 1rem; align-items: end; flex-wrap: wrap; }
.admin-actions label { margin: 0 0 .3rem; }
`;
export const ADMIN_CSS_TEXT = ADMIN_CSS;
export const ADMIN_CSS_PATH = `/assets/admin.${createHash('sha256').update(ADMIN_CSS).digest('hex').slice(0, 12)}.css`;
const head = html`<meta name="robots" content="noindex"><link rel="stylesheet" href="${ADMIN_CSS_PATH}">`;

export function adminLoginPage(error?: string): string {
  return page(
    'Admin sign-in',
    html`<h1>Admin</h1>
${error ? html`<p class="notice error" role="alert">${error}</p>` : ''}
<form class="card" method="post" action="/admin/login">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required maxlength="400">
<p class="hint">The value of ADMIN_TOKEN. Signing in sets a session cookie for this page only, valid for 12 hours.</p>
<button type="submit">Sign in</button>
</form>`,
    { head },
  );
}

export interface DashboardData {
  now: Date;
  counts: Record<string, number>;
  activeHistory: { date: string; n: number }[];
  editions: EditionSends[];
  runs: JobRunRow[];
  lock: { owner: string; expires_at: string } | undefined;
  runningHere: { name: string; startedAt: Date } | undefined;
  nextRun: Date | null;
  schedule: { cron: string; timezone: string };
  notice?: string | undefined;
}

const SEND_SERIES = ['sent', 'failed', 'bounced', 'queued', 'skipped'] as const;

function runSummary(r: JobRunRow): string {
  if (!r.outcome_json) return r.status === 'running' ? 'in progress' : '';
  try {
    const o = JSON.parse(r.outcome_json) as {
      error?: string;
      interrupted?: boolean;
      edition?: { status: string; reason: string | null; deliveries: number };
      send?: { sent: number; failed: number; bounced: number; retried: number; paused?: boolean } | null;
    };
    if (o.error) return `${o.interrupted ? 'interrupted' : 'error'}: ${o.error}`;
    const parts = [o.edition ? `edition ${o.edition.status}${o.edition.reason ? ` (${o.edition.reason})` : ''}` : ''];
    if (o.send) parts.push(`${o.send.sent} sent, ${o.send.failed} failed, ${o.send.bounced} bounced, ${o.send.retried} retrying${o.send.paused ? ', PAUSED' : ''}`);
    return parts.filter(Boolean).join('; ');
  } catch {
    return '';
  }
}

const duration = (r: JobRunRow) => (r.finished_at ? `${Math.max(0, Math.round((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000))} s` : '…');

export function adminDashboardPage(d: DashboardData): string {
  const active = [...d.activeHistory];
  const today = d.now.toISOString().slice(0, 10);
  if (!active.length || active.at(-1)!.date !== today) active.push({ date: `${today} (now)`, n: d.counts.active ?? 0 });
  const rows = d.editions.map((e) => ({
    label: e.date.slice(5),
    parts: SEND_SERIES.map((name) => ({ name, value: e[name] })),
  }));
  const busy = d.runningHere ? `running here: ${d.runningHere.name} since ${d.runningHere.startedAt.toISOString()}` : d.lock ? `locked by ${d.lock.owner} until ${d.lock.expires_at}` : 'idle';
  const body = html`<h1>Admin</h1>
${d.notice ? html`<p class="notice ok" role="status">${d.notice}</p>` : ''}
<section aria-labelledby="subs-h"><h2 id="subs-h">Subscribers</h2>
<div class="stats">${Object.entries(d.counts).map(([k, v]) => html`<div class="stat"><b>${v}</b>${k}</div>`)}</div>
<div class="card">${lineChart('Active subscribers over time', active.map((p) => ({ label: p.date, value: p.n })))}</div>
</section>
<section aria-labelledby="sends-h"><h2 id="sends-h">Sends per edition</h2>
<div class="card">${stackedBars('Deliveries per edition, by outcome', rows, SEND_SERIES)}${legend(SEND_SERIES)}</div>
<details><summary>Numbers</summary><table class="runs"><thead><tr><th scope="col">Edition</th><th scope="col">Status</th>${SEND_SERIES.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead><tbody>
${[...d.editions].reverse().map((e) => html`<tr><td><a href="/api/admin/editions/${e.date}">${e.date}</a></td><td>${e.status}${e.reason ? html` <span class="muted">(${e.reason})</span>` : ''}</td>${SEND_SERIES.map((s) => html`<td>${e[s]}</td>`)}</tr>`)}
</tbody></table></details>
</section>
<section aria-labelledby="runs-h"><h2 id="runs-h">Daily job</h2>
<p>Schedule <code>${d.schedule.cron}</code> in ${d.schedule.timezone}; next run ${d.nextRun ? d.nextRun.toISOString() : 'none'}. Now: ${busy}.</p>
<div class="admin-actions">
<form method="post" action="/admin/run"><label for="run-date">Run the daily job now for</label><input id="run-date" name="date" type="text" inputmode="numeric" pattern="\\d{4}-\\d{2}-\\d{2}" placeholder="today (YYYY-MM-DD)"> <button type="submit">Run now</button></form>
<form method="post" action="/admin/logout"><button type="submit">Sign out</button></form>
</div>
<table class="runs"><caption class="muted">Last runs</caption><thead><tr><th scope="col">For</th><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Trigger</th><th scope="col">Outcome</th></tr></thead><tbody>
${d.runs.length ? d.runs.map((r) => html`<tr><td>${r.scheduled_for}</td><td>${r.started_at}</td><td>${duration(r)}</td><td>${r.triggered_by ?? ''}${r.attempts > 1 ? html` <span class="muted">(attempt ${r.attempts})</span>` : ''}</td><td><span class="status-${r.status}">${r.status}</span> ${runSummary(r)}</td></tr>`) : html`<tr><td colspan="5">No runs yet.</td></tr>`}
</tbody></table>
</section>`;
  return page('Admin', body, { head }).replace('<main id="main"', '<main id="main" class="admin-main"');
}

