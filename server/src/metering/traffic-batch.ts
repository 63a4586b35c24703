/**
 * Reading a traffic batch straight from the body's bytes into PostgreSQL's binary COPY format.
 *
 * Two readers agree on every line. The fast one works on bytes: it scans a line of the usual shape
 * (a flat JSON object, or a CSV line without quotes) for a server it already knows, checks every
 * field and writes the binary row, allocating next to nothing. Anything else — another shape,
 * escapes, a server not yet looked up, a project-level sample, any doubt at all — goes to the
 * careful reader (traffic.ts: JSON.parse, per-field messages), which looks servers and projects up
 * and either writes the same row or names the line's problem. The fast reader never reports an
 * error: it only accepts what the careful one accepts, with the same result.
 */
import { AppError } from '../http/errors.ts';
import type { ResolvedProject, ResolvedServer, TrafficRollup } from './metering.repository.ts';
import {
  type CsvHeader,
  type LineError,
  MAX_FUTURE_MS,
  type ParsedSample,
  PG_EPOCH_MS,
  parseCsvHeader,
  parseCsvLine,
  parseJsonLine,
  TIME_FORMAT,
  TIME_RANGE,
  type TrafficFormat,
  timeMicros,
} from './traffic.ts';

/** At most this many bad lines are listed in a 400; the message says how many there were. */
const MAX_LISTED_ERRORS = 1000;
/** Careful-path lines are handled in groups this large (one look-up of unknown servers each). */
const PENDING_LINES = 2000;
/** Binary rows are handed to COPY in pieces of about this size. */
const CHUNK_BYTES = 256 * 1024;

export const COPY_BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

export type Resolver = {
  servers(ids: string[]): Promise<ResolvedServer[]>;
  projects(keys: string[]): Promise<(ResolvedProject & { key: string })[]>;
};

/** A server a batch reports for, with the fixed parts of its binary rows and its per-day sums. */
type ServerEntry = {
  id: string;
  projectId: string;
  grantId: string | null;
  isAllowed: boolean;
  /** field count, project_id */
  prefix: Uint8Array;
  /** server_id, grant_id */
  middle: Uint8Array;
  days: Map<number, RollupSum>;
};

const NOT_A_UUID = 'not a uuid' as const;

/** Per-day sums kept as a float-safe part (fast) and a BigInt part (exact beyond 2^53). */
type RollupSum = {
  projectId: string;
  serverId: string | null;
  grantId: string | null;
  dayNumber: number;
  smallIn: number;
  smallOut: number;
  bytesIn: bigint;
  bytesOut: bigint;
  samples: number;
};

const SMALL_LIMIT = 2 ** 52;

export class TrafficBatchReader {
  readonly errors: LineError[] = [];
  /** The binary rows so far (without header and trailer), kept in case the batch must go through staging. */
  readonly chunks: Buffer[] = [];
  received = 0;
  private errorCount = 0;
  private lineNo = 0;
  private rest: Buffer | null = null;
  private header: CsvHeader | null = null;
  private isHeaderBad = false;
  private csvColumns: number[] = [];
  private pending: { line: number; text: string }[] = [];
  private readonly servers = new Map<string, ServerEntry | null | typeof NOT_A_UUID>();
  private readonly projects = new Map<string, ResolvedProject | null>();
  private readonly projectSums = new Map<string, RollupSum>();
  private readonly out = new RowWriter();
  private readonly scratch = newScratch();
  private readonly format: TrafficFormat;
  private readonly owned: Set<string> | null;
  private readonly nowMs: number;
  private readonly maxMicros: number;
  private readonly resolver: Resolver;

  private readonly isFastOn: boolean;

  private readonly pendingLines: number;
  /** Rows the fast reader wrote (the rest went the careful way). */
  fastRows = 0;

