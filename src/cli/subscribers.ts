// CLI subcommand `subscribers`: add, list, import (CSV), export (CSV), remove. Every input row goes through the
// same zod schemas as the HTTP API. Import is all-or-nothing unless --skip-invalid: a file with an invalid row
// changes nothing; the valid rows are written in one transaction (the store's importSubscribers), where a row the
// database still refuses is named and the others kept. Export and import share one column layout, so an export
// re-imports as it was.
import { Option, type Command } from 'commander';
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import { withApp, parsePositive, progress, CliError, EXIT } from './shared.js';
import { emailSchema } from '../subscribers/email-address.js';
import { frequencySchema, timezoneSchema, topicsSchema } from '../subscribers/preferences.js';
import type { SubscriberStatus, SubscriberStore } from '../db/stores/subscribers.js';
import { csvText, parseCsv } from './csv.js';
import type { CliIo, CliStream } from './io.js';

const STATUSES = ['pending', 'active', 'unsubscribed', 'bounced'] as const;
export const CSV_COLUMNS = ['email', 'status', 'topics', 'timezone', 'delivery_hour', 'frequency', 'paused', 'created_at', 'confirmed_at'] as const;

const splitTopics = (v: string) =>
  v
    .split(/[;,]/)
    .map((t) => t.trim())
    .filter(Boolean);

/** One CSV row as the database wants it; unknown columns are ignored, `email` is required. */
const importRow = z.object({
  email: emailSchema,
  status: z.enum(STATUSES).optional(),
  topics: z
    .string()
    .optional()
    .transform((v) => (v ? splitTopics(v) : undefined))
    .pipe(topicsSchema.optional()),
  timezone: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(timezoneSchema.optional()),
  delivery_hour: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : undefined))
    .pipe(z.number({ message: 'must be an hour 0–23' }).int('must be an hour 0–23').min(0).max(23).optional()),
  frequency: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(frequencySchema.optional()),
  // Spreadsheets write booleans as TRUE/FALSE; the export writes 1/0.
  paused: z
    .string()
    .optional()
    .transform((v) => v?.toLowerCase())
    .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be 1, 0, true or false' }).optional())
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
});

