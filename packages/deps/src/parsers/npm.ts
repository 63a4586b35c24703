/**
 * package-lock.json and npm-shrinkwrap.json.
 *
 * v2/v3 list every installed folder under `packages`, keyed by its path; dependencies resolve the way
 * Node resolves them, by walking up the folders. The product and its workspace members are the keys
 * outside `node_modules` ("" and e.g. "packages/foo"); `node_modules/foo` entries with `link: true`
 * point at them and are not packages. v1 nests `dependencies` instead and does not say what the
 * product asks for: the companion package.json does (`--with package.json`).
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import { type Dict, dict, entriesOf, isDict, own, parseJson, stringMap, text } from '../syntax.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'package-lock.json';

/** The dependency fields of a package.json-shaped object, with the edge kind each one gives. */
export const DEPENDENCY_FIELDS: [field: string, kind: EdgeKind][] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['peerDependencies', 'peer'],
  ['devDependencies', 'dev'],
];

/** The direct dependencies a package.json declares: name → range and kind (the strongest when listed twice). */
export function manifestDependencies(manifest: unknown, includeDev = true): Map<string, { range: string; kind: EdgeKind }> {
  const result = new Map<string, { range: string; kind: EdgeKind }>();
  for (const [field, kind] of DEPENDENCY_FIELDS) {
    if (kind === 'dev' && !includeDev) continue;
    for (const [name, range] of stringMap(own(manifest, field))) if (!result.has(name)) result.set(name, { range, kind });
  }
  return result;
}

/**
 * A repository from where a lock file says a package was fetched. Registry tarballs say nothing
 * about the source, so only git URLs and forge archive URLs count.
 */
export function repositoryFromResolved(resolved: unknown): string | null {
  const url = text(resolved);
  if (!url) return null;
  if (
    /^(git\+|git:|github:|gitlab:|bitbucket:)/i.test(url) ||
    /^https?:\/\/(codeload\.github\.com|github\.com|gitlab\.com|bitbucket\.org)\//i.test(url)
  ) {
    return normalizeRepositoryUrl(url);
  }
  return null;
}

/** npm's `funding`: a URL, an object with `url`, or a list of either. */
export function fundingUrls(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((item) => {
    const url = typeof item === 'string' ? item : text(own(item, 'url'));
    return url && /^https?:\/\//.test(url) ? [url] : [];
  });
}

/** `npm:real-name@1.2.3` (an alias) → the real name and version. */
function unalias(name: string, version: string): { name: string; version: string } {
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version);
  return alias ? { name: alias[1] as string, version: alias[2] as string } : { name, version };
}

export function parsePackageLock(input: ParseInput): ParseOutcome {
  const data = parseJson(FORMAT, input.text);
  if (!isDict(data)) throw new ParseError(FORMAT, 'expected a JSON object at the top level');
  const lockfileVersion = typeof data.lockfileVersion === 'number' ? data.lockfileVersion : null;
  const productName = text(own(data, 'name'));
  const packages = own(data, 'packages');
  if (isDict(packages) && (lockfileVersion === null || lockfileVersion >= 2)) {
    readPackages(packages, data, input);
  } else if (isDict(own(data, 'dependencies')) || lockfileVersion === 1) {
    readV1(data, input);
  } else {
    throw new ParseError(FORMAT, 'neither "packages" nor "dependencies" is an object');
  }
  return { formatVersion: lockfileVersion === null ? null : String(lockfileVersion), productName };
}

function nameAt(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  return at === -1 ? (path.split('/').pop() ?? path) : path.slice(at + 'node_modules/'.length);
}