  /**
   * `isFastOn: false` sends every line to the careful reader, and `pendingLines` says how many
   * lines wait for it before it runs (tests compare the two readers and make the fast one work).
   */
  constructor(options: {
    format: TrafficFormat;
    owned: Set<string> | null;
    nowMs: number;
    resolver: Resolver;
    isFastOn?: boolean;
    pendingLines?: number;
  }) {
    this.isFastOn = options.isFastOn ?? true;
    this.pendingLines = options.pendingLines ?? PENDING_LINES;
    this.format = options.format;
    this.owned = options.owned;
    this.nowMs = options.nowMs;
    this.maxMicros = (options.nowMs + MAX_FUTURE_MS - PG_EPOCH_MS) * 1000;
    this.resolver = options.resolver;
  }

  /** Reads a piece of the body: whole lines now, the last partial line with the next piece. */
  push(chunk: Buffer) {
    let buf = chunk;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let start = 0;
    for (;;) {
      const newline = buf.indexOf(10, start);
      if (newline === -1) break;
      this.line(buf, start, newline > start && buf[newline - 1] === 13 ? newline - 1 : newline);
      start = newline + 1;
    }
    if (start < buf.length) this.rest = buf.subarray(start);
  }

  /** The last line, if the body did not end with a newline. */
  end() {
    const rest = this.rest;
    this.rest = null;
    if (rest && rest.length > 0) this.line(rest, 0, rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length);
  }

  get hasPending() {
    return this.pending.length > 0;
  }

  get isPendingFull() {
    return this.pending.length >= this.pendingLines;
  }

  /** Binary rows ready for COPY (at least `minBytes` of them), or null; none once any line was bad. */
  take(minBytes = CHUNK_BYTES): Buffer | null {
    if (this.errorCount > 0 || this.out.length === 0 || this.out.length < minBytes) return null;
    const chunk = this.out.take();
    this.chunks.push(chunk);
    return chunk;
  }

  /** The careful reader, for the lines the fast one passed on. */
  async flush() {
    const lines = this.pending;
    this.pending = [];
    const parsed: ParsedSample[] = [];
    for (const { line, text } of lines) {
      const sample =
        this.format === 'csv' ? parseCsvLine(line, text, this.header as CsvHeader, this.nowMs) : parseJsonLine(line, text, this.nowMs);
      if ('message' in sample) this.fail(sample);
      else parsed.push(sample);
    }
    await this.resolve(parsed);
    for (const sample of parsed) {
      if (sample.server !== null) this.serverSample(sample);
      else this.projectSample(sample);
    }
  }

  rollups(): TrafficRollup[] {
    const sums: RollupSum[] = [...this.projectSums.values()];
    for (const entry of this.servers.values()) if (entry && entry !== NOT_A_UUID) sums.push(...entry.days.values());
    return sums.map((sum) => ({
      projectId: sum.projectId,
      serverId: sum.serverId,
      grantId: sum.grantId,
      day: new Date(sum.dayNumber * 86_400_000).toISOString().slice(0, 10),
      bytesIn: sum.bytesIn + BigInt(sum.smallIn),
      bytesOut: sum.bytesOut + BigInt(sum.smallOut),
      samples: sum.samples,
    }));
  }

  /** The 400 for a batch with bad lines (or none at all). */
  failure(): AppError {
    if (this.errorCount === 0)
      return new AppError('ERR_VALIDATION', 'The batch holds no samples.', { fields: [{ field: 'body', message: 'is empty' }] });
    this.errors.sort((x, y) => x.line - y.line);
    const listed = this.errors.map((error) => `${error.line}`).join(', ');
    return new AppError(
      'ERR_VALIDATION',
      `${this.errorCount} bad line${this.errorCount === 1 ? '' : 's'} (${listed}${this.errorCount > this.errors.length ? ', …' : ''}); nothing was stored. Fix ${this.errorCount === 1 ? 'it' : 'them'} and send the whole batch again.`,
      { fields: this.errors.map((error) => ({ field: `line ${error.line}`, message: error.message })) },
    );
  }

  get isBad() {
    return this.errorCount > 0;
  }

  // ── one line ────────────────────────────────────────────────────────────────────────────────────

