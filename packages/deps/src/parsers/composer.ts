/**
 * composer.lock: `packages` and `packages-dev` (flagged dev), each with its `require` map, its
 * source (`source.url`, else the dist URL, else `support.source`) and its `funding` links. Platform
 * requirements (php, ext-*, lib-*, composer-*-api) are not packages. The lock does not say what the
 * product requires itself; the companion composer.json does (`--with composer.json`).
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { purlFor } from '../purl.ts';
import { normalizeRepositoryUrl } from '../repository.ts';
import { type Dict, isDict, list, own, parseJson, stringMap, text } from '../syntax.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'composer.lock';

const isPlatform = (name: string) =>
  /^(php(-64bit|-ipv6|-zts|-debug)?|hhvm|composer|composer-(plugin|runtime)-api|ext-.+|lib-.+)$/i.test(name);

function repositoryOf(pkg: Dict): string | null {
  return (
    normalizeRepositoryUrl(own(own(pkg, 'source'), 'url')) ??
    (/github\.com|gitlab\.com|bitbucket\.org/.test(text(own(own(pkg, 'dist'), 'url')) ?? '')
      ? normalizeRepositoryUrl(own(own(pkg, 'dist'), 'url'))
      : null) ??
    normalizeRepositoryUrl(own(own(pkg, 'support'), 'source'))
  );
}

export function parseComposerLock(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseJson(FORMAT, input.text);
  if (!isDict(data) || (!Array.isArray(data.packages) && !Array.isArray(data['packages-dev']))) {
    throw new ParseError(FORMAT, 'no "packages" or "packages-dev" list');
  }
  const byName = new Map<string, string>();
  const entries: [purl: string, pkg: Dict][] = [];
  for (const [field, isDev] of [
    ['packages', false],
    ['packages-dev', true],
  ] as const) {
    for (const pkg of list(data[field])) {
      if (!isDict(pkg)) continue;
      const name = text(pkg.name);
      const version = text(pkg.version);
      if (!name || !version) continue;
      const purl = purlFor('composer', name.toLowerCase(), version);
      builder.addPackage(purl, {
        repository: repositoryOf(pkg),
        funding: list(pkg.funding).flatMap((f) => {
          const url = text(own(f, 'url'));
          return url ? [url] : [];
        }),
        isDev,
      });
      byName.set(name.toLowerCase(), purl);
      entries.push([purl, pkg]);
    }
  }
  for (const [from, pkg] of entries) {
    for (const [name] of stringMap(pkg.require)) {
      const to = byName.get(name.toLowerCase());
      if (to) builder.addEdge(from, to);
    }
  }
  const manifest = input.companion?.kind === 'composer.json' ? parseJson('composer.json', input.companion.text) : null;
  if (!isDict(manifest)) {
    builder.isDirectKnown = false;
    notes.push('composer.lock does not say which packages the product requires; add --with composer.json');
    return { formatVersion: null, productName: null };
  }
  const name = text(manifest.name);
  const rootId = name ? purlFor('composer', name.toLowerCase(), text(manifest.version)) : 'root:product';
  builder.addRoot(rootId, name ?? 'product');
  let missing = 0;
  for (const [field, kind] of [
    ['require', 'prod'],
    ['require-dev', 'dev'],
  ] as [string, EdgeKind][]) {
    for (const [depName] of stringMap(manifest[field])) {
      if (isPlatform(depName)) continue;
      const to = byName.get(depName.toLowerCase());
      if (to) builder.addEdge(rootId, to, kind);
      else missing++;
    }
  }
  if (missing) notes.push(`${missing} requirements of composer.json are not in composer.lock (is it the matching composer.json?)`);
  return { formatVersion: null, productName: name };
}
