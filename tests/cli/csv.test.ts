// The CSV dialect of the subscribers import/export (src/cli/csv.ts over csv-parse/csv-stringify): what spreadsheet
// programs write parses, line numbers point at the row's first line, a broken file is refused with its line, and
// anything the export writes reads back as it was.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { csvText, parseCsv } from '../../src/cli/csv.js';
import { parseImport } from '../../src/cli/subscribers.js';
import { FIXTURES } from '../helpers/app.js';

const SPREADSHEET = readFileSync(`${FIXTURES}csv/spreadsheet-export.csv`, 'utf8');

describe('parseCsv', () => {
  it('reads a spreadsheet export: BOM, CRLF, quoted commas and quotes, a line break inside a cell', () => {
    expect(SPREADSHEET.charCodeAt(0)).toBe(0xfeff);
    expect(SPREADSHEET).toContain('\r\n');
    const rows = parseCsv(SPREADSHEET);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 5]); // the row after the two-line cell starts on line 5
    expect(rows[0]!.fields[0]).toBe('email'); // no BOM glued to the first header
    expect(rows[1]!.fields[2]).toBe('long context, agents');
    expect(rows[2]!.fields[7]).toBe('First line\nsecond line, with a comma');
    expect(rows[3]!.fields[7]).toBe('He said "maybe"');
  });

  it('counts lines the same with LF, CRLF or CR line ends, blank lines included', () => {
    const lines = ['email,note', 'a@example.org,"one', 'two"', '', 'b@example.org,x', '"c@example.org","', '', 'z"', 'd@example.org,'];
    for (const nl of ['\n', '\r\n', '\r']) expect(parseCsv(lines.join(nl)).map((r) => r.line), JSON.stringify(nl)).toEqual([1, 2, 5, 6, 9]);
  });

  it('refuses a file whose quote is never closed, naming the row it opens on', () => {
    expect(() => parseCsv('email\r\na@example.org\r\n"b@example.org\r\nc@example.org\r\n')).toThrow(
      expect.objectContaining({ code: 'CSV_MALFORMED', message: expect.stringMatching(/^line 3: a quoted field is not closed/) }),
    );
    expect(() => parseCsv('email,x\na@example.org,"b"c\n')).toThrow(expect.objectContaining({ code: 'CSV_MALFORMED', message: expect.stringMatching(/^line 2: /) }));
  });

  it('reads back whatever csvText writes (values with commas, quotes, line breaks, unicode)', () => {
    // Cells are trimmed and a formula guard is added on the way out, so generate values neither changes.
    const cell = fc.string({ unit: fc.constantFrom('a', 'é', ' ', ',', '"', '\n', '\r\n', ';', "'", '=', '1', '🙂') }).filter((s) => s.trim() === s && !/^[=+\-@\t\r]/.test(s));
    const table = fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }));
    fc.assert(
      fc.property(table, (rows) => {
        const kept = rows.filter((r) => r.some((c) => c !== '')); // rows of empty cells are skipped on reading
        expect(parseCsv(csvText(rows)).map((r) => r.fields)).toEqual(kept.map((r) => r.map((c) => c.replace(/\r\n/g, '\n'))));
      }),
    );
  });

  it('writes CRLF rows and guards cells a spreadsheet would run as formulas', () => {
    expect(csvText([['email', 'note'], ['=HYPERLINK("x")', null], ['-1', 7]])).toBe('email,note\r\n"\'=HYPERLINK(""x"")",\r\n\'-1,7\r\n');
  });
});

describe('parseImport', () => {
  it('maps a spreadsheet export to subscribers: header names in any case, TRUE/FALSE, unknown columns ignored', () => {
    const r = parseImport(SPREADSHEET);
    expect(r.problems).toEqual([]);
    expect(r.rows.map(({ line, row }) => ({ line, ...row }))).toEqual([
      { line: 2, email: 'ada@example.org', status: 'active', topics: ['long context', 'agents'], timezone: 'Europe/Berlin', delivery_hour: 8, frequency: 'daily', paused: false },
      { line: 3, email: 'Grace.Hopper@example.org', status: 'active', topics: ['cs.CL'], timezone: 'America/New_York', delivery_hour: 7, frequency: 'weekly', paused: true },
      { line: 5, email: 'alan@example.org', status: 'pending', paused: false },
    ]);
  });

  it('reports each bad row by the line it starts on, and a row shifted by an unquoted comma', () => {
    const text = 'email,note,delivery_hour\r\nok@example.org,"two\r\nlines",8\r\nbad@example.org,,25\r\nshifted@example.org,Doe, Jane,7\r\nnope,,\r\nok@example.org,,\r\n';
    expect(parseImport(text)).toMatchObject({
      fatal: false,
      problems: [
        'line 4: delivery_hour must be an hour 0–23',
        'line 5: 4 cells but the header names 3 columns (quote values that contain a comma)',
        'line 6: email must be a valid email address',
        'line 7: …@example.org appears twice in the file',
      ],
    });
  });

  it('calls a file without an email column, or with a broken quote, unreadable as a whole', () => {
    expect(parseImport('name,topics\nAda,agents\n')).toEqual({ rows: [], problems: ['line 1: the header row must name an "email" column'], fatal: true });
    expect(parseImport('email\n"a@example.org\n')).toMatchObject({ rows: [], fatal: true, problems: [expect.stringMatching(/^line 2: a quoted field is not closed/)] });
  });
});