  private line(buf: Buffer, start: number, end: number) {
    this.lineNo++;
    if (isBlank(buf, start, end) || this.isHeaderBad) return;
    if (this.format === 'csv' && this.header === null) {
      const header = parseCsvHeader(buf.toString('utf8', start, end));
      if ('message' in header) {
        this.fail({ line: this.lineNo, message: header.message });
        this.isHeaderBad = true;
      } else {
        this.header = header;
        this.csvColumns = header.columns.map((column) => FIELD_INDEX[column as string] ?? -1);
      }
      return;
    }
    if (!this.isFastOn || !this.fast(buf, start, end)) this.pending.push({ line: this.lineNo, text: buf.toString('utf8', start, end) });
  }

  /** The fast reader: true when the line's row is written, false to pass it to the careful one. */
  private fast(buf: Buffer, start: number, end: number): boolean {
    const s = this.scratch;
    if (!(this.format === 'csv' ? scanCsv(buf, start, end, this.csvColumns, s) : scanJson(buf, start, end, s))) return false;
    const { start: from, end: to, kind } = s;
    if (kind[ID] !== STRING || kind[SERVER] !== STRING || kind[PROJECT] !== NONE || kind[TIME] !== STRING) return false;
    const idStart = from[ID] as number;
    const idEnd = to[ID] as number;
    if (idEnd - idStart < 1 || idEnd - idStart > 200 || !isPrintableAscii(buf, idStart, idEnd)) return false;
    const serverStart = from[SERVER] as number;
    const serverEnd = to[SERVER] as number;
    if (serverEnd - serverStart !== 36) return false;
    const entry = this.servers.get(buf.toString('latin1', serverStart, serverEnd));
    if (!entry || entry === NOT_A_UUID || !entry.isAllowed) return false;
    const micros = timeMicros(buf, from[TIME] as number, to[TIME] as number);
    if (micros === TIME_FORMAT || micros === TIME_RANGE || micros < 0 || micros > this.maxMicros) return false;
    const bytesIn = digitsValue(buf, from[BYTES_IN] as number, to[BYTES_IN] as number, kind[BYTES_IN] as number);
    const bytesOut = digitsValue(buf, from[BYTES_OUT] as number, to[BYTES_OUT] as number, kind[BYTES_OUT] as number);
    if (bytesIn < 0 || bytesOut < 0) return false;
    this.received++;
    this.fastRows++;
    if (this.errorCount === 0) this.out.row(entry.prefix, buf, idStart, idEnd, entry.middle, micros, bytesIn, bytesOut);
    const dayNumber = Math.floor((micros / 1000 + PG_EPOCH_MS) / 86_400_000);
    let sum = entry.days.get(dayNumber);
    if (!sum) {
      sum = newSum(entry.projectId, entry.id, entry.grantId, dayNumber);
      entry.days.set(dayNumber, sum);
    }
    sum.samples++;
    sum.smallIn += bytesIn;
    sum.smallOut += bytesOut;
    if (sum.smallIn > SMALL_LIMIT || sum.smallOut > SMALL_LIMIT) spill(sum);
    return true;
  }

  // ── the careful reader's rows ────────────────────────────────────────────────────────────────

  private async resolve(samples: ParsedSample[]) {
    const serverKeys = new Set<string>();
    const projectKeys = new Set<string>();
    for (const sample of samples) {
      if (sample.server !== null && !this.servers.has(sample.server)) {
        if (UUID.test(sample.server)) serverKeys.add(sample.server);
        else this.servers.set(sample.server, NOT_A_UUID);
      }
      if (sample.project !== null && !this.projects.has(sample.project)) projectKeys.add(sample.project);
    }
    if (serverKeys.size > 0) {
      const ids = [...new Set([...serverKeys].map((key) => key.toLowerCase()))];
      const found = new Map((await this.resolver.servers(ids)).map((server) => [server.id, server]));
      for (const key of serverKeys) {
        const server = found.get(key.toLowerCase());
        this.servers.set(key, server ? this.entryOf(server) : null);
      }
    }
    if (projectKeys.size > 0) {
      const found = await this.resolver.projects([...projectKeys]);
      for (const key of projectKeys) this.projects.set(key, null);
      for (const project of found) this.projects.set(project.key, project);
    }
  }

