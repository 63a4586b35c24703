/**
 * A fast reader for the YAML that lock-file writers produce (pnpm's and yarn berry's): block mappings
 * and sequences indented by spaces, plain and quoted scalars, one-line flow collections. The general
 * `yaml` package reads a 175 KB pnpm lock in about half a second on the build machine; a lock of a
 * large monorepo (several MB) would take tens of seconds. This reader takes a few milliseconds.
 *
 * It answers `undefined` for anything outside that subset (anchors, tags, block scalars, multi-line
 * scalars, nested flow collections, documents markers, tabs…), and the caller then uses the `yaml`
 * package, which also gives the error positions. Tests hold it to the same result as `yaml` on the
 * real files and on random documents written by `yaml`.
 */

type Container = Record<string, unknown> | unknown[];
type Frame = { indent: number; container: Container };

const NOT_SUPPORTED = Symbol('not supported');

function setOwn(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

// YAML 1.2 core schema, as the `yaml` package resolves plain scalars by default.
function plainScalar(text: string): unknown {
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  if (/^[-+]?[0-9]+$/.test(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : NOT_SUPPORTED;
  }
  if (/^0o[0-7]+$/.test(text) || /^0x[0-9a-fA-F]+$/.test(text) || /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/.test(text)) return NOT_SUPPORTED;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

/** A scalar as written after `key: ` or `- ` (or inside a flow collection when `inFlow`). */
function scalar(raw: string, inFlow: boolean): unknown {
  const text = raw.trim();
  if (text === '') return null;
  const first = text[0] as string;
  if (first === "'") {
    if (!/^'(?:[^']|'')*'$/.test(text)) return NOT_SUPPORTED;
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (first === '"') {
    // JSON's escapes are a subset of YAML's double-quoted ones; anything else goes to the full parser.
    if (!/^"(?:[^"\\]|\\["\\/bfnrtu])*"$/.test(text)) return NOT_SUPPORTED;
    try {
      return JSON.parse(text);
    } catch {
      return NOT_SUPPORTED;
    }
  }
  // Indicators that start anchors, aliases, tags, block scalars, directives, reserved characters.
  if (/^[&*!|>%@`?]/.test(text) || /^-(\s|$)/.test(text) || text.includes(' #') || /:(\s|$)/.test(text)) return NOT_SUPPORTED;
  if (inFlow && /[[\]{},]/.test(text)) return NOT_SUPPORTED;
  return plainScalar(text);
}

/** Splits a one-level flow collection's inside at commas outside quotes. */
function splitFlow(inner: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i] as string;
    if (quote) {
      current += char;
      if (char === '\\' && quote === '"') {
        current += inner[++i] ?? '';
        continue;
      }
      if (char === quote) {
        if (quote === "'" && inner[i + 1] === "'") current += inner[++i];
        else quote = null;
      }
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '{' || char === '[' || char === '}' || char === ']') return null;
    else if (char === ',') {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quote) return null;
  if (current.trim() !== '' || parts.length > 0) parts.push(current);
  return parts;
}

/** `{a: b, c: 'd'}` or `[a, 'b']`, one level deep. */
function flow(text: string): unknown {
  const inner = text.slice(1, -1);
  const parts = splitFlow(inner);
  if (parts === null) return NOT_SUPPORTED;
  if (text[0] === '[') {
    const items = parts.map((part) => scalar(part, true));
    return items.some((item) => item === NOT_SUPPORTED) || parts.some((part) => part.trim() === '') ? NOT_SUPPORTED : items;
  }
  const map: Record<string, unknown> = {};
  for (const part of parts) {
    const entry = keyValue(part.trim(), true);
    if (!entry || entry.value === undefined) return NOT_SUPPORTED;
    setOwn(map, entry.key, entry.value);
  }
  return map;
}

function value(raw: string): unknown {
  const text = raw.trim();
  if ((text.startsWith('{') && text.endsWith('}')) || (text.startsWith('[') && text.endsWith(']'))) return flow(text);
  if (text.startsWith('{') || text.startsWith('[')) return NOT_SUPPORTED;
  return scalar(text, false);
}

/** `key: value`, `key:` (value undefined: a block follows) or null when the line is no mapping entry. */
function keyValue(content: string, inFlow: boolean): { key: string; value: unknown } | null {
  let key: string;
  let rest: string;
  const quote = content[0];
  if (quote === "'" || quote === '"') {
    const pattern = quote === "'" ? /^'(?:[^']|'')*'/ : /^"(?:[^"\\]|\\["\\/bfnrtu])*"/;
    const match = pattern.exec(content);
    if (!match) return null;
    const parsed = scalar(match[0], inFlow);
    if (typeof parsed !== 'string') return null;
    key = parsed;
    rest = content.slice(match[0].length);
    if (!rest.startsWith(':')) return null;
    rest = rest.slice(1);
    if (rest !== '' && !/^\s/.test(rest)) return null;
  } else {
    const colon = content.search(/:(\s|$)/);
    if (colon <= 0) return null;
    const parsed = scalar(content.slice(0, colon), inFlow);
    if (parsed === NOT_SUPPORTED || parsed === null || typeof parsed === 'object') return null;
    key = String(parsed);
    rest = content.slice(colon + 1);
  }
  if (rest.trim() === '') return { key, value: undefined };
  const parsed = value(rest);
  return parsed === NOT_SUPPORTED ? null : { key, value: parsed };
}

/** The document as plain data, or undefined when it uses YAML this reader leaves to the full parser. */
export function parseLockYaml(text: string): unknown {
  const root: Record<string, unknown> = {};
  const stack: Frame[] = [{ indent: -1, container: root }];
  // A `key:` with nothing after it: its value is the block on the next, deeper lines (or null).
  let pending: { map: Record<string, unknown>; key: string; indent: number } | null = null;
  let sawContent = false;
  const lines = text.split('\n');
  for (const rawLine of lines) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const content = line.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    const indent = line.length - content.length;
    if (line.slice(0, indent).includes('\t') || content.startsWith('\t')) return undefined;
    if (/^(---|\.\.\.)(\s|$)/.test(content) || content.startsWith('%')) return undefined;
    sawContent = true;
    const isItem = content === '-' || content.startsWith('- ');

    if (pending) {
      // The block under a key is deeper, or a sequence may sit at the key's own indentation.
      if (indent > pending.indent || (isItem && indent === pending.indent)) {
        const container: Container = isItem ? [] : {};
        setOwn(pending.map, pending.key, container);
        stack.push({ indent, container });
        pending = null;
      } else {
        setOwn(pending.map, pending.key, null);
        pending = null;
      }
    }
    while (stack.length > 1 && (stack[stack.length - 1] as Frame).indent > indent) stack.pop();
    let frame = stack[stack.length - 1] as Frame;
    // A sequence at a key's indentation ends where the next key of that mapping starts.
    if (!isItem && Array.isArray(frame.container) && frame.indent === indent && stack.length > 1) {
      stack.pop();
      frame = stack[stack.length - 1] as Frame;
    }
    if (frame.indent !== indent && !(frame.indent === -1 && stack.length === 1)) return undefined;
    if (frame.indent === -1) {
      // The first line fixes the top level's indentation.
      if (indent !== 0) return undefined;
      frame.indent = 0;
    }

    if (isItem) {
      if (!Array.isArray(frame.container)) return undefined;
      const item = content === '-' ? '' : content.slice(2);
      if (item.trim() === '' || keyValue(item.trim(), false)) return undefined; // nested blocks and mappings in sequences
      const parsed = value(item);
      if (parsed === NOT_SUPPORTED) return undefined;
      frame.container.push(parsed);
      continue;
    }
    if (Array.isArray(frame.container)) return undefined;
    const entry = keyValue(content, false);
    if (!entry) return undefined;
    if (entry.value === undefined) pending = { map: frame.container, key: entry.key, indent };
    else setOwn(frame.container, entry.key, entry.value);
  }
  if (pending) setOwn(pending.map, pending.key, null);
  return sawContent ? root : undefined;
}
