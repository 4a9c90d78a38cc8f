// The MJML compile thread: MJML turns a digest of a few hundred cards into HTML in seconds of pure CPU, which on the
// server's thread would stall every request (and /healthz) meanwhile. render.ts hands each compile here, with the
// template and its data when there is one: filling it is the server thread's work saved too (templates.ts).
import { parentPort } from 'node:worker_threads';
import mjml2html from 'mjml';
import { fillTemplate } from './templates.js';

/** A compile: MJML as it is, or a template to fill with its data first. */
export type MjmlJob = { options: Record<string, unknown> } & ({ mjml: string } | { template: string; data: unknown });
export type ToMjml = MjmlJob & { id: number };
/** The HTML (and MJML's own findings), or why there is none: the template could not be filled, or MJML threw. */
export type FromMjml = { id: number; html: string; errors: string[] } | { id: number; error: string; stage?: 'template' | 'mjml' };

const port = parentPort!;
port.on('message', async (m: ToMjml) => {
  let mjml: string;
  try {
    mjml = 'mjml' in m ? m.mjml : fillTemplate(m.template, m.data);
  } catch (err) {
    port.postMessage({ id: m.id, error: (err as Error).message, stage: 'template' } satisfies FromMjml);
    return;
  }
  try {
    const out = await mjml2html(mjml, m.options);
    port.postMessage({ id: m.id, html: out.html, errors: (out.errors ?? []).map((e: { formattedMessage: string }) => e.formattedMessage) } satisfies FromMjml);
  } catch (err) {
    port.postMessage({ id: m.id, error: (err as Error).message, stage: 'mjml' } satisfies FromMjml);
  }
});
