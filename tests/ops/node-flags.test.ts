// The server's node flags (src/lib/heap-growth.ts) are set on the command line, so every way of starting it must
// carry them: `npm start`, the Docker image's CMD, bench:prepare (whose peak RSS stands for the server's) and
// bench:http's app process (whose latencies stand for the server's).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../../src/lib/heap-growth.js';

const root = new URL('../../', import.meta.url);
const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
const dockerCmd = (): string[] => {
  const line = readFileSync(new URL('Dockerfile', root), 'utf8')
    .split('\n')
    .filter((l) => /^CMD\s/.test(l))
    .pop();
  return JSON.parse(line!.replace(/^CMD\s+/, '')) as string[];
};

describe('the server process node flags', () => {
  it('are on npm start, before the entry', () => {
    const words = scripts.start!.split(/\s+/);
    for (const flag of SERVER_NODE_FLAGS) expect(words.indexOf(flag)).toBeGreaterThan(words.indexOf('node'));
    for (const flag of SERVER_NODE_FLAGS) expect(words.indexOf(flag)).toBeLessThan(words.indexOf('src/server.ts'));
  });

  it("are on the Docker image's CMD, before the entry", () => {
    const cmd = dockerCmd();
    expect(cmd[0]).toBe('node');
    for (const flag of SERVER_NODE_FLAGS) expect(cmd.indexOf(flag)).toBeGreaterThan(0);
    for (const flag of SERVER_NODE_FLAGS) expect(cmd.indexOf(flag)).toBeLessThan(cmd.indexOf('dist/src/server.js'));
  });

  it("are on bench:prepare and on bench:http's app process", () => {
    for (const flag of SERVER_NODE_FLAGS) expect(scripts['bench:prepare']!.split(/\s+/)).toContain(flag);
    // bench:http forks its app process with them; like the server between jobs, it leaves the heap's growth to V8.
    const benchHttp = readFileSync(new URL('scripts/bench-http.ts', root), 'utf8');
    expect(benchHttp).toMatch(/\['--serve', String\(smtpPort\)\], SERVER_NODE_FLAGS\)/);
    expect(benchHttp).not.toMatch(/limitHeapGrowth\(/);
  });
});