export function registerSubscribersCommand(program: Command, io: CliIo): void {
  const subs = program.command('subscribers').description('manage subscribers: add, list, import, export, remove');

  subs
    .command('add <email>')
    .description('add a confirmed subscriber (you vouch for their consent)')
    .option('--topics <list>', 'comma-separated topics')
    .action(async (email: string, o: { topics?: string }) => {
      const parsed = emailSchema.safeParse(email);
      if (!parsed.success) throw new CliError(`not a valid email address: ${email}`, EXIT.USAGE);
      const topics = o.topics === undefined ? undefined : topicsSchema.safeParse(splitTopics(o.topics));
      if (topics && !topics.success) throw new CliError(`--topics: ${topics.error.issues[0]!.message}`, EXIT.USAGE);
      await withApp(io, async (app) => {
        const store = app.store;
        const existing = await store.getSubscriberByEmail(parsed.data);
        const now = app.clock.now().toISOString();
        if (existing) {
          await store.setSubscriberStatus(existing.id, 'active', now);
          if (topics?.data) await store.setSubscriberTopics(existing.id, topics.data);
          io.out(`subscriber ${existing.id} is active`);
        } else {
          const id = await store.createSubscriber({ email: parsed.data, status: 'active', now, topics: topics?.data });
          io.out(`added subscriber ${id}`);
        }
      });
    });

  subs
    .command('list')
    .description('list subscribers (id, status, email, created), optionally filtered')
    .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
    .option('--search <text>', 'email containing this text, or this id')
    .option('--limit <n>', 'at most this many (default 100)', parsePositive, 100)
    .option('--json', 'one JSON object per line')
    .action(async (o: { status?: SubscriberStatus; search?: string; limit: number; json?: boolean }) => {
      await withApp(io, async (app) => {
        const rows = await app.store.adminSubscribers({ status: o.status, search: o.search, limit: o.limit });
        for (const r of rows) io.out(o.json ? JSON.stringify(r) : `${String(r.id).padStart(6)}  ${r.status.padEnd(12)}  ${r.email}  ${r.created_at}`);
        if (!o.json) io.stderr.write(`${rows.length} subscriber${rows.length === 1 ? '' : 's'}${rows.length === o.limit ? ' (limit reached: use --limit)' : ''}\n`);
      });
    });

  subs
    .command('import <file>')
    .description(`import subscribers from CSV with a header row; columns: ${CSV_COLUMNS.slice(0, 7).join(', ')} (only email required)`)
    .addOption(new Option('--status <status>', 'status for rows without one (you vouch for consent when active)').choices(STATUSES).default('active'))
    .option('--skip-invalid', 'import the valid rows even when some are invalid')
    .option('--dry-run', 'check the file and report, change nothing')
    .action(async (file: string, o: { status: SubscriberStatus; skipInvalid?: boolean; dryRun?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.USAGE);
      }
      const { rows, problems, fatal } = parseImport(text);
      for (const p of problems) io.stderr.write(`${file}:${p}\n`);
      if (fatal) throw new CliError('not a CSV file this command can read; nothing imported', EXIT.USAGE);
      if (problems.length && !o.skipInvalid) throw new CliError(`${problems.length} invalid row(s); nothing imported (fix them, or use --skip-invalid)`, EXIT.USAGE);
      await withApp(io, async (app) => {
        const r = await importSubscribers(app, rows, o.status, !!o.dryRun, io.stderr);
        for (const f of r.failed) io.stderr.write(`${file}:line ${f.line}: not written: ${f.error}\n`);
        io.out(
          `${o.dryRun ? 'would import' : 'imported'} ${r.added}, already present ${r.existing}${problems.length ? `, invalid ${problems.length} (skipped)` : ''}${r.failed.length ? `, refused by the database ${r.failed.length} (skipped)` : ''}`,
        );
      });
    });

  subs
    .command('export')
    .description(`export subscribers as CSV (${CSV_COLUMNS.join(', ')}) to stdout or a file`)
    .option('--out <file>', 'write to this file instead of stdout')
    .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
    .action(async (o: { out?: string; status?: SubscriberStatus }) => {
      await withApp(io, async (app) => {
        const out = o.out ? createWriteStream(o.out, { flags: 'wx' }) : io.stdout;
        if (o.out) await once(out, 'open').catch((err: NodeJS.ErrnoException) => {
          throw new CliError(`cannot write ${o.out}: ${err.code === 'EEXIST' ? 'the file exists' : err.code}`, EXIT.USAGE);
        });
        const n = await exportSubscribers(app, out, o.status);
        if (o.out) {
          await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())));
          io.stderr.write(`exported ${n} subscribers to ${o.out}\n`);
        }
      });
    });

  subs
    .command('remove <subscriber>')
    .description('delete a subscriber (email or id) and all their data; --unsubscribe keeps them as unsubscribed instead')
    .option('--unsubscribe', 'only mark unsubscribed (keeps the address, so an import cannot re-add them by mistake)')
    .action(async (who: string, o: { unsubscribe?: boolean }) => {
      await withApp(io, async (app) => {
        const store = app.store;
        const email = emailSchema.safeParse(who);
        const sub = /^\d+$/.test(who) ? await store.getSubscriber(Number(who)) : email.success ? await store.getSubscriberByEmail(email.data) : undefined;
        if (!sub) throw new CliError(`no subscriber ${who}`, EXIT.FAILED);
        const now = app.clock.now().toISOString();
        if (o.unsubscribe) {
          await store.unsubscribeSubscriber(sub.id, now, 'unsubscribed by an operator');
          io.out(`subscriber ${sub.id} unsubscribed`);
        } else {
          await store.deleteSubscriber(sub.id);
          io.out(`subscriber ${sub.id} deleted with all their data`);
        }
      });
    });
}

