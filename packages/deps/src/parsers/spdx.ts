/**
 * SPDX 2.3 JSON.
 *
 * The product is what the document DESCRIBES (the relationship, the reverse DESCRIBED_BY, or the
 * `documentDescribes` list); when a described element is a file, the packages it was GENERATED_FROM.
 * Files from tools that leave the root without any such edge (cargo-sbom: the binary file is
 * GENERATED_FROM the crate, nothing is described) fall back to the one package that depends on others
 * while nothing depends on it. Dependencies come from DEPENDS_ON and its reverse DEPENDENCY_OF (and
 * the dev/test/optional/build variants), CONTAINS/CONTAINED_BY and HAS_PREREQUISITE/PREREQUISITE_FOR.
 */
import { ParseError } from '../errors.ts';
import type { EdgeKind } from '../graph.ts';
import { formatPurl, normalizePurl, parsePurl } from '../purl.ts';
import { normalizeRepositoryUrl, repositoryFromHomepage, repositoryFromPurl } from '../repository.ts';
import { type Dict, isDict, list, parseJson, text } from '../syntax.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'spdx-json';

// relationshipType → [does the edge run from the related element to the element?, kind]
const DEPENDENCY_RELATIONSHIPS: Record<string, [reversed: boolean, kind: EdgeKind]> = {
  DEPENDS_ON: [false, 'prod'],
  CONTAINS: [false, 'prod'],
  HAS_PREREQUISITE: [false, 'prod'],
  DEPENDENCY_OF: [true, 'prod'],
  RUNTIME_DEPENDENCY_OF: [true, 'prod'],
  BUILD_DEPENDENCY_OF: [true, 'prod'],
  PROVIDED_DEPENDENCY_OF: [true, 'prod'],
  CONTAINED_BY: [true, 'prod'],
  PREREQUISITE_FOR: [true, 'prod'],
  DEV_DEPENDENCY_OF: [true, 'dev'],
  TEST_DEPENDENCY_OF: [true, 'dev'],
  OPTIONAL_DEPENDENCY_OF: [true, 'optional'],
  OPTIONAL_COMPONENT_OF: [true, 'optional'],
};

function identity(pkg: Dict): string | null {
  for (const ref of list(pkg.externalRefs)) {
    if (isDict(ref) && text(ref.referenceType)?.toLowerCase() === 'purl') {
      const purl = normalizePurl(text(ref.referenceLocator) ?? '');
      if (purl) return purl;
    }
  }
  const name = text(pkg.name);
  return name ? formatPurl({ type: 'generic', namespace: null, name, version: text(pkg.versionInfo) }) : null;
}

function repositoryOf(pkg: Dict, purl: string): string | null {
  const download = text(pkg.downloadLocation);
  // `registry+https://github.com/rust-lang/crates.io-index` names the registry, not the package's source.
  const fromDownload =
    download && !/^registry\+/i.test(download) && /^(git|hg|svn|bzr)\+|github\.com|gitlab\.com|bitbucket\.org/i.test(download)
      ? normalizeRepositoryUrl(download)
      : null;
  const fromRefs = list(pkg.externalRefs)
    .filter((ref): ref is Dict => isDict(ref) && /^(vcs|url)$/i.test(text(ref.referenceType) ?? ''))
    .map((ref) => normalizeRepositoryUrl(ref.referenceLocator))
    .find(Boolean);
  return fromDownload ?? fromRefs ?? repositoryFromPurl(parsePurl(purl)) ?? repositoryFromHomepage(pkg.homepage);
}

export function parseSpdx(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseJson(FORMAT, input.text);
  if (!isDict(data) || typeof data.spdxVersion !== 'string') throw new ParseError(FORMAT, 'not an SPDX document: no spdxVersion');
  const documentId = text(data.SPDXID) ?? 'SPDXRef-DOCUMENT';
  const packages = new Map<string, { purl: string; pkg: Dict }>();
  for (const pkg of list(data.packages)) {
    if (!isDict(pkg)) continue;
    const id = text(pkg.SPDXID);
    const purl = identity(pkg);
    if (id && purl) packages.set(id, { purl, pkg });
  }

  const described = new Set<string>();
  for (const id of list(data.documentDescribes)) if (typeof id === 'string') described.add(id);
  const generatedFrom = new Map<string, string[]>();
  const edges: [from: string, to: string, kind: EdgeKind][] = [];
  for (const relationship of list(data.relationships)) {
    if (!isDict(relationship)) continue;
    const element = text(relationship.spdxElementId);
    const related = text(relationship.relatedSpdxElement);
    const type = text(relationship.relationshipType)?.toUpperCase();
    if (!element || !related || !type) continue;
    if (type === 'DESCRIBES' && element === documentId) described.add(related);
    else if (type === 'DESCRIBED_BY' && related === documentId) described.add(element);
    else if (type === 'GENERATED_FROM') generatedFrom.set(element, [...(generatedFrom.get(element) ?? []), related]);
    else if (type === 'GENERATES') generatedFrom.set(related, [...(generatedFrom.get(related) ?? []), element]);
    const rule = DEPENDENCY_RELATIONSHIPS[type];
    if (rule && packages.has(element) && packages.has(related)) {
      edges.push(rule[0] ? [related, element, rule[1]] : [element, related, rule[1]]);
    }
  }

  // The product: described packages, or the packages a described file was generated from.
  let roots = [...described].flatMap((id) => (packages.has(id) ? [id] : (generatedFrom.get(id) ?? []).filter((p) => packages.has(p))));
  if (roots.length === 0) {
    const hasIncoming = new Set(edges.map(([, to]) => to));
    const tops = [...new Set(edges.map(([from]) => from))].filter((id) => !hasIncoming.has(id));
    const generated = [...generatedFrom.values()].flat().filter((id) => packages.has(id));
    roots = tops.length === 1 ? tops : generated.length ? [...new Set(generated)] : [];
    if (roots.length) notes.push('the document describes no package; the product was taken to be the package nothing depends on');
  }
  for (const id of roots) {
    const entry = packages.get(id);
    if (entry) builder.addRoot(entry.purl, text(entry.pkg.name) ?? entry.purl);
  }
  for (const [id, { purl, pkg }] of packages) {
    if (!roots.includes(id)) builder.addPackage(purl, { repository: repositoryOf(pkg, purl) });
  }
  let rootHasEdge = false;
  for (const [from, to, kind] of edges) {
    const fromPurl = packages.get(from)?.purl as string;
    if (roots.includes(from)) rootHasEdge = true;
    builder.addEdge(fromPurl, packages.get(to)?.purl as string, kind);
  }
  if (!rootHasEdge) {
    builder.isDirectKnown = false;
    notes.push(
      roots.length
        ? 'the product has no dependency relationships in the document, so it cannot say what is direct'
        : 'the document names no product and has no package nothing depends on, so it cannot say what is direct',
    );
  }
  return {
    formatVersion: data.spdxVersion.replace(/^SPDX-/, ''),
    productName: roots.length ? text(packages.get(roots[0] as string)?.pkg.name) : text(data.name),
  };
}
