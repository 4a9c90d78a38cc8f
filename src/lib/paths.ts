// Folders that ship beside the code (migrations/, templates/), found from the package root rather than from
// this module's own location: the same answer from src/ under tsx and from dist/src/ after `tsc`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package root (package.json beside migrations/) above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** An absolute path inside the package, with a trailing separator for folders given with one. */
export const fromPackageRoot = (...parts: string[]) => join(PACKAGE_ROOT, ...parts);
