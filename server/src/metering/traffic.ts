/**
 * Reading traffic samples from a batch body: JSON lines or CSV, one sample a line. Pure: lines in,
 * samples or per-line errors out. Resolving servers and projects (and who may report for them) is
 * the service's part.
 */

export type TrafficFormat = 'ndjson' | 'csv';

export const TRAFFIC_CONTENT_TYPES: Record<string, TrafficFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
};

export type ParsedSample = {
  line: number;
  id: string;
  server: string | null;
  project: string | null;
  atMs: number;
  /** The time as sent (RFC 3339), handed to PostgreSQL as is. */
  time: string;
  /** 'YYYY-MM-DD' of the time in UTC. */
  day: string;
  /** Decimal digits, exact (up to 2^63 − 1). */
  bytesIn: string;
  bytesOut: string;
};

export type LineError = { line: number; message: string };

/** A sample may be at most this far ahead of the server's clock (clock skew, not the future). */
export const MAX_FUTURE_MS = 60 * 60 * 1000;
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DIGITS = /^\d{1,19}$/;
const MAX_BIGINT = 9_223_372_036_854_775_807n;
const FIELDS = new Set(['id', 'server', 'project', 'time', 'bytes_in', 'bytes_out']);

type Fields = { id: unknown; server: unknown; project: unknown; time: unknown; bytes_in: unknown; bytes_out: unknown };

/** Checks one sample's fields; the first problem found is the line's reason. */
export function checkSample(line: number, fields: Fields, nowMs: number): ParsedSample | LineError {
  const fail = (message: string): LineError => ({ line, message });
  let id: string;
  if (typeof fields.id === 'string') id = fields.id;
  else if (typeof fields.id === 'number' && Number.isSafeInteger(fields.id)) id = String(fields.id);
  else return fail(fields.id === undefined || fields.id === null || fields.id === '' ? 'id is missing' : 'id must be a string');
  if (id.length === 0) return fail('id is missing');
  if (id.length > 200) return fail('id is longer than 200 characters');
  const server = optionalString(fields.server);
  const project = optionalString(fields.project);
  if (server === undefined) return fail('server must be a server id');
  if (project === undefined) return fail('project must be a project id or slug');
  if (server === null && project === null) return fail('server or project is required');
  if (typeof fields.time !== 'string' || fields.time === '') return fail('time is missing');
  const time = fields.time;
  if (!RFC3339.test(time)) return fail(`time "${time.slice(0, 40)}" is not an RFC 3339 timestamp with a time zone`);
  const atMs = Date.parse(time);
  if (Number.isNaN(atMs)) return fail(`time "${time}" is not a valid date`);
  if (atMs > nowMs + MAX_FUTURE_MS) return fail(`time ${time} is in the future (more than 1 hour ahead)`);
  if (atMs < EARLIEST_MS) return fail(`time ${time} is before 2000`);
  const bytesIn = byteCount(fields.bytes_in);
  if (typeof bytesIn !== 'string') return fail(`bytes_in ${bytesIn.message}`);
  const bytesOut = byteCount(fields.bytes_out);
  if (typeof bytesOut !== 'string') return fail(`bytes_out ${bytesOut.message}`);
  const isUtc = time.endsWith('Z') || time.endsWith('z');
  const day = isUtc ? time.slice(0, 10) : new Date(atMs).toISOString().slice(0, 10);
  return { line, id, server, project, atMs, time, day, bytesIn, bytesOut };
}

function optionalString(value: unknown): string | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' && value.length <= 100 ? value : undefined;
}

function byteCount(value: unknown): string | { message: string } {
  if (value === undefined || value === null || value === '') return { message: 'is missing' };
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) return { message: 'must be a whole number of bytes' };
    if (value < 0) return { message: 'must not be negative' };
    if (!Number.isSafeInteger(value)) return { message: 'is too large for a JSON number; send it as a string of digits' };
    return String(value);
  }
  if (typeof value === 'string') {
    if (DIGITS.test(value)) return BigInt(value) > MAX_BIGINT ? { message: 'is too large' } : value;
    if (/^-\d+$/.test(value.trim())) return { message: 'must not be negative' };
    return { message: 'must be a whole number of bytes' };
  }
  return { message: 'must be a whole number of bytes' };
}

