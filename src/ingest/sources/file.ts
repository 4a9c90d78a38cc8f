// The file source: a folder (or one file) of HF-shaped JSON arrays (YYYY-MM-DD.json) or JSONL lines.
// For offline use, the bundled sample and custom feeds. A file that cannot be parsed fails the source.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FetchOptions, PaperEntry, SkippedEntry, Source, SourceBatch } from '../types.js';
import { parseHfItem } from '../hf-item.js';
import { SourceError } from '../source-error.js';

const DATED = /^(\d{4}-\d{2}-\d{2})\.(json|jsonl)$/;

export function createFileSource(path: string): Source {
  return {
    name: 'file',
    async fetch(options: FetchOptions): Promise<SourceBatch> {
      const files = await listFiles(path);
      const wanted = files.filter((f) => {
        const date = basename(f).match(DATED)?.[1];
        if (!date) return true; // undated files are always read
        if (options.date) return date === options.date;
        if (options.days) return date > shiftDate(options.now, -options.days) && date <= isoDate(options.now);
        return true;
      });
      const entries: PaperEntry[] = [];
      const skipped: SkippedEntry[] = [];
      let fetched = 0;
      for (const file of wanted) {
        const name = basename(file);
        const date = name.match(DATED)?.[1];
        const items = await readItems(file);
        items.forEach((raw, i) => {
          fetched++;
          const r = parseHfItem(raw, date);
          if (r.ok) entries.push(r.entry);
          else skipped.push({ where: `${name}#${i}`, reason: r.reason });
        });
      }
      return { source: 'file', entries, skipped, fetched };
    },
  };
}

async function listFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new SourceError('file', 'SOURCE_NOT_FOUND', `no such file or folder: ${path}`, { cause: err });
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => /\.(json|jsonl)$/.test(n)).sort();
  return names.map((n) => join(path, n));
}

async function readItems(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  if (file.endsWith('.jsonl')) {
    // One bad line is one bad item, not a bad file.
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((line) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return { invalidJsonLine: line.slice(0, 80) };
        }
      });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SourceError('file', 'SOURCE_BAD_PAYLOAD', `${basename(file)} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(data)) throw new SourceError('file', 'SOURCE_BAD_PAYLOAD', `${basename(file)} must hold a JSON array of papers`);
  return data;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function shiftDate(d: Date, days: number): string {
  return isoDate(new Date(d.getTime() + days * 86_400_000));
}