  private entryOf(server: ResolvedServer): ServerEntry {
    const prefix = new Uint8Array(22);
    writeInt16(prefix, 0, 7);
    writeUuidField(prefix, 2, server.project_id);
    const middle = new Uint8Array(server.grant_id ? 40 : 24);
    writeUuidField(middle, 0, server.id);
    if (server.grant_id) writeUuidField(middle, 20, server.grant_id);
    else writeInt32(middle, 20, -1);
    return {
      id: server.id,
      projectId: server.project_id,
      grantId: server.grant_id,
      isAllowed: this.owned === null || this.owned.has(server.project_id),
      prefix,
      middle,
      days: new Map(),
    };
  }

  private serverSample(sample: ParsedSample) {
    const entry = this.servers.get(sample.server as string);
    if (entry === NOT_A_UUID) return this.fail({ line: sample.line, message: 'server must be a server id (a UUID)' });
    if (!entry?.isAllowed) return this.fail({ line: sample.line, message: `unknown server ${sample.server}` });
    if (sample.project !== null) {
      const project = this.projects.get(sample.project);
      if (!project) return this.fail({ line: sample.line, message: `unknown project ${sample.project}` });
      if (project.id !== entry.projectId)
        return this.fail({ line: sample.line, message: `server ${sample.server} is not a server of project ${sample.project}` });
    }
    let sum = entry.days.get(sample.dayNumber);
    if (!sum) {
      sum = newSum(entry.projectId, entry.id, entry.grantId, sample.dayNumber);
      entry.days.set(sample.dayNumber, sum);
    }
    this.add(sum, sample);
    if (this.errorCount === 0) this.out.rowOf(entry.prefix, sample.id, entry.middle, sample);
  }

  /** A sample for a whole project (no server): the grant live that day pays. */
  private projectSample(sample: ParsedSample) {
    const project = this.projects.get(sample.project as string);
    if (!project || (this.owned && !this.owned.has(project.id)))
      return this.fail({ line: sample.line, message: `unknown project ${sample.project}` });
    const day = new Date(sample.dayNumber * 86_400_000).toISOString().slice(0, 10);
    const grantId = project.grants.find((grant) => grant.starts_on <= day && (grant.ends_on === null || grant.ends_on >= day))?.id ?? null;
    const key = `${project.id}|${grantId}|${sample.dayNumber}`;
    let sum = this.projectSums.get(key);
    if (!sum) {
      sum = newSum(project.id, null, grantId, sample.dayNumber);
      this.projectSums.set(key, sum);
    }
    this.add(sum, sample);
    if (this.errorCount > 0) return;
    const prefix = new Uint8Array(22);
    writeInt16(prefix, 0, 7);
    writeUuidField(prefix, 2, project.id);
    const middle = new Uint8Array(grantId ? 24 : 8);
    writeInt32(middle, 0, -1);
    if (grantId) writeUuidField(middle, 4, grantId);
    else writeInt32(middle, 4, -1);
    this.out.rowOf(prefix, sample.id, middle, sample);
  }

  private add(sum: RollupSum, sample: ParsedSample) {
    this.received++;
    sum.samples++;
    if (sample.bytesIn.length <= 15) sum.smallIn += Number(sample.bytesIn);
    else sum.bytesIn += BigInt(sample.bytesIn);
    if (sample.bytesOut.length <= 15) sum.smallOut += Number(sample.bytesOut);
    else sum.bytesOut += BigInt(sample.bytesOut);
    if (sum.smallIn > SMALL_LIMIT || sum.smallOut > SMALL_LIMIT) spill(sum);
  }

  private fail(error: LineError) {
    this.errorCount++;
    this.out.clear();
    this.chunks.length = 0;
    if (this.errors.length < MAX_LISTED_ERRORS) this.errors.push(error);
  }
}