function readPackages(packages: Dict, data: Dict, input: ParseInput) {
  const { builder, notes } = input;
  // Folder path → graph node id (a root id or a package purl).
  const nodeAt = new Map<string, string>();
  const links = new Map<string, string>();
  const isRootPath = (path: string) => path === '' || !/(^|\/)node_modules\//.test(path);

  for (const [path, raw] of Object.entries(packages)) {
    if (!isDict(raw)) continue;
    if (isRootPath(path)) {
      const name = text(raw.name) ?? (path === '' ? text(data.name) : null) ?? nameAt(path);
      const version = text(raw.version) ?? (path === '' ? text(data.version) : null);
      const id = name && version ? purlFor('npm', name, version) : `root:${path || '.'}`;
      builder.addRoot(id, name || path || '.');
      nodeAt.set(path, id);
    } else if (raw.link === true) {
      const target = text(raw.resolved);
      if (target !== null) links.set(path, target);
    }
  }
  let skipped = 0;
  for (const [path, raw] of Object.entries(packages)) {
    if (!isDict(raw) || isRootPath(path) || raw.link === true) continue;
    const rawVersion = text(raw.version);
    if (!rawVersion) {
      skipped++;
      continue;
    }
    const { name, version } = unalias(text(raw.name) ?? nameAt(path), rawVersion);
    const purl = purlFor('npm', name, version);
    builder.addPackage(purl, {
      repository: repositoryFromResolved(raw.resolved),
      funding: fundingUrls(raw.funding),
      // v2/v3 always write these flags when true, so their absence means false.
      isDev: raw.dev === true,
      isOptional: raw.optional === true || raw.devOptional === true,
    });
    nodeAt.set(path, purl);
  }
  for (const [path, target] of links) {
    const id = nodeAt.get(target);
    if (id) nodeAt.set(path, id);
  }
  if (skipped) notes.push(`${skipped} package-lock entries without a version were skipped`);

  // Node's lookup: the package's own node_modules, then each enclosing folder's, up to the root.
  const resolve = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const id = nodeAt.get(base ? `${base}/node_modules/${name}` : `node_modules/${name}`);
      if (id || base === '') return id;
      const nested = base.lastIndexOf('/node_modules/');
      if (nested !== -1) base = base.slice(0, nested);
      else if (base.startsWith('node_modules/')) base = '';
      else base = base.slice(0, Math.max(0, base.lastIndexOf('/'))); // a workspace folder, e.g. packages/foo
    }
  };
  let unresolved = 0;
  for (const [path, raw] of Object.entries(packages)) {
    const from = nodeAt.get(path);
    if (!isDict(raw) || !from || raw.link === true) continue;
    const isRoot = isRootPath(path);
    for (const [field, kind] of DEPENDENCY_FIELDS) {
      // A dependency's own devDependencies are never installed.
      if (kind === 'dev' && !isRoot) continue;
      for (const [name] of entriesOf(raw[field])) {
        const to = resolve(path, name);
        if (to) builder.addEdge(from, to, kind);
        else if (kind === 'prod' || kind === 'dev') unresolved++;
      }
    }
  }
  if (unresolved) notes.push(`${unresolved} dependencies named in package-lock.json are not installed in it`);
}

type V1Frame = { entries: Dict; scopes: Dict[] };

function readV1(data: Dict, input: ParseInput) {
  const { builder, notes } = input;
  const name = text(data.name);
  const version = text(data.version);
  const rootId = name && version ? purlFor('npm', name, version) : 'root:.';
  builder.addRoot(rootId, name ?? '.');
  const top = dict(data.dependencies);
  const idOf = new Map<Dict, string>();
  let local = 0;

  // Iterative walk: `scopes` are the dependency maps visible from an entry, nearest first.
  const frames: V1Frame[] = [{ entries: top, scopes: [top] }];
  const visits: { entry: Dict; scopes: Dict[] }[] = [];
  while (frames.length) {
    const frame = frames.pop() as V1Frame;
    for (const [depName, raw] of Object.entries(frame.entries)) {
      if (!isDict(raw)) continue;
      const rawVersion = text(raw.version);
      if (!rawVersion || /^(file|link):/.test(rawVersion)) {
        local++;
        continue;
      }
      const git = /^(git\+|git:|github:|gitlab:|bitbucket:|https?:)/.test(rawVersion);
      const real = git ? { name: depName, version: rawVersion.split('#')[1] ?? rawVersion } : unalias(depName, rawVersion);
      const purl = purlFor('npm', real.name, real.version);
      builder.addPackage(purl, {
        repository: repositoryFromResolved(git ? rawVersion : raw.resolved),
        isDev: raw.dev === true,
        isOptional: raw.optional === true,
      });
      idOf.set(raw, purl);
      const nested = own(raw, 'dependencies');
      const scopes = isDict(nested) ? [nested, ...frame.scopes] : frame.scopes;
      visits.push({ entry: raw, scopes });
      if (isDict(nested)) frames.push({ entries: nested, scopes });
    }
  }
  let unresolved = 0;
  for (const { entry, scopes } of visits) {
    const from = idOf.get(entry) as string;
    for (const [depName] of entriesOf(entry.requires)) {
      const target = scopes.map((scope) => own(scope, depName)).find(isDict);
      const to = target && idOf.get(target);
      if (to) builder.addEdge(from, to, 'prod');
      else unresolved++;
    }
  }
  if (local) notes.push(`${local} local (file:/link:) dependencies are the product's own code and are not counted`);
  if (unresolved) notes.push(`${unresolved} requirements named in package-lock.json are not installed in it`);

  const manifest = input.companion?.kind === 'package.json' ? parseJson('package.json', input.companion.text) : null;
  if (!manifest) {
    builder.isDirectKnown = false;
    notes.push('a v1 package-lock does not say which packages the product asks for; add --with package.json');
    return;
  }
  for (const [depName, { kind }] of manifestDependencies(manifest)) {
    const target = own(top, depName);
    const to = isDict(target) ? idOf.get(target) : undefined;
    if (to) builder.addEdge(rootId, to, kind);
  }
}
