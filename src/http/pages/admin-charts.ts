// Inline SVG charts for the admin page: no script, no external asset, no inline style (colours come from
// classes in the admin stylesheet). Each chart names itself for screen readers; the page also shows the numbers.
import { html, type Raw } from './html.js';

const W = 640;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** A round axis maximum at or above `max` (1, 2, 5 × 10^n), so tick labels read well. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function yAxis(max: number): Raw {
  const ticks = [0, max / 2, max];
  return html`${ticks.map((t) => {
    const y = PAD.top + plotH - (t / max) * plotH;
    return html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"/><text class="tick" x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`;
  })}`;
}

function xLabels(labels: string[], xOf: (i: number) => number): Raw {
  if (!labels.length) return html``;
  const picks = labels.length === 1 ? [0] : [0, Math.floor((labels.length - 1) / 2), labels.length - 1];
  return html`${[...new Set(picks)].map(
    (i) => html`<text class="tick" x="${xOf(i)}" y="${H - 8}" text-anchor="${i === 0 && labels.length > 1 ? 'start' : i === labels.length - 1 && labels.length > 1 ? 'end' : 'middle'}">${labels[i]}</text>`,
  )}`;
}

/** A line of values over labelled points (dates), oldest first. */
export function lineChart(title: string, points: { label: string; value: number }[]): Raw {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const xOf = (i: number) => PAD.left + (points.length <= 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const yOf = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(p.value).toFixed(1)}`).join(' ');
  const last = points.at(-1);
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
${yAxis(max)}
${points.length ? html`<path class="series" d="${path}" fill="none"/>` : html`<text class="tick" x="${W / 2}" y="${H / 2}" text-anchor="middle">no data yet</text>`}
${points.map((p, i) => html`<circle class="dot" cx="${xOf(i).toFixed(1)}" cy="${yOf(p.value).toFixed(1)}" r="3"><title>${p.label}: ${p.value}</title></circle>`)}
${xLabels(points.map((p) => p.label), xOf)}
${last ? html`<desc>${points.length} points; latest ${last.label}: ${last.value}</desc>` : ''}
</svg>`;
}

export interface StackPart {
  name: string;
  value: number;
}

/** One stacked bar per label (e.g. an edition's deliveries by status); `series` fixes the order and classes. */
export function stackedBars(title: string, rows: { label: string; parts: StackPart[] }[], series: readonly string[]): Raw {
  const totals = rows.map((r) => r.parts.reduce((s, p) => s + p.value, 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = rows.length ? plotW / rows.length : plotW;
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const xOf = (i: number) => PAD.left + slot * i + slot / 2;
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
${yAxis(max)}
${rows.length ? '' : html`<text class="tick" x="${W / 2}" y="${H / 2}" text-anchor="middle">no editions yet</text>`}
${rows.map((r, i) => {
  let y = PAD.top + plotH;
  return html`<g>${series.map((name) => {
    const v = r.parts.find((p) => p.name === name)?.value ?? 0;
    if (!v) return '';
    const h = (v / max) * plotH;
    y -= h;
    return html`<rect class="bar bar-${name}" x="${(xOf(i) - barW / 2).toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${r.label} ${name}: ${v}</title></rect>`;
  })}</g>`;
})}
${xLabels(rows.map((r) => r.label), xOf)}
</svg>`;
}

/** The legend for stackedBars, as text with colour keys (the colour is never the only cue: names are shown). */
export function legend(series: readonly string[]): Raw {
  return html`<p class="legend">${series.map((s) => html`<span class="key"><svg width="12" height="12" aria-hidden="true"><rect class="bar bar-${s}" width="12" height="12"/></svg> ${s}</span> `)}</p>`;
}