function newSum(projectId: string, serverId: string | null, grantId: string | null, dayNumber: number): RollupSum {
  return { projectId, serverId, grantId, dayNumber, smallIn: 0, smallOut: 0, bytesIn: 0n, bytesOut: 0n, samples: 0 };
}

function spill(sum: RollupSum) {
  sum.bytesIn += BigInt(sum.smallIn);
  sum.bytesOut += BigInt(sum.smallOut);
  sum.smallIn = 0;
  sum.smallOut = 0;
}

// ── Binary rows ──────────────────────────────────────────────────────────────────────────────────

/** Rows of traffic_samples in binary COPY format: project_id, sample_id, server_id, grant_id, sampled_at, bytes_in, bytes_out. */
export class RowWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private at = 0;

  get length() {
    return this.at;
  }

  row(
    prefix: Uint8Array,
    src: Uint8Array,
    idStart: number,
    idEnd: number,
    middle: Uint8Array,
    micros: number,
    bytesIn: number,
    bytesOut: number,
  ) {
    const idLength = idEnd - idStart;
    this.ensure(prefix.length + 4 + idLength + middle.length + 36);
    const buf = this.buf;
    let at = this.at;
    buf.set(prefix, at);
    at += prefix.length;
    at = int32(buf, at, idLength);
    for (let i = idStart; i < idEnd; i++) buf[at++] = src[i] as number;
    buf.set(middle, at);
    at += middle.length;
    at = int64(buf, at, micros);
    at = int64(buf, at, bytesIn);
    this.at = int64(buf, at, bytesOut);
  }

  /** A row from the careful reader: the id as text, bytes as decimal strings (up to 2^63 − 1). */
  rowOf(prefix: Uint8Array, id: string, middle: Uint8Array, sample: ParsedSample) {
    const idBytes = Buffer.from(id, 'utf8');
    this.ensure(prefix.length + 4 + idBytes.length + middle.length + 36);
    const buf = this.buf;
    let at = this.at;
    buf.set(prefix, at);
    at += prefix.length;
    at = int32(buf, at, idBytes.length);
    buf.set(idBytes, at);
    at += idBytes.length;
    buf.set(middle, at);
    at += middle.length;
    at = int64(buf, at, sample.micros);
    for (const digits of [sample.bytesIn, sample.bytesOut]) {
      at = int32(buf, at, 8);
      buf.writeBigInt64BE(BigInt(digits), at);
      at += 8;
    }
    this.at = at;
  }

  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  clear() {
    this.at = 0;
  }

  private ensure(bytes: number) {
    if (this.at + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

function int32(buf: Uint8Array, at: number, value: number): number {
  buf[at] = (value >>> 24) & 255;
  buf[at + 1] = (value >>> 16) & 255;
  buf[at + 2] = (value >>> 8) & 255;
  buf[at + 3] = value & 255;
  return at + 4;
}

/** A length-prefixed int8 field for 0 ≤ value < 2^53. */
function int64(buf: Uint8Array, at: number, value: number): number {
  at = int32(buf, at, 8);
  const high = Math.floor(value / 4_294_967_296);
  const low = value - high * 4_294_967_296;
  int32(buf, at, high);
  int32(buf, at + 4, low);
  return at + 8;
}

function writeInt16(buf: Uint8Array, at: number, value: number) {
  buf[at] = (value >>> 8) & 255;
  buf[at + 1] = value & 255;
}

function writeInt32(buf: Uint8Array, at: number, value: number) {
  int32(buf, at, value);
}

/** A length-prefixed uuid field (16 bytes) from its text form. */
function writeUuidField(buf: Uint8Array, at: number, uuid: string) {
  int32(buf, at, 16);
  buf.set(Buffer.from(uuid.replaceAll('-', ''), 'hex'), at + 4);
}

// ── Scanning lines ───────────────────────────────────────────────────────────────────────────────

const ID = 0;
const SERVER = 1;
const PROJECT = 2;
const TIME = 3;
const BYTES_IN = 4;
const BYTES_OUT = 5;
const NONE = 0;
const STRING = 1;
const NUMBER = 2;
const FIELD_INDEX: Record<string, number> = {
  id: ID,
  server: SERVER,
  project: PROJECT,
  time: TIME,
  bytes_in: BYTES_IN,
  bytes_out: BYTES_OUT,
};
const KEYS = ['id', 'server', 'project', 'time', 'bytes_in', 'bytes_out'].map((key) => Buffer.from(key));

type Scratch = { start: Int32Array; end: Int32Array; kind: Uint8Array };

function newScratch(): Scratch {
  return { start: new Int32Array(6), end: new Int32Array(6), kind: new Uint8Array(6) };
}

/**
 * A flat JSON object whose values are strings without escapes or unsigned integers, each key one
 * of the sample's fields at most once; anything else is left to JSON.parse.
 */
function scanJson(buf: Buffer, start: number, end: number, s: Scratch): boolean {
  s.kind.fill(NONE);
  let i = skipSpace(buf, start, end);
  if (buf[i] !== 123) return false;
  i = skipSpace(buf, i + 1, end);
  if (buf[i] === 125) return false;
  for (;;) {
    if (buf[i] !== 34) return false;
    const keyStart = i + 1;
    i = stringEnd(buf, keyStart, end);
    if (i < 0) return false;
    const field = keyOf(buf, keyStart, i);
    if (field < 0 || s.kind[field] !== NONE) return false;
    i = skipSpace(buf, i + 1, end);
    if (buf[i] !== 58) return false;
    i = skipSpace(buf, i + 1, end);
    const first = buf[i] as number;
    if (first === 34) {
      const valueEnd = stringEnd(buf, i + 1, end);
      if (valueEnd < 0) return false;
      s.start[field] = i + 1;
      s.end[field] = valueEnd;
      s.kind[field] = STRING;
      i = valueEnd + 1;
    } else if (first >= 48 && first <= 57) {
      const valueStart = i;
      while (i < end && (buf[i] as number) >= 48 && (buf[i] as number) <= 57) i++;
      const next = buf[i];
      if (next === 46 || next === 101 || next === 69) return false;
      s.start[field] = valueStart;
      s.end[field] = i;
      s.kind[field] = NUMBER;
    } else return false;
    i = skipSpace(buf, i, end);
    if (buf[i] === 44) {
      i = skipSpace(buf, i + 1, end);
      continue;
    }
    if (buf[i] !== 125) return false;
    return skipSpace(buf, i + 1, end) === end;
  }
}

/** A CSV line without quotes, its values placed by the header's columns. */
function scanCsv(buf: Buffer, start: number, end: number, columns: number[], s: Scratch): boolean {
  s.kind.fill(NONE);
  let column = 0;
  let valueStart = start;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 44 : (buf[i] as number);
    if (c === 34) return false;
    if (c !== 44) continue;
    if (column >= columns.length) return false;
    const field = columns[column++] as number;
    if (i > valueStart) {
      s.start[field] = valueStart;
      s.end[field] = i;
      s.kind[field] = STRING;
    }
    valueStart = i + 1;
  }
  if (column !== columns.length) return false;
  // CSV has only strings; byte counts must be plain digits, as in JSON strings.
  return true;
}

function keyOf(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k] as Buffer;
    if (key.length !== length) continue;
    let i = 0;
    while (i < length && buf[start + i] === key[i]) i++;
    if (i === length) return k;
  }
  return -1;
}

/** Index of the closing quote of a string without escapes or control characters, or −1. */
function stringEnd(buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c === 34) return i;
    if (c === 92 || c < 32) return -1;
  }
  return -1;
}

function skipSpace(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function isPrintableAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/**
 * A byte count of up to 15 digits (exact as a double), or −1 to leave it to the careful reader:
 * a JSON number with a leading zero is not JSON, and longer counts are handled as BigInt there.
 */
function digitsValue(buf: Buffer, start: number, end: number, kind: number): number {
  const length = end - start;
  if (kind === NONE || length < 1 || length > 15) return -1;
  if (kind === NUMBER && length > 1 && buf[start] === 48) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = (buf[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
