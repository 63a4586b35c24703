/**
 * yarn.lock, classic (v1) and berry (v2+).
 *
 * v1 has its own syntax (close to YAML, not YAML): blocks keyed by the descriptors that resolved to
 * one version (`"a@^1.0.0", "a@^1.2.0":`), fields as `key value`. It does not record the product, so
 * what is direct comes from the companion package.json (`--with package.json`). Berry is YAML; its
 * workspaces are entries with a `@workspace:` resolution, so it says what is direct by itself.
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { purlFor } from '../purl.ts';
import { type Dict, dict, entriesOf, isDict, own, parseJson, parseYaml, scalarText, text } from '../syntax.ts';
import { manifestDependencies, repositoryFromResolved } from './npm.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'yarn.lock';

/** `name@range` → name and range; a scoped name keeps its leading `@`. */
function splitDescriptor(descriptor: string): { name: string; range: string } {
  const at = descriptor.indexOf('@', 1);
  return at === -1 ? { name: descriptor, range: '' } : { name: descriptor.slice(0, at), range: descriptor.slice(at + 1) };
}

/** `alias@npm:real@^1` installs `real`. */
function realName(descriptor: string): string {
  const { name, range } = splitDescriptor(descriptor);
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@/.exec(range);
  return alias ? (alias[1] as string) : name;
}

function splitKeys(header: string): string[] {
  const keys: string[] = [];
  for (const part of header.match(/"(?:[^"\\]|\\.)*"|[^,]+/g) ?? []) {
    const key = part.trim();
    if (!key) continue;
    if (key.startsWith('"')) {
      try {
        keys.push(JSON.parse(key) as string);
      } catch {
        keys.push(key.slice(1, -1));
      }
    } else keys.push(key);
  }
  return keys;
}

/** Sets an own property even for keys like `__proto__`, which plain assignment would treat specially. */
function setOwn(target: Dict, key: string, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/** The classic lockfile syntax: indentation by two spaces, `key value` pairs, `key:` opening a block. */
export function parseYarnV1Text(source: string): Dict {
  const root: Dict = {};
  const stack: { indent: number; node: Dict }[] = [{ indent: -2, node: root }];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const position = { line: i + 1, column: indent + 1 };
    if (line[indent] === '\t') throw new ParseError(FORMAT, 'tabs are not allowed for indentation', position);
    while (stack.length > 1 && indent <= (stack[stack.length - 1] as { indent: number }).indent) stack.pop();
    const parent = stack[stack.length - 1] as { indent: number; node: Dict };
    if (indent !== parent.indent + 2) {
      throw new ParseError(FORMAT, `unexpected indentation of ${indent} spaces`, position);
    }
    if (trimmed.endsWith(':')) {
      const block: Dict = {};
      const header = trimmed.slice(0, -1);
      // At the top, one block is shared by every descriptor that resolved to it.
      const keys = indent === 0 ? splitKeys(header) : [unquote(header, position)];
      for (const key of keys) setOwn(parent.node, key, block);
      stack.push({ indent, node: block });
      continue;
    }
    const match = /^("(?:[^"\\]|\\.)*"|[^\s"]+)\s+(.*)$/.exec(trimmed);
    if (!match) throw new ParseError(FORMAT, `expected "key value" or "key:", found ${JSON.stringify(trimmed.slice(0, 40))}`, position);
    const key = unquote(match[1] as string, position);
    const raw = (match[2] as string).trim();
    const value = raw.startsWith('"')
      ? unquote(raw, { line: i + 1, column: line.indexOf(raw) + 1 })
      : raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw;
    setOwn(parent.node, key, value);
  }
  return root;
}

function unquote(token: string, position: { line: number; column: number }): string {
  if (!token.startsWith('"')) return token;
  if (!/^"(?:[^"\\]|\\.)*"$/.test(token)) throw new ParseError(FORMAT, 'unterminated string', position);
  try {
    return JSON.parse(token) as string;
  } catch {
    throw new ParseError(FORMAT, 'invalid escape in string', position);
  }
}

export function parseYarnLock(input: ParseInput): ParseOutcome {
  const isBerry = /^__metadata:\s*$/m.test(input.text.slice(0, 64 * 1024)) && !/^# yarn lockfile v1\b/m.test(input.text.slice(0, 4096));
  return isBerry ? readBerry(input) : readClassic(input);
}

