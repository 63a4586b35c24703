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
  /** Microseconds since 2000-01-01 UTC (PostgreSQL's epoch), what binary COPY sends. */
  micros: number;
  /** Days since 1970-01-01 of the time in UTC. */
  dayNumber: number;
  /** Decimal digits, exact (up to 2^63 − 1). */
  bytesIn: string;
  bytesOut: string;
};

export type LineError = { line: number; message: string };

/** A sample may be at most this far ahead of the server's clock (clock skew, not the future). */
export const MAX_FUTURE_MS = 60 * 60 * 1000;
/** PostgreSQL's epoch, 2000-01-01 UTC, in Unix milliseconds; samples before it are refused. */
export const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
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
  const bytes = Buffer.from(time, 'latin1');
  const micros = time.length > 40 ? TIME_FORMAT : timeMicros(bytes, 0, bytes.length);
  if (micros === TIME_FORMAT) return fail(`time "${time.slice(0, 40)}" is not an RFC 3339 timestamp with a time zone`);
  if (micros === TIME_RANGE) return fail(`time "${time}" is not a valid date and time`);
  const atMs = micros / 1000 + PG_EPOCH_MS;
  if (atMs > nowMs + MAX_FUTURE_MS) return fail(`time ${time} is in the future (more than 1 hour ahead)`);
  if (micros < 0) return fail(`time ${time} is before 2000`);
  const bytesIn = byteCount(fields.bytes_in);
  if (typeof bytesIn !== 'string') return fail(`bytes_in ${bytesIn.message}`);
  const bytesOut = byteCount(fields.bytes_out);
  if (typeof bytesOut !== 'string') return fail(`bytes_out ${bytesOut.message}`);
  return { line, id, server, project, micros, dayNumber: Math.floor(atMs / 86_400_000), bytesIn, bytesOut };
}

/** timeMicros' answers for text that is not a timestamp, and for one out of range (30 February, 24:00). */
export const TIME_FORMAT = Number.NEGATIVE_INFINITY;
export const TIME_RANGE = Number.POSITIVE_INFINITY;

/**
 * An RFC 3339 timestamp in bytes [start, end) — `YYYY-MM-DD`, `T` (or `t` or a space), `HH:MM:SS`,
 * up to 9 fractional digits, `Z` or `±HH:MM` — as microseconds since 2000-01-01 UTC (rounded half
 * up at the seventh fractional digit). Every field is range-checked, so what passes here is a
 * time PostgreSQL would store too. Shared by the fast and the careful reader, so both store the same.
 */
export function timeMicros(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 20) return TIME_FORMAT;
  const year = digit(buf, start) * 1000 + digit(buf, start + 1) * 100 + digit(buf, start + 2) * 10 + digit(buf, start + 3);
  const month = digit(buf, start + 5) * 10 + digit(buf, start + 6);
  const day = digit(buf, start + 8) * 10 + digit(buf, start + 9);
  const hour = digit(buf, start + 11) * 10 + digit(buf, start + 12);
  const minute = digit(buf, start + 14) * 10 + digit(buf, start + 15);
  const second = digit(buf, start + 17) * 10 + digit(buf, start + 18);
  const t = buf[start + 10];
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return TIME_FORMAT;
  if (buf[start + 4] !== 45 || buf[start + 7] !== 45 || buf[start + 13] !== 58 || buf[start + 16] !== 58) return TIME_FORMAT;
  if (t !== 84 && t !== 116 && t !== 32) return TIME_FORMAT;
  let at = start + 19;
  let micros = 0;
  if (at < end && buf[at] === 46) {
    at++;
    let digits = 0;
    let scale = 100_000;
    while (at < end && digits < 10) {
      const c = digit(buf, at);
      if (c < 0) break;
      if (digits < 6) micros += c * scale;
      else if (digits === 6 && c >= 5) micros += 1;
      scale /= 10;
      digits++;
      at++;
    }
    if (digits === 0 || digits > 9) return TIME_FORMAT;
  }
  if (at >= end) return TIME_FORMAT;
  let offsetMinutes = 0;
  const zone = buf[at];
  if (zone === 90 || zone === 122) at++;
  else if (zone === 43 || zone === 45) {
    if (end - at !== 6 || buf[at + 3] !== 58) return TIME_FORMAT;
    const hours = digit(buf, at + 1) * 10 + digit(buf, at + 2);
    const minutes = digit(buf, at + 4) * 10 + digit(buf, at + 5);
    if (hours < 0 || minutes < 0) return TIME_FORMAT;
    if (hours > 14 || minutes > 59) return TIME_RANGE;
    offsetMinutes = (zone === 45 ? -1 : 1) * (hours * 60 + minutes);
    at += 6;
  } else return TIME_FORMAT;
  if (at !== end) return TIME_FORMAT;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return TIME_RANGE;
  if (day > daysInMonth(year, month)) return TIME_RANGE;
  const seconds = daysSinceEpoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return (seconds - PG_EPOCH_MS / 1000) * 1_000_000 + micros;
}

function digit(buf: Uint8Array, at: number): number {
  const c = (buf[at] as number) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
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
