// CSV as spreadsheet programs write and read it (RFC 4180), through csv-parse and csv-stringify: a UTF-8 BOM, CRLF
// or LF rows, quoted fields with "" escapes and commas or line breaks inside. What this module adds: the line each
// row starts on (for error messages that point into the file) and the spreadsheet-formula guard of the export.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../lib/errors.js';

export interface CsvRow {
  /** 1-based line of the file the row starts on (a quoted line break makes a row span several lines). */
  line: number;
  fields: string[];
}

/**
 * Rows of fields; blank lines and rows of empty cells are skipped. A file whose structure is broken (a quote never closed, a quote in the
 * middle of a quoted field) throws AppError CSV_MALFORMED naming the line: its rows cannot be trusted.
 */
export function parseCsv(text: string): CsvRow[] {
  // One line-break form: csv-parse counts a CRLF inside quotes as two lines, which would shift every line number.
  const src = text.replace(/\r\n?/g, '\n');
  let lastEnd = 0;
  try {
    const records = parse(src, {
      bom: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true, // `,,,,` rows: spreadsheets export the rows a format once touched
      relax_column_count: true, // short rows are allowed (missing cells are empty); the caller checks long ones
      relax_quotes: true, // a quote inside an unquoted field is a character (as spreadsheets read it)
      trim: true, // spaces around a quoted field, e.g. `a, "b"`
      info: true,
      raw: true,
      on_record: (record, context) => {
        lastEnd = context.lines;
        return record;
      },
    }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
    return records.map(({ record, raw, info }) => {
      // info.lines is where the row ends; its raw text (after any skipped blank lines) says how many it spans.
      const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
      return { line: info.lines - (body.match(/\n/g)?.length ?? 0), fields: record };
    });
  } catch (err) {
    const e = err as { code?: string; lines?: number; message: string };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED')
      throw new AppError('CSV_MALFORMED', `line ${lastEnd + 1}: a quoted field is not closed (the file ends inside it)`, { cause: err });
    throw new AppError('CSV_MALFORMED', `line ${e.lines ?? lastEnd + 1}: ${e.message.replace(/ at line \d+/, '')}`, { cause: err });
  }
}

export type CsvValue = string | number | null | undefined;

/**
 * Rows as CSV text with CRLF line ends. A value starting with = + - @ (or a tab or CR) gets a leading ' so that a
 * spreadsheet opening the file shows it instead of running it as a formula (the import takes the ' off again).
 */
export function csvText(rows: CsvValue[][]): string {
  return stringify(rows, {
    record_delimiter: 'windows',
    // csv-stringify quotes a value holding the record delimiter (CRLF), not one holding a lone LF or CR: quote those too.
    quoted_match: /[\r\n]/,
    escape_formulas: true,
    cast: { number: (n) => String(n) },
  });
}
