/**
 * JSON, YAML and TOML read into plain values, every failure turned into a ParseError that names the
 * format and, where the parser knows it, the line and column. Plus the small readers every parser
 * uses to walk untrusted data without tripping over a missing field or an inherited property.
 */
import { parse as parseTomlText, TomlError } from 'smol-toml';
import { parse as parseYamlText, YAMLError } from 'yaml';
import { ParseError, positionOf } from './errors.ts';
import type { CompanionKind, Format } from './formats.ts';
import { parseLockYaml } from './lock-yaml.ts';

export function parseJson(format: Format | CompanionKind, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 says "… in JSON at position 1234 (line 5 column 3)"; older messages give the offset only.
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    const offset = /position (\d+)/.exec(message);
    const position = lineColumn
      ? { line: Number(lineColumn[1]), column: Number(lineColumn[2]) }
      : offset
        ? positionOf(text, Number(offset[1]))
        : /end of (JSON )?input/i.test(message)
          ? positionOf(text, text.length)
          : null;
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    throw new ParseError(format, `malformed JSON: ${reason}`, position);
  }
}

export function parseYaml(format: Format | CompanionKind, text: string): unknown {
  // Lock files stay within a subset a dedicated reader handles many times faster; the rest (and
  // every malformed file, for its error position) goes to the full parser.
  const fast = parseLockYaml(text);
  if (fast !== undefined) return fast;
  try {
    // Lock files never use aliases; a low cap refuses "billion laughs" documents outright.
    return parseYamlText(text, { maxAliasCount: 50, uniqueKeys: false, merge: false });
  } catch (error) {
    if (error instanceof YAMLError) {
      const at = error.linePos?.[0];
      throw new ParseError(format, `malformed YAML: ${error.message.split('\n')[0]}`, at ? { line: at.line, column: at.col } : null);
    }
    // The yaml package throws plain errors for resource limits (alias counts, nesting depth).
    throw new ParseError(format, `malformed YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function parseToml(format: Format | CompanionKind, text: string): Record<string, unknown> {
  try {
    return parseTomlText(text, { maxDepth: 200 }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ParseError(format, `malformed TOML: ${error.message.split('\n')[0]}`, { line: error.line, column: error.column });
    }
    throw new ParseError(format, `malformed TOML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export type Dict = Record<string, unknown>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A property of the object itself: `deps["constructor"]` must not find Object.prototype's. */
export function own(value: unknown, key: string): unknown {
  return isDict(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

export function dict(value: unknown): Dict {
  return isDict(value) ? value : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * A scalar written as text: strings as they are, numbers and booleans (YAML and TOML type them) in
 * their usual spelling; null for null, objects and arrays. Never `String(value)` on untrusted data:
 * an object with a `toString` or `valueOf` key (`{"toString": 1}`) makes it throw a TypeError.
 */
export function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return null;
}

export function entriesOf(value: unknown): [string, unknown][] {
  return isDict(value) ? Object.entries(value) : [];
}

/** A name → version-range map (package.json, composer.json), values that are not strings skipped. */
export function stringMap(value: unknown): [name: string, range: string][] {
  return entriesOf(value).flatMap(([name, range]) => (typeof range === 'string' ? [[name, range] as [string, string]] : []));
}