/** One JSON line. */
export function parseJsonLine(line: number, text: string, nowMs: number): ParsedSample | LineError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, message: `malformed JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, message: 'a sample must be a JSON object' };
  for (const key in value) if (!FIELDS.has(key)) return { line, message: `unknown field "${key.slice(0, 40)}"` };
  return checkSample(line, value as Fields, nowMs);
}

export type CsvHeader = { columns: (keyof Fields | null)[] };

/** The first CSV line names the columns: id, time, bytes_in, bytes_out and server and/or project, any order. */
export function parseCsvHeader(text: string): CsvHeader | LineError {
  const names = splitCsv(text);
  if (names === null) return { line: 1, message: 'malformed CSV header (an unclosed quote)' };
  const columns: (keyof Fields | null)[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!FIELDS.has(name)) return { line: 1, message: `unknown column "${raw.slice(0, 40)}"; columns are ${[...FIELDS].join(', ')}` };
    if (columns.includes(name as keyof Fields)) return { line: 1, message: `column "${name}" appears twice` };
    columns.push(name as keyof Fields);
  }
  for (const required of ['id', 'time', 'bytes_in', 'bytes_out'] as const) {
    if (!columns.includes(required)) return { line: 1, message: `the header has no "${required}" column` };
  }
  if (!columns.includes('server') && !columns.includes('project'))
    return { line: 1, message: 'the header needs a "server" or "project" column' };
  return { columns };
}

export function parseCsvLine(line: number, text: string, header: CsvHeader, nowMs: number): ParsedSample | LineError {
  const values = splitCsv(text);
  if (values === null) return { line, message: 'malformed CSV (an unclosed quote)' };
  if (values.length !== header.columns.length) return { line, message: `expected ${header.columns.length} values, found ${values.length}` };
  const fields: Fields = {
    id: undefined,
    server: undefined,
    project: undefined,
    time: undefined,
    bytes_in: undefined,
    bytes_out: undefined,
  };
  header.columns.forEach((column, index) => {
    if (column) fields[column] = values[index];
  });
  return checkSample(line, fields, nowMs);
}

/** RFC 4180 fields of one line (no line breaks inside quotes); null for an unclosed quote. */
export function splitCsv(text: string): string[] | null {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let field = '';
  let i = 0;
  let isQuoted = false;
  while (i < text.length) {
    const char = text[i] as string;
    if (isQuoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        isQuoted = false;
      } else field += char;
    } else if (char === '"' && field === '') isQuoted = true;
    else if (char === ',') {
      out.push(field);
      field = '';
    } else field += char;
    i++;
  }
  if (isQuoted) return null;
  out.push(field);
  return out;
}

/** A text value in PostgreSQL's COPY text format. */
export function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
    : value;
}

/**
 * Splits a byte stream into numbered lines (LF or CRLF), in batches, counting bytes against a
 * limit. Blank (or all-space) lines are skipped but counted, so numbers match the file.
 */
export async function* lineBatches(
  body: AsyncIterable<Buffer | string>,
  options: { limitBytes: number; batchLines: number; onTooLarge: () => never },
): AsyncGenerator<{ line: number; text: string }[]> {
  let pending = '';
  let lineNo = 0;
  let bytes = 0;
  let batch: { line: number; text: string }[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > options.limitBytes) options.onTooLarge();
    pending += decoder.decode(buffer, { stream: true });
    let start = 0;
    let newline = pending.indexOf('\n', start);
    while (newline !== -1) {
      lineNo++;
      const end = newline > start && pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      if (end > start && (pending.charCodeAt(start) > 32 || pending.slice(start, end).trim() !== ''))
        batch.push({ line: lineNo, text: pending.slice(start, end) });
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    if (batch.length >= options.batchLines) {
      yield batch;
      batch = [];
    }
  }
  pending += decoder.decode();
  if (pending.length > 0) {
    lineNo++;
    const text = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
    if (text.trim() !== '') batch.push({ line: lineNo, text });
  }
  if (batch.length > 0) yield batch;
}
