// The MJML compile thread: MJML turns a digest of a few hundred cards into HTML in seconds of pure CPU, which on the
// server's thread would stall every request (and /healthz) meanwhile. render.ts hands each compile here.
import { parentPort } from 'node:worker_threads';
import mjml2html from 'mjml';

export interface ToMjml {
  id: number;
  mjml: string;
  options: Record<string, unknown>;
}
export type FromMjml = { id: number; html: string; errors: string[] } | { id: number; error: string };

const port = parentPort!;
port.on('message', async (m: ToMjml) => {
  try {
    const out = await mjml2html(m.mjml, m.options);
    port.postMessage({ id: m.id, html: out.html, errors: (out.errors ?? []).map((e: { formattedMessage: string }) => e.formattedMessage) } satisfies FromMjml);
  } catch (err) {
    port.postMessage({ id: m.id, error: (err as Error).message } satisfies FromMjml);
  }
});
