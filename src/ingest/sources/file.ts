// The file source: a folder (or one file) of HF-shaped JSON arrays (YYYY-MM-DD.json) or JSONL lines.
// For offline use, the bundled sample, archives and custom feeds. A file that cannot be parsed fails alone.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FetchOptions, Source, SourceBatch } from '../types.js';
import { parseHfItem } from '../hf-item.js';
import { SourceError } from '../source-error.js';
import { createBatchCollector } from '../batch.js';
import { isoDate, shiftDate } from '../dates.js';
import { fetchParts } from '../parts.js';

const DATED = /^(\d{4}-\d{2}-\d{2})\.(json|jsonl)$/;

/**
 * A folder is read whole unless the caller names a range (--days N: dated files of the last N days; --date D:
 * that day's file); undated files are always read. A file is the unit of failure: one that cannot be parsed
 * fails alone. Nothing to read (an empty folder, no file in the range) fails the source with a clear message.
 */
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
      if (!wanted.length) {
        const range = options.date ? `dated ${options.date}` : options.days ? `of the last ${options.days} days (${shiftDate(options.now, 1 - options.days)} … ${isoDate(options.now)})` : '';
        throw new SourceError('file', 'SOURCE_NOTHING_TO_READ', `0 feed files ${range ? `${range} ` : ''}in ${path} (${files.length} .json/.jsonl files there)`);
      }
      const batch = createBatchCollector('file');
      return fetchParts(batch, wanted, {
        label: (file) => basename(file),
        signal: options.signal,
        onProgress: options.onProgress,
        async fetch(file) {
          const name = basename(file);
          const date = name.match(DATED)?.[1];
          const items = await readItems(file);
          items.forEach((raw, i) => batch.add(parseHfItem(raw, date), `${name}#${i}`));
        },
      });
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
