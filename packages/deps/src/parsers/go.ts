/**
 * go.mod and go.sum.
 *
 * Since Go 1.17 a go.mod lists every module the build needs: the direct ones plain, the others marked
 * `// indirect`. It gives no edges between them, so indirect modules hang off the product as
 * transitive with their parent unknown (depth 2). `replace` directives swap in the module that is
 * really built; a replacement by a local directory is the product's own code.
 *
 * go.sum lists checksums, including modules consulted only for version selection (`/go.mod` lines) and
 * modules needed only by the tests of dependencies. Read alone, its packages are the modules with a
 * content checksum and nothing is known to be direct; `--with go.mod` adds what is direct.
 */
import { ParseError } from '../errors.ts';
import { purlFor } from '../purl.ts';
import { goModuleRepository } from '../repository.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

type Requirement = { path: string; version: string; isIndirect: boolean };
type GoMod = {
  module: string | null;
  goVersion: string | null;
  requires: Requirement[];
  replaces: Map<string, { path: string; version: string | null }>;
  unknownDirectives: number;
};

// A go.mod token: a bare word or a Go string ("…" or `…`).
function unquoteGo(token: string): string {
  if (token.startsWith('`') && token.endsWith('`')) return token.slice(1, -1);
  if (token.startsWith('"') && token.endsWith('"') && token.length >= 2) {
    try {
      return JSON.parse(token) as string;
    } catch {
      return token.slice(1, -1);
    }
  }
  return token;
}

export function readGoMod(text: string, format: 'go.mod' = 'go.mod'): GoMod {
  const result: GoMod = { module: null, goVersion: null, requires: [], replaces: new Map(), unknownDirectives: 0 };
  let block: string | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    const comment = raw.indexOf('//');
    const isIndirect = comment !== -1 && /^\/\/\s*indirect\b/.test(raw.slice(comment).trim());
    const line = (comment === -1 ? raw : raw.slice(0, comment)).trim();
    if (!line) continue;
    const position = { line: i + 1, column: raw.indexOf(line) + 1 };
    if (block) {
      if (line === ')') {
        block = null;
        continue;
      }
      directive(block, line.split(/\s+/), isIndirect, position);
      continue;
    }
    const [verb, ...rest] = line.split(/\s+/);
    if (rest[0] === '(' && rest.length === 1) {
      block = verb as string;
      continue;
    }
    directive(verb as string, rest, isIndirect, position);
  }
  if (block) throw new ParseError(format, `the ${block} ( … ) block is never closed`, { line: lines.length, column: 1 });
  if (!result.module) throw new ParseError(format, 'no module directive', { line: 1, column: 1 });
  return result;

  function directive(verb: string, args: string[], isIndirect: boolean, position: { line: number; column: number }) {
    switch (verb) {
      case 'module':
        result.module = args[0] ? unquoteGo(args[0]) : null;
        break;
      case 'go':
        result.goVersion = args[0] ?? null;
        break;
      case 'require': {
        if (args.length < 2) throw new ParseError(format, 'require needs a module path and a version', position);
        result.requires.push({ path: unquoteGo(args[0] as string), version: args[1] as string, isIndirect });
        break;
      }
      case 'replace': {
        const arrow = args.indexOf('=>');
        if (arrow < 1 || arrow === args.length - 1) throw new ParseError(format, 'replace needs "old => new"', position);
        const target = unquoteGo(args[arrow + 1] as string);
        result.replaces.set(unquoteGo(args[0] as string), { path: target, version: args[arrow + 2] ?? null });
        break;
      }
      case 'exclude':
      case 'retract':
      case 'toolchain':
      case 'tool':
      case 'godebug':
      case 'ignore':
        break;
      default:
        // Go adds directives now and then; one we do not know says nothing about dependencies.
        result.unknownDirectives++;
    }
  }
}

const isLocalPath = (path: string) => /^(\.{1,2}[/\\]|\/|[A-Za-z]:\\)/.test(path) || path === '.' || path === '..';

export function parseGoMod(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const mod = readGoMod(input.text);
  const rootId = `root:${mod.module}`;
  builder.addRoot(rootId, mod.module as string);
  let local = 0;
  for (const requirement of mod.requires) {
    const replacement = mod.replaces.get(requirement.path);
    if (replacement && isLocalPath(replacement.path)) {
      local++;
      continue;
    }
    const path = replacement?.path ?? requirement.path;
    const version = replacement?.version ?? requirement.version;
    const purl = purlFor('golang', path, version);
    builder.addPackage(purl, { repository: goModuleRepository(path), isTransitive: requirement.isIndirect });
    if (!requirement.isIndirect) builder.addEdge(rootId, purl);
  }
  if (mod.unknownDirectives) notes.push(`${mod.unknownDirectives} go.mod lines with directives we do not know were ignored`);
  if (local) notes.push(`${local} modules replaced by local directories are the product's own code and are not counted`);
  const goVersion = mod.goVersion ? Number.parseFloat(mod.goVersion.replace(/^1\./, '')) : null;
  if (goVersion !== null && goVersion < 17) {
    notes.push('go.mod is older than Go 1.17, so it may not list every module the build needs');
  }
  if (input.companion?.kind === 'go.sum') {
    const sums = readGoSum(input.companion.text);
    const missing = mod.requires.filter((r) => !sums.has(`${r.path}@${r.version}`)).length;
    if (missing) notes.push(`${missing} required modules have no checksum in go.sum`);
  }
  return { formatVersion: mod.goVersion, productName: mod.module };
}

/** Module@version pairs with a content checksum (`/go.mod`-only lines are for version selection). */
function readGoSum(text: string, strict = false): Set<string> {
  const modules = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    const fields = line.split(/\s+/);
    if (fields.length !== 3 || !/^v/.test(fields[1] as string) || !/^h\d+:/.test(fields[2] as string)) {
      if (strict) throw new ParseError('go.sum', 'expected "module version hash"', { line: i + 1, column: 1 });
      continue;
    }
    if (!(fields[1] as string).endsWith('/go.mod')) modules.add(`${fields[0]}@${fields[1]}`);
  }
  return modules;
}

export function parseGoSum(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const modules = readGoSum(input.text, true);
  const mod = input.companion?.kind === 'go.mod' ? readGoMod(input.companion.text) : null;
  const rootId = mod ? `root:${mod.module}` : 'root:product';
  builder.addRoot(rootId, mod?.module ?? 'product');
  // Direct as go.mod says, through its replace directives: go.sum holds the replacement's checksum.
  const direct = new Set(
    mod?.requires
      .filter((r) => !r.isIndirect)
      .map((r) => {
        const replacement = mod.replaces.get(r.path);
        return replacement?.version ? `${replacement.path}@${replacement.version}` : `${r.path}@${r.version}`;
      }),
  );
  for (const key of modules) {
    const at = key.lastIndexOf('@');
    const path = key.slice(0, at);
    const purl = purlFor('golang', path, key.slice(at + 1));
    builder.addPackage(purl, { repository: goModuleRepository(path), isTransitive: mod ? !direct.has(key) : false });
    if (direct.has(key)) builder.addEdge(rootId, purl);
  }
  if (!mod) {
    builder.isDirectKnown = false;
    notes.push('go.sum does not say which modules the product requires directly; add --with go.mod');
  }
  notes.push('go.sum also lists modules needed only by the tests of dependencies; go.mod is the exact build list');
  return { formatVersion: null, productName: mod?.module ?? null };
}