function readClassic(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const blocks = parseYarnV1Text(input.text);
  const byDescriptor = new Map<string, string>();
  const entries: [purl: string, entry: Dict][] = [];
  let unversioned = 0;
  for (const [descriptor, raw] of Object.entries(blocks)) {
    if (!isDict(raw)) continue;
    const version = text(raw.version);
    if (!version) {
      unversioned++;
      continue;
    }
    const purl = purlFor('npm', realName(descriptor), version);
    if (!builder.hasPackage(purl)) entries.push([purl, raw]);
    builder.addPackage(purl, { repository: repositoryFromResolved(raw.resolved) });
    byDescriptor.set(descriptor, purl);
  }
  if (unversioned) notes.push(`${unversioned} yarn.lock entries without a version were skipped`);
  let unresolved = 0;
  for (const [from, entry] of entries) {
    for (const [field, kind] of [
      ['dependencies', 'prod'],
      ['optionalDependencies', 'optional'],
    ] as const) {
      for (const [name, range] of entriesOf(entry[field])) {
        const spec = scalarText(range);
        const to = spec === null ? undefined : byDescriptor.get(`${name}@${spec}`);
        if (to) builder.addEdge(from, to, kind);
        else if (kind === 'prod') unresolved++;
      }
    }
  }
  if (unresolved) notes.push(`${unresolved} dependencies named in yarn.lock have no entry in it`);

  const manifest = input.companion?.kind === 'package.json' ? parseJson('package.json', input.companion.text) : null;
  if (!isDict(manifest)) {
    builder.isDirectKnown = false;
    notes.push('yarn.lock v1 does not say which packages the product asks for; add --with package.json');
    return { formatVersion: '1', productName: null };
  }
  const name = text(manifest.name);
  const version = text(manifest.version);
  const rootId = name && version ? purlFor('npm', name, version) : 'root:.';
  builder.addRoot(rootId, name ?? '.');
  let missing = 0;
  for (const [depName, { range, kind }] of manifestDependencies(manifest)) {
    const to = byDescriptor.get(`${depName}@${range}`);
    if (to) builder.addEdge(rootId, to, kind);
    else if (!/^(link|file|portal|workspace):/.test(range)) missing++;
  }
  if (missing) notes.push(`${missing} dependencies of package.json have no entry in yarn.lock (is it the matching package.json?)`);
  if (own(manifest, 'workspaces') !== undefined) {
    notes.push(
      'package.json declares workspaces; their own package.json files are not read, so their direct dependencies count as transitive',
    );
  }
  return { formatVersion: '1', productName: name };
}

function readBerry(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseYaml(FORMAT, input.text);
  if (!isDict(data)) throw new ParseError(FORMAT, 'expected a mapping at the top level');
  const metadataVersion = own(own(data, '__metadata'), 'version');
  const byDescriptor = new Map<string, string>();
  const entries: [id: string, entry: Dict][] = [];
  const workspaceIds = new Set<string>();
  for (const [header, raw] of Object.entries(data)) {
    if (header === '__metadata' || !isDict(raw)) continue;
    const resolution = text(raw.resolution) ?? splitKeys(header)[0] ?? header;
    const { name, range: locator } = splitDescriptor(resolution);
    let id: string;
    if (/^(workspace|link|portal):/.test(locator)) {
      id = `root:${resolution}`;
      builder.addRoot(id, name);
      if (locator.startsWith('workspace:')) workspaceIds.add(id);
    } else {
      const version = scalarText(raw.version);
      if (!version) continue;
      id = purlFor('npm', name, version);
      const source = locator.replace(/^npm:.*$/, '');
      builder.addPackage(id, { repository: repositoryFromResolved(source.replace(/#.*$/, '')) });
    }
    entries.push([id, raw]);
    for (const descriptor of splitKeys(header)) byDescriptor.set(descriptor, id);
  }
  // The companion package.json tells dev dependencies from the others; the lock merges them.
  const manifest = input.companion?.kind === 'package.json' ? parseJson('package.json', input.companion.text) : null;
  const devNames = new Set(Object.keys(dict(own(manifest, 'devDependencies'))));
  let unresolved = 0;
  for (const [from, entry] of entries) {
    const meta = dict(entry.dependenciesMeta);
    for (const [name, range] of entriesOf(entry.dependencies)) {
      const spec = scalarText(range);
      const to = spec === null ? undefined : byDescriptor.get(`${name}@${spec}`);
      if (!to) {
        unresolved++;
        continue;
      }
      const optional = own(own(meta, name), 'optional') === true;
      const kind: EdgeKind = optional
        ? 'optional'
        : workspaceIds.has(from) && from.endsWith('@workspace:.') && devNames.has(name)
          ? 'dev'
          : 'prod';
      builder.addEdge(from, to, kind);
    }
  }
  if (unresolved) notes.push(`${unresolved} dependencies named in yarn.lock have no entry in it`);
  if (workspaceIds.size === 0) {
    builder.isDirectKnown = false;
    notes.push('yarn.lock has no workspace entry, so it cannot say what the product depends on directly');
  }
  return { formatVersion: `berry ${scalarText(metadataVersion) ?? '?'}`, productName: null };
}
