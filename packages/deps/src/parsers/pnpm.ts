/**
 * pnpm-lock.yaml, lockfile versions 5.x, 6 and 9.
 *
 * Importers are the product and its workspace members (the roots); `link:` references between them
 * are the product's own code. v9 splits each package into `packages` (what it is) and `snapshots`
 * (one per set of peer dependencies, with the edges); v6 and v5 keep both in `packages` under keys
 * like `/name@1.0.0(peer@2.0.0)` (v6) or `/name/1.0.0_peer@2.0.0` (v5). Peer variants are one package.
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import { type Dict, dict, entriesOf, isDict, own, parseYaml, scalarText, text } from '../syntax.ts';
import { repositoryFromResolved } from './npm.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'pnpm-lock.yaml';

const IMPORTER_FIELDS: [field: string, kind: EdgeKind][] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['devDependencies', 'dev'],
];

export function parsePnpmLock(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseYaml(FORMAT, input.text);
  if (!isDict(data) || data.lockfileVersion === undefined) throw new ParseError(FORMAT, 'not a pnpm lock file: no lockfileVersion');
  const version = scalarText(data.lockfileVersion);
  if (version === null) throw new ParseError(FORMAT, 'lockfileVersion is not a version number');
  const major = Number.parseFloat(version);
  const isV9 = major >= 9;
  const isV5 = major < 6;
  const packages = dict(data.packages);
  const snapshots = isV9 ? dict(data.snapshots) : packages;

  /** The key (in `snapshots` for v9, `packages` before) that a dependency reference points at. */
  const keyOf = (name: string, ref: string): string | null => {
    if (ref.startsWith('link:') || ref.startsWith('file:') || ref.startsWith('workspace:')) return null;
    if (isV9) return /^(@[^/@]+\/)?[^@/()]+@/.test(ref) ? ref : `${name}@${ref}`;
    if (ref.startsWith('/') || Object.hasOwn(packages, ref)) return ref;
    return isV5 ? `/${name}/${ref}` : `/${name}@${ref}`;
  };

  /** Name and version of a key, preferring the entry's own fields (tarball and git dependencies carry them). */
  const describe = (key: string): { name: string; version: string } | null => {
    const entry = dict(own(packages, isV9 ? key.replace(/\(.*$/, '') : key));
    let name = text(entry.name);
    let version = text(entry.version);
    if (!name || !version) {
      const bare = key.replace(/^\//, '').replace(/\(.*$/, '');
      if (isV5) {
        const slash = bare.lastIndexOf('/');
        if (slash > 0) {
          name ??= bare.slice(0, slash);
          version ??= (bare.slice(slash + 1).split('_')[0] as string) || null;
        }
      } else {
        const at = bare.lastIndexOf('@');
        if (at > 0) {
          name ??= bare.slice(0, at);
          version ??= bare.slice(at + 1) || null;
        }
      }
    }
    return name && version ? { name, version } : null;
  };

  const repositoryOf = (entry: Dict) => {
    const resolution = dict(entry.resolution);
    return repositoryFromResolved(resolution.tarball) ?? (resolution.repo ? normalizeRepositoryUrl(resolution.repo) : null);
  };

  const purlOf = new Map<string, string>();
  let unreadable = 0;
  const addKey = (key: string, entry: Dict, snapshot: Dict) => {
    const described = describe(key);
    if (!described) {
      unreadable++;
      return;
    }
    const purl = purlFor('npm', described.name, described.version);
    purlOf.set(key, purl);
    builder.addPackage(purl, {
      repository: repositoryOf(entry),
      // v5/v6 write `dev: true|false` on every package; v9 dropped it (derived from the importers then).
      isDev: typeof entry.dev === 'boolean' ? entry.dev : undefined,
      isOptional: snapshot.optional === true || entry.optional === true ? true : isV9 ? false : undefined,
    });
  };
  if (isV9) {
    for (const [key, snapshot] of entriesOf(snapshots)) addKey(key, dict(own(packages, key.replace(/\(.*$/, ''))), dict(snapshot));
    for (const [key, entry] of entriesOf(packages)) if (!purlOf.has(key)) addKey(key, dict(entry), {});
  } else {
    for (const [key, entry] of entriesOf(packages)) addKey(key, dict(entry), dict(entry));
  }
  if (unreadable) notes.push(`${unreadable} pnpm entries without a readable name and version were skipped`);

  const target = (name: string, ref: unknown): string | undefined => {
    const raw = typeof ref === 'string' ? ref : text(own(ref, 'version'));
    const key = raw ? keyOf(name, raw) : null;
    return key ? purlOf.get(key) : undefined;
  };
  let unresolved = 0;
  for (const [key, snapshot] of entriesOf(snapshots)) {
    const from = purlOf.get(key);
    if (!from) continue;
    for (const [field, kind] of [
      ['dependencies', 'prod'],
      ['optionalDependencies', 'optional'],
    ] as const) {
      for (const [name, ref] of entriesOf(own(snapshot, field))) {
        const to = target(name, ref);
        if (to) builder.addEdge(from, to, kind);
        else if (typeof ref === 'string' && !/^(link|file|workspace):/.test(ref)) unresolved++;
      }
    }
  }

  // Lock files of a single project before v6 keep the importer's fields at the top level.
  const importers = isDict(data.importers) ? data.importers : { '.': data };
  for (const [path, importer] of entriesOf(importers)) {
    const rootId = `root:${path}`;
    builder.addRoot(rootId, path);
    for (const [field, kind] of IMPORTER_FIELDS) {
      for (const [name, ref] of entriesOf(own(importer, field))) {
        const to = target(name, ref);
        if (to) builder.addEdge(rootId, to, kind);
        else if (!/^(link|file|workspace):/.test((typeof ref === 'string' ? ref : text(own(ref, 'version'))) ?? '')) unresolved++;
      }
    }
  }
  if (unresolved) notes.push(`${unresolved} dependency references in pnpm-lock.yaml point at no package in it`);
  return { formatVersion: version, productName: null };
}
