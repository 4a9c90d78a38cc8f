// The server's node flags and environment (src/lib/heap-growth.ts) are read when node starts, so every way of starting
// it must carry them: `npm start`, `npm run start:prod`, the Docker image, bench:prepare (whose peak RSS stands for the
// server's), bench:http's app process (whose latencies stand for the server's) and the soak's server. V8's pretenuring
// is turned off from the code instead (disablePretenuring), so a server started any way has it: the last tests check
// where it is called.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/lib/heap-growth.js';

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

  it('are on npm run start:prod, before the entry', () => {
    const words = scripts['start:prod']!.split(/\s+/);
    for (const flag of SERVER_NODE_FLAGS) expect(words.indexOf(flag)).toBeGreaterThan(words.indexOf('node'));
    for (const flag of SERVER_NODE_FLAGS) expect(words.indexOf(flag)).toBeLessThan(words.indexOf('dist/src/server.js'));
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
    expect(benchHttp).toMatch(/\['--serve', String\(smtpPort\)\], SERVER_NODE_FLAGS, SERVER_ENV\)/);
    expect(benchHttp).not.toMatch(/limitHeapGrowth\(/);
  });
});

describe('the server process environment', () => {
  // `NAME=${NAME:-value}`: the default, unless the operator set their own.
  const assignments = (command: string) => Object.fromEntries([...command.matchAll(/(\w+)=\$\{\1:-([^}]*)\}/g)].map((m) => [m[1], m[2]]));

  it('is set before node on npm start, npm run start:prod and bench:prepare, an operator\'s own value first', () => {
    for (const name of ['start', 'start:prod', 'bench:prepare']) {
      const command = scripts[name]!;
      expect(assignments(command), name).toEqual(SERVER_ENV);
      expect(command.indexOf('}'), name).toBeLessThan(command.search(/\bnode\b/));
    }
  });

  it('is in the Docker image', () => {
    const env = readFileSync(new URL('Dockerfile', root), 'utf8')
      .split('\n')
      .filter((l) => /^ENV\s/.test(l))
      .join(' ');
    for (const [name, value] of Object.entries(SERVER_ENV)) expect(env).toMatch(new RegExp(`\\b${name}=${value}\\b`));
  });

  it("is on bench:http's app process and the soak's server, below an operator's own value", () => {
    const benchHttp = readFileSync(new URL('scripts/bench-http.ts', root), 'utf8');
    expect(benchHttp).toMatch(/env: \{ \.\.\.env, \.\.\.process\.env \}/);
    const soak = readFileSync(new URL('scripts/soak.ts', root), 'utf8');
    expect(soak).toMatch(/env: \{\s*\.\.\.SERVER_ENV,\s*\.\.\.process\.env,/);
  });
});

describe("the server's pretenuring setting (disablePretenuring, set at run time)", () => {
  const source = (path: string) => readFileSync(new URL(path, root), 'utf8');

  it('is set by the server entry before the app opens, so a server started any way has it', () => {
    const server = source('src/server.ts');
    const call = server.search(/^disablePretenuring\(\);$/m);
    expect(call).toBeGreaterThan(0);
    expect(call).toBeLessThan(server.indexOf('await openApp('));
  });

  it("is set by bench:http's app process and by bench:prepare, whose figures stand for the server's", () => {
    const serve = source('scripts/bench-http.ts').split('async function serve(')[1]!.split('\n}\n')[0]!;
    expect(serve).toMatch(/^\s+disablePretenuring\(\);$/m);
    expect(source('scripts/bench-prepare.ts')).toMatch(/^disablePretenuring\(\);$/m);
  });
});
