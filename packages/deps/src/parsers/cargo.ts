/**
 * Cargo.lock (versions 1 to 4).
 *
 * Packages without a `source` are the workspace's own crates (members and path dependencies): they
 * are the roots, and their `dependencies` lists say what is direct. The lock merges normal, dev and
 * build dependencies and every optional one; the companion Cargo.toml (`--with Cargo.toml`) tells
 * which are dev-only and which optional. Cargo.lock names registries, never source repositories, so
 * registry crates have no repository unless they come from git.
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import { type Dict, dict, entriesOf, isDict, list, own, parseToml, scalarText, text } from '../syntax.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'Cargo.lock';

type Crate = { name: string; version: string; source: string | null; dependencies: string[]; id: string };

/** The kind of each direct dependency of the manifest's [package], by the crate name used in the lock. */
function manifestKinds(manifest: Dict): Map<string, EdgeKind> {
  const kinds = new Map<string, EdgeKind>();
  const tables = [manifest, ...entriesOf(manifest.target).map(([, table]) => dict(table))];
  const note = (deps: unknown, kind: EdgeKind) => {
    for (const [key, spec] of entriesOf(deps)) {
      const name = text(own(spec, 'package')) ?? key;
      const resolved: EdgeKind = kind === 'prod' && own(spec, 'optional') === true ? 'optional' : kind;
      const known = kinds.get(name);
      // Listed as normal (or build) and as dev: it ships, so it is not dev-only.
      if (!known || known === 'dev' || (known === 'optional' && resolved === 'prod')) kinds.set(name, resolved);
    }
  };
  for (const table of tables) {
    note(own(table, 'dependencies'), 'prod');
    note(own(table, 'build-dependencies'), 'prod');
    note(own(table, 'dev-dependencies'), 'dev');
  }
  return kinds;
}

export function parseCargoLock(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseToml(FORMAT, input.text);
  if (!Array.isArray(data.package)) throw new ParseError(FORMAT, 'no [[package]] entries');
  const crates: Crate[] = [];
  for (const raw of list(data.package)) {
    const name = text(own(raw, 'name'));
    const version = text(own(raw, 'version'));
    if (!name || !version) continue;
    const source = text(own(raw, 'source'));
    const dependencies = list(own(raw, 'dependencies')).filter((d): d is string => typeof d === 'string');
    crates.push({ name, version, source, dependencies, id: purlFor('cargo', name, version) });
  }
  const byName = new Map<string, Crate[]>();
  for (const crate of crates) byName.set(crate.name, [...(byName.get(crate.name) ?? []), crate]);

  const manifest = input.companion?.kind === 'Cargo.toml' ? parseToml('Cargo.toml', input.companion.text) : null;
  const manifestPackage = text(own(own(manifest, 'package'), 'name'));
  const kinds = manifest ? manifestKinds(manifest) : new Map<string, EdgeKind>();
  if (manifest && !manifestPackage)
    notes.push('Cargo.toml is a virtual workspace manifest; dev and optional dependencies are told from the lock alone');

  for (const crate of crates) {
    if (crate.source === null) builder.addRoot(crate.id, crate.name);
    else builder.addPackage(crate.id, { repository: /^git\+/.test(crate.source) ? normalizeRepositoryUrl(crate.source) : null });
  }
  let unresolved = 0;
  for (const crate of crates) {
    const isManifestRoot = crate.source === null && crate.name === manifestPackage;
    for (const dependency of crate.dependencies) {
      // "name", "name version" or "name version (source)": the extra parts appear only when needed.
      const [name = '', version, source] = dependency.split(' ');
      const candidates = byName.get(name) ?? [];
      const target =
        candidates.find((c) => (!version || c.version === version) && (!source || `(${c.source})` === source)) ??
        (version ? undefined : candidates[0]);
      if (!target) {
        unresolved++;
        continue;
      }
      builder.addEdge(crate.id, target.id, isManifestRoot ? (kinds.get(name) ?? 'prod') : 'prod');
    }
  }
  if (unresolved) notes.push(`${unresolved} dependencies named in Cargo.lock have no package in it`);
  const version = data.version === undefined ? (isDict(data.metadata) ? '1' : null) : scalarText(data.version);
  return { formatVersion: version, productName: manifestPackage ?? crates.find((c) => c.source === null)?.name ?? null };
}
