/**
 * The two ways a scan refuses a file. Everything else a parser meets (a missing field, an odd entry)
 * becomes a note on the result instead, so one strange package never costs the whole scan.
 */
import { type CompanionKind, FORMAT_LABELS, type Format, SUPPORTED_FORMATS } from './formats.ts';

/** The file is in a format we know but is not well-formed: the server answers 400, the CLI exits 1. */
export class ParseError extends Error {
  readonly code = 'ERR_DEPS_MALFORMED';
  /** The lock file's format, or the companion manifest's kind when that is the broken file. */
  readonly format: Format | CompanionKind;
  /** 1-based, when the underlying parser says where. */
  readonly line: number | null;
  readonly column: number | null;
  readonly reason: string;

  constructor(format: Format | CompanionKind, reason: string, position: { line: number; column: number } | null = null) {
    const where = position ? ` at ${position.line}:${position.column}` : '';
    super(`${format}: ${reason}${where}`);
    this.name = 'ParseError';
    this.format = format;
    this.reason = reason;
    this.line = position?.line ?? null;
    this.column = position?.column ?? null;
  }
}

/** Neither the name nor the content matches a format we read: the server answers 415, the CLI exits 2. */
export class UnrecognizedFormatError extends Error {
  readonly code = 'ERR_DEPS_UNSUPPORTED';
  readonly supported: readonly Format[] = SUPPORTED_FORMATS;

  constructor(fileName: string) {
    const list = SUPPORTED_FORMATS.map((format) => FORMAT_LABELS[format]).join(', ');
    super(`${fileName || 'the file'} is not a dependency file we can read; supported formats: ${list}`);
    this.name = 'UnrecognizedFormatError';
  }
}

/** Line and column (1-based) of a character offset, for parsers that report offsets only. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const bounded = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < bounded; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: bounded - lineStart + 1 };
}
