/**
 * How the CLI talks to people and scripts: aligned tables and relative times for people, the API's
 * JSON for scripts, and one mapping from failures to messages and exit codes.
 */
import { ApiError, type FieldError } from '@surplus/api-client';
import { InvalidArgumentError } from 'commander';

export const EXIT = { ok: 0, error: 1, usage: 2, notSignedIn: 3, notFound: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI finds itself (bad arguments, no configuration, nothing to act on). */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError('ERR_USAGE', message, EXIT.usage);
}

export function notFoundError(message: string): CliError {
  return new CliError('ERR_NOT_FOUND', message, EXIT.notFound);
}

/** An option parser for counts; commander reports the failure as bad usage (exit 2). */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return number;
}

/** fetch failed before any HTTP answer: the message names where we tried to go. */
export class NetworkError extends Error {
  readonly url: string;

  constructor(url: string, cause: unknown) {
    // undici wraps the socket error; a dual-stack refusal is an AggregateError with an empty message.
    const inner = (cause as { cause?: { message?: string; code?: string } } | undefined)?.cause;
    const reason = inner?.message || inner?.code || (cause instanceof Error ? cause.message : String(cause));
    super(`cannot reach Surplus at ${url}: ${reason}`);
    this.url = url;
  }
}

export type Colours = { bold(text: string): string; dim(text: string): string; red(text: string): string; green(text: string): string };

const plain: Colours = { bold: (t) => t, dim: (t) => t, red: (t) => t, green: (t) => t };
const ansi: Colours = {
  bold: (t) => `\x1b[1m${t}\x1b[22m`,
  dim: (t) => `\x1b[2m${t}\x1b[22m`,
  red: (t) => `\x1b[31m${t}\x1b[39m`,
  green: (t) => `\x1b[32m${t}\x1b[39m`,
};

/** https://no-color.org: any non-empty NO_COLOR turns colours off; pipes and files never get them. */
export function coloursFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Colours {
  return stream.isTTY === true && !env.NO_COLOR ? ansi : plain;
}

export type Column<T> = { header: string; value(row: T): string; style?(text: string, row: T): string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;]*m/g;
const visibleLength = (text: string) => [...text.replace(ANSI, '')].length;

/** Left-aligned columns two spaces apart; the last column is not padded so lines carry no trailing blanks. */
export function formatTable<T>(rows: T[], columns: Column<T>[], colours: Colours = plain): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(visibleLength(column.header), ...cells.map((line) => visibleLength(line[i] ?? ''))));
  // Pad by the raw text, then show the styled text, so escape codes never shift the columns.
  const render = (raw: string[], shown: string[]) =>
    shown
      .map((text, i) => (i === shown.length - 1 ? text : text + ' '.repeat((widths[i] ?? 0) - visibleLength(raw[i] ?? ''))))
      .join('  ')
      .trimEnd();
  const headers = columns.map((column) => column.header);
  const header = colours.bold(render(headers, headers));
  const body = cells.map((line, r) =>
    render(
      line,
      line.map((text, i) => columns[i]?.style?.(text, rows[r] as T) ?? text),
    ),
  );
  return [header, ...body].join('\n');
}

/** "label  value" lines with the labels aligned, for one resource. Null values show as a dash. */
export function formatFields(pairs: [label: string, value: string | null][], colours: Colours = plain): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${colours.dim(`${label}:`.padEnd(width + 1))}  ${value ?? '-'}`).join('\n');
}

const UNITS: [unit: Intl.RelativeTimeFormatUnit, seconds: number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** "3 days ago", "in 2 months", "just now"; null (never) shows as a dash. */
export function relativeTime(iso: string | null, nowMs: number = Date.now()): string {
  if (iso === null) return '-';
  const seconds = Math.round((Date.parse(iso) - nowMs) / 1000);
  if (Number.isNaN(seconds)) return iso;
  if (Math.abs(seconds) < 60) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

export type ErrorReport = {
  exitCode: ExitCode;
  error: { code: string; message: string; fields?: FieldError[]; request_id?: string; url?: string };
};

/** Maps anything thrown by a command to what the user sees and the exit code scripts branch on. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof ApiError) {
    const exitCode = error.status === 404 ? EXIT.notFound : error.code === 'ERR_UNAUTHENTICATED' ? EXIT.notSignedIn : EXIT.error;
    return {
      exitCode,
      error: {
        code: error.code,
        message: error.message,
        ...(error.fields.length ? { fields: error.fields } : {}),
        ...(error.requestId ? { request_id: error.requestId } : {}),
      },
    };
  }
  if (error instanceof CliError) return { exitCode: error.exitCode, error: { code: error.code, message: error.message } };
  if (error instanceof NetworkError)
    return { exitCode: EXIT.error, error: { code: 'ERR_NETWORK', message: error.message, url: error.url } };
  return { exitCode: EXIT.error, error: { code: 'ERR_CLI', message: error instanceof Error ? error.message : String(error) } };
}

export function formatErrorText(report: ErrorReport, colours: Colours = plain): string {
  const { message, fields = [], request_id: requestId, code } = report.error;
  const lines = [`${colours.red('error:')} ${message}`];
  // Validation messages already read "field: reason"; list only what the message leaves out.
  for (const field of fields) {
    if (!message.includes(`${field.field}: ${field.message}`)) lines.push(`  ${field.field}: ${field.message}`);
  }
  if (code === 'ERR_UNAUTHENTICATED') lines.push('Sign in again with `surplus login`.');
  if (requestId) lines.push(colours.dim(`request id: ${requestId}`));
  return lines.join('\n');
}

type Stream = { write(text: string): unknown; isTTY?: boolean };

/** Where commands write: stdout for results, stderr for notes and errors. */
export class Output {
  readonly colours: Colours;
  readonly #stdout: Stream;
  readonly #stderr: Stream;
  readonly #errorColours: Colours;

  constructor(stdout: Stream, stderr: Stream, env: Record<string, string | undefined>) {
    this.#stdout = stdout;
    this.#stderr = stderr;
    this.colours = coloursFor(stdout, env);
    this.#errorColours = coloursFor(stderr, env);
  }

  json(value: unknown) {
    this.#stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  line(text = '') {
    this.#stdout.write(`${text}\n`);
  }

  table<T>(rows: T[], columns: Column<T>[], empty: string) {
    if (rows.length === 0) this.note(empty);
    else this.line(formatTable(rows, columns, this.colours));
  }

  fields(pairs: [string, string | null][]) {
    this.line(formatFields(pairs, this.colours));
  }

  /** Whether a progress line can redraw itself: only on a terminal, never into a pipe or a log. */
  get isProgressShown(): boolean {
    return this.#stderr.isTTY === true;
  }

  /** Redraws one progress line on stderr (a terminal only); `done` ends it with a newline. */
  progress(text: string, done = false) {
    if (!this.isProgressShown) return;
    this.#stderr.write(`\r\x1b[2K${text}${done ? '\n' : ''}`);
  }

  /** Messages for people that should not end up in a script's captured stdout. */
  note(text: string) {
    this.#stderr.write(`${text}\n`);
  }

  error(report: ErrorReport, asJson: boolean) {
    this.#stderr.write(asJson ? `${JSON.stringify({ error: report.error })}\n` : `${formatErrorText(report, this.#errorColours)}\n`);
  }
}
