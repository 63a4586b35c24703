/**
 * poetry.lock. Every locked package with its dependencies by name; dev packages marked by
 * `category = "dev"` (Poetry < 1.5) or by `groups` without "main" (later). The lock does not name the
 * product or its direct dependencies: the companion pyproject.toml does (`--with pyproject.toml`),
 * in Poetry's own tables or in PEP 621 `[project]` and PEP 735 `[dependency-groups]`.
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { normalizePythonName, purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import { type Dict, dict, entriesOf, list, own, parseToml, text } from '../syntax.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'poetry.lock';

/** The distribution name at the start of a PEP 508 requirement string. */
export function requirementName(requirement: string): string | null {
  const name = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement)?.[1];
  return name ? normalizePythonName(name) : null;
}

/** The product's direct dependencies from a pyproject.toml, by normalized name. */
export function pyprojectDependencies(pyproject: Dict): { name: string | null; direct: Map<string, EdgeKind> } {
  const direct = new Map<string, EdgeKind>();
  const add = (name: string | null, kind: EdgeKind) => {
    if (!name || name === 'python') return;
    const known = direct.get(name);
    if (!known || known === 'dev' || (known === 'optional' && kind === 'prod')) direct.set(name, kind);
  };
  const poetry = dict(own(own(pyproject, 'tool'), 'poetry'));
  for (const [name, spec] of entriesOf(poetry.dependencies))
    add(normalizePythonName(name), own(spec, 'optional') === true ? 'optional' : 'prod');
  for (const [name] of entriesOf(poetry['dev-dependencies'])) add(normalizePythonName(name), 'dev');
  for (const [, group] of entriesOf(poetry.group))
    for (const [name] of entriesOf(own(group, 'dependencies'))) add(normalizePythonName(name), 'dev');
  const project = dict(own(pyproject, 'project'));
  for (const requirement of list(project.dependencies)) if (typeof requirement === 'string') add(requirementName(requirement), 'prod');
  for (const [, extra] of entriesOf(project['optional-dependencies'])) {
    for (const requirement of list(extra)) if (typeof requirement === 'string') add(requirementName(requirement), 'optional');
  }
  for (const [, group] of entriesOf(own(pyproject, 'dependency-groups'))) {
    for (const requirement of list(group)) if (typeof requirement === 'string') add(requirementName(requirement), 'dev');
  }
  return { name: text(project.name) ?? text(poetry.name), direct };
}

export function parsePoetryLock(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseToml(FORMAT, input.text);
  if (!Array.isArray(data.package)) throw new ParseError(FORMAT, 'no [[package]] entries');
  const byName = new Map<string, string[]>();
  const entries: [purl: string, raw: Dict][] = [];
  for (const raw of list(data.package)) {
    const name = text(own(raw, 'name'));
    const version = text(own(raw, 'version'));
    if (!name || !version) continue;
    const entry = raw as Dict;
    const purl = purlFor('pypi', name, version);
    const groups = list(entry.groups);
    const source = dict(entry.source);
    builder.addPackage(purl, {
      repository: source.type === 'git' ? normalizeRepositoryUrl(source.url) : null,
      isDev:
        entry.category === 'dev' || (groups.length > 0 && !groups.includes('main'))
          ? true
          : entry.category || groups.length
            ? false
            : undefined,
      isOptional: entry.optional === true,
    });
    const key = normalizePythonName(name);
    byName.set(key, [...(byName.get(key) ?? []), purl]);
    entries.push([purl, entry]);
  }
  for (const [from, entry] of entries) {
    for (const [name, spec] of entriesOf(entry.dependencies)) {
      const kind: EdgeKind = own(spec, 'optional') === true ? 'optional' : 'prod';
      for (const to of byName.get(normalizePythonName(name)) ?? []) builder.addEdge(from, to, kind);
    }
  }
  const pyproject = input.companion?.kind === 'pyproject.toml' ? parseToml('pyproject.toml', input.companion.text) : null;
  if (!pyproject) {
    builder.isDirectKnown = false;
    notes.push('poetry.lock does not say which packages the product asks for; add --with pyproject.toml');
    return { formatVersion: text(own(own(data, 'metadata'), 'lock-version')), productName: null };
  }
  const { name, direct } = pyprojectDependencies(pyproject);
  const rootId = `root:${name ?? 'product'}`;
  builder.addRoot(rootId, name ?? 'product');
  let missing = 0;
  for (const [depName, kind] of direct) {
    const targets = byName.get(depName) ?? [];
    if (targets.length === 0) missing++;
    for (const to of targets) builder.addEdge(rootId, to, kind);
  }
  if (missing) notes.push(`${missing} dependencies of pyproject.toml are not in poetry.lock`);
  return { formatVersion: text(own(own(data, 'metadata'), 'lock-version')), productName: name };
}
