// The file source: a folder (or one file) of HF-shaped JSON arrays (YYYY-MM-DD.json) or JSONL lines.
// For offline use, the bundled sample and custom feeds. A file that cannot be parsed fails the source.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FetchOptions, Source, SourceBatch } from '../types.js';
import { parseHfItem } from '../hf-item.js';
import { SourceError } from '../source-error.js';
import { createBatchCollector } from '../batch.js';
import { isoDate, shiftDate } from '../dates.js';

const DATED = /^(\d{4}-\d{2}-\d{2})\.(json|jsonl)$/;

/** `defaultDays`: dated files of the last N days when the caller names no range (undated files are always read). */
export function createFileSource(path: string, defaultDays?: number): Source {
  return {
    name: 'file',
    async fetch(options: FetchOptions): Promise<SourceBatch> {
      const files = await listFiles(path);
      const wanted = files.filter((f) => {
        const date = basename(f).match(DATED)?.[1];
        if (!date) return true; // undated files are always read
        if (options.date) return date === options.date;
        const days = options.days ?? defaultDays;
        if (days) return date > shiftDate(options.now, -days) && date <= isoDate(options.now);
        return true;
      });
      const batch = createBatchCollector('file');
      for (const [n, file] of wanted.entries()) {
        const name = basename(file);
        options.onProgress?.({ done: n, total: wanted.length, label: name });
        const date = name.match(DATED)?.[1];
        const items = await readItems(file);
        items.forEach((raw, i) => batch.add(parseHfItem(raw, date), `${name}#${i}`));
      }
      options.onProgress?.({ done: wanted.length, total: wanted.length, label: 'done' });
      return batch.build();
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
