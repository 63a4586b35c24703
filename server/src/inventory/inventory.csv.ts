/**
 * The machine CSV import's file format: RFC 4180 (commas, double quotes, "" inside quotes, CRLF or LF,
 * quoted fields may span lines) with a header line naming the columns. Lines are numbered as an
 * editor shows them, so "line 7" points at the record that starts on line 7.
 */

export const CSV_COLUMNS = [
  'hostname',
  'serial',
  'plan',
  'metro',
  'location',
  'macs',
  'bmc_provider',
  'bmc_url',
  'bmc_username',
  'bmc_password',
  'bmc_insecure',
  'bmc_ca_pem',
  'bmc_system_path',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
export const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = ['hostname', 'plan', 'metro', 'bmc_provider'];
export const MAX_CSV_ROWS = 5000;

export type CsvRecord = { line: number; cells: string[] };
export type CsvProblem = { line: number; column: string | null; message: string };

/** Splits CSV text into records; the first problem found stops it (a broken quote shifts everything after it). */
export function parseCsv(text: string): { records: CsvRecord[] } | { problem: CsvProblem } {
  const records: CsvRecord[] = [];
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let index = 0;
  while (index < source.length) {
    const startLine = line;
    const cells: string[] = [];
    let wasQuoted = false;
    for (;;) {
      let cell = '';
      if (source[index] === '"') {
        wasQuoted = true;
        index++;
        for (;;) {
          if (index >= source.length)
            return { problem: { line: startLine, column: null, message: `a quoted field opened on line ${startLine} is never closed` } };
          const char = source[index] as string;
          if (char === '"') {
            if (source[index + 1] === '"') {
              cell += '"';
              index += 2;
              continue;
            }
            index++;
            break;
          }
          if (char === '\n') line++;
          cell += char;
          index++;
        }
        const next = source[index];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          return { problem: { line, column: null, message: 'text after a closing quote; a field is either quoted whole or not at all' } };
        }
      } else {
        while (index < source.length && source[index] !== ',' && source[index] !== '\n' && source[index] !== '\r') {
          if (source[index] === '"') {
            return {
              problem: { line, column: null, message: 'a quote inside an unquoted field; quote the whole field and double the quote ("")' },
            };
          }
          cell += source[index];
          index++;
        }
      }
      cells.push(cell);
      if (source[index] === ',') {
        index++;
        continue;
      }
      // End of record: \r\n, \n, a lone \r, or the end of the text.
      if (source[index] === '\r') index++;
      if (source[index] === '\n') index++;
      line++;
      break;
    }
    const isBlank = !wasQuoted && cells.length === 1 && cells[0]?.trim() === '';
    if (!isBlank) records.push({ line: startLine, cells });
  }
  return { records };
}

export type CsvRow = { line: number; values: Partial<Record<CsvColumn, string>> };

/** Reads the header and maps each record's cells to columns; problems name the line (and column). */
export function readMachineCsv(text: string): { rows: CsvRow[]; problems: CsvProblem[] } {
  const parsed = parseCsv(text);
  if ('problem' in parsed) return { rows: [], problems: [parsed.problem] };
  const [header, ...records] = parsed.records;
  if (!header)
    return {
      rows: [],
      problems: [{ line: 1, column: null, message: `the file is empty; it needs a header line (${CSV_COLUMNS.join(',')})` }],
    };
  const problems: CsvProblem[] = [];
  const columns = header.cells.map((cell) => cell.trim().toLowerCase());
  columns.forEach((column, index) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(column)) {
      problems.push({
        line: header.line,
        column: null,
        message: `unknown column ${JSON.stringify(column)}; the columns are ${CSV_COLUMNS.join(', ')}`,
      });
    } else if (columns.indexOf(column) !== index) {
      problems.push({ line: header.line, column: null, message: `column ${column} appears twice` });
    }
  });
  const missing = REQUIRED_CSV_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0)
    problems.push({ line: header.line, column: null, message: `the header lacks the required column(s) ${missing.join(', ')}` });
  if (records.length === 0) problems.push({ line: header.line, column: null, message: 'the file has a header but no machines' });
  if (records.length > MAX_CSV_ROWS)
    problems.push({
      line: header.line,
      column: null,
      message: `the file has ${records.length} machines; import at most ${MAX_CSV_ROWS} at once`,
    });
  if (problems.length > 0) return { rows: [], problems };

  const rows: CsvRow[] = [];
  for (const record of records) {
    if (record.cells.length !== columns.length) {
      problems.push({ line: record.line, column: null, message: `has ${record.cells.length} fields; the header has ${columns.length}` });
      continue;
    }
    const values: CsvRow['values'] = {};
    columns.forEach((column, index) => {
      values[column as CsvColumn] = record.cells[index];
    });
    rows.push({ line: record.line, values });
  }
  return { rows, problems };
}

/**
 * One CSV row as an enrollment body: empty cells are absent, MACs are split on spaces, semicolons,
 * pipes or commas (inside a quoted cell), bmc_insecure reads true/false, yes/no or 1/0.
 */
export function rowToEnrollInput(values: CsvRow['values']): {
  input: Record<string, unknown>;
  problems: { column: CsvColumn; message: string }[];
} {
  const input: Record<string, unknown> = {};
  const problems: { column: CsvColumn; message: string }[] = [];
  for (const column of CSV_COLUMNS) {
    const raw = values[column];
    // PEM keeps its line breaks; every other cell is one value without surrounding space.
    const value = column === 'bmc_ca_pem' ? raw : raw?.trim();
    if (value === undefined || value.trim() === '') continue;
    if (column === 'macs') {
      input.macs = value.split(/[\s;|,]+/).filter((mac) => mac !== '');
    } else if (column === 'bmc_insecure') {
      const flag = value.toLowerCase();
      if (['true', 'yes', '1'].includes(flag)) input.bmc_insecure = true;
      else if (['false', 'no', '0'].includes(flag)) input.bmc_insecure = false;
      else problems.push({ column, message: `${JSON.stringify(value.slice(0, 20))} is not true or false` });
    } else {
      input[column] = value;
    }
  }
  return { input, problems };
}