type ImportRow = z.output<typeof importRow>;

/**
 * Parses and validates a CSV file; problems are `line N: message` strings, N the line the row starts on. `fatal`:
 * the file itself is broken (no header with an email column, a quote never closed), so no row can be imported.
 */
export function parseImport(text: string): { rows: { line: number; row: ImportRow }[]; problems: string[]; fatal: boolean } {
  let table: ReturnType<typeof parseCsv>;
  try {
    table = parseCsv(text);
  } catch (err) {
    return { rows: [], problems: [(err as Error).message], fatal: true };
  }
  const header = table[0]?.fields.map((h) => h.trim().toLowerCase());
  if (!header?.includes('email')) return { rows: [], problems: [`line ${table[0]?.line ?? 1}: the header row must name an "email" column`], fatal: true };
  const rows: { line: number; row: ImportRow }[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { line, fields } of table.slice(1)) {
    // More cells than columns: an unquoted comma shifted the row, so its cells cannot be trusted.
    if (fields.length > header.length) {
      problems.push(`line ${line}: ${fields.length} cells but the header names ${header.length} columns (quote values that contain a comma)`);
      continue;
    }
    // Undo the export's spreadsheet-formula guard ('=…), then map cells to their columns.
    // Empty cells mean "not given".
    const record = Object.fromEntries(
      header.map((h, i) => [h, (fields[i] ?? '').trim().replace(/^'(?=[=+\-@])/, '')] as const).filter(([, v]) => v !== ''),
    );
    const parsed = importRow.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      problems.push(`line ${line}: ${issue.path.join('.') || 'row'} ${issue.message}`);
      continue;
    }
    const key = parsed.data.email.toLowerCase();
    if (seen.has(key)) {
      problems.push(`line ${line}: ${parsed.data.email.replace(/^.*@/, '…@')} appears twice in the file`);
      continue;
    }
    seen.add(key);
    rows.push({ line, row: parsed.data });
  }
  return { rows, problems, fatal: false };
}

/** Adds the rows not yet present, in one transaction; existing addresses are left as they are. */
export async function importSubscribers(
  app: { store: Pick<SubscriberStore, 'importSubscribers'>; clock: AppDeps['clock'] },
  rows: { line?: number; row: ImportRow }[],
  defaultStatus: SubscriberStatus,
  dryRun: boolean,
  stderr: CliStream,
) {
  const now = app.clock.now().toISOString();
  const bar = progress('import', stderr);
  bar.update(0, rows.length);
  const r = await app.store.importSubscribers(
    rows.map(({ line, row }, i) => ({
      line: line ?? i + 2,
      email: row.email,
      status: row.status ?? defaultStatus,
      now,
      topics: row.topics,
      timezone: row.timezone ?? null,
      hour: row.delivery_hour ?? null,
      frequency: row.frequency,
      paused: row.paused,
    })),
    { dryRun },
  );
  bar.update(rows.length, rows.length);
  bar.stop();
  return r;
}

/** Streams every subscriber (or one status) as CSV, a page at a time, honouring backpressure. */
export async function exportSubscribers(app: { store: Pick<SubscriberStore, 'exportSubscribersPage'> }, out: NodeJS.WritableStream, status?: SubscriberStatus): Promise<number> {
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(csvText([[...CSV_COLUMNS]]));
  let n = 0;
  for (let after = 0; ; ) {
    const rows = await app.store.exportSubscribersPage(after, status ?? null, 1000);
    if (!rows.length) break;
    after = rows.at(-1)!.id;
    // Topics joined as the import splits them; paused as 1/0 (the import also takes true/false).
    await write(csvText(rows.map((r) => CSV_COLUMNS.map((c) => (c === 'topics' ? r.topics.join(';') : c === 'paused' ? (r.paused ? 1 : 0) : r[c])))));
    n += rows.length;
  }
  return n;
}
