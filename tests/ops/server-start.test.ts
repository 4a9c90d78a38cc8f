// The real server as a child process whose database cannot be opened: one clear line on stderr naming the path
// and the cause, exit 1, no stack trace (it used to die with an uncaught SQLITE_CANTOPEN and its stack).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/app.js';
import { entryPath } from '../helpers/entries.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = tempDir('papers-start-');
afterAll(() => tmp.cleanup());

function startServer(databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [entryPath('server')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ENV_FILE: 'none', NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', DATABASE_PATH: databasePath, SCHEDULER_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('a server whose database cannot be opened', () => {
  it('prints one line naming the path and the cause, and exits 1', async () => {
    const folder = join(tmp.dir, 'a-folder.db'); // a directory where the file should be: SQLITE_CANTOPEN
    mkdirSync(folder);
    const garbage = join(tmp.dir, 'garbage.db'); // not a database: SQLITE_NOTADB
    writeFileSync(garbage, 'this is not an SQLite database, it is a text file that is long enough to have a header');
    const underFile = join(garbage, 'sub', 'papers.db'); // its folder cannot be created: ENOTDIR
    const cases = [
      { path: folder, cause: /SQLITE_CANTOPEN/ },
      { path: garbage, cause: /SQLITE_NOTADB/ },
      { path: underFile, cause: /ENOTDIR/ },
    ];
    const results = await Promise.all(cases.map((c) => startServer(c.path)));
    for (const [i, r] of results.entries()) {
      const { path, cause } = cases[i]!;
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`cannot open the database ${path}: `);
      expect(lines[0]).toMatch(cause);
      expect(r.stderr).not.toMatch(/\n\s+at\s|node:internal|\.ts:\d+/);
      expect(r.stdout).not.toContain('server.started');
    }
  }, 60_000);
});
