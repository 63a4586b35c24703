/**
 * CycloneDX JSON, spec versions 1.4 to 1.6 (the fields read here did not change between them).
 *
 * `metadata.component` is the product; its nested components are its own modules. Components nest
 * (`components[].components`: an assembly and its parts), which gives a containment edge. The
 * `dependencies` graph gives the rest; a BOM without the product's entry in it cannot say what is direct.
 */
import { ParseError } from '../errors.ts';
import type { GraphBuilder, PackageFacts } from '../graph.ts';
import { formatPurl, normalizePurl, parsePurl } from '../purl.ts';
import { normalizeRepositoryUrl, repositoryFromHomepage, repositoryFromPurl } from '../repository.ts';
import { type Dict, isDict, list, own, parseJson, scalarText, text } from '../syntax.ts';
import type { ParseInput, ParseOutcome } from './types.ts';

const FORMAT = 'cyclonedx-json';

/** The identity purl of a component: its purl, else one made of group/name/version. */
function identity(component: Dict): string | null {
  const fromPurl = normalizePurl(text(component.purl) ?? '');
  if (fromPurl) return fromPurl;
  const name = text(component.name);
  if (!name) return null;
  return formatPurl({ type: 'generic', namespace: text(component.group), name, version: text(component.version) });
}

function facts(component: Dict, purl: string): PackageFacts {
  const references = list(component.externalReferences).filter(isDict);
  const urlOf = (type: string) => references.filter((ref) => ref.type === type).map((ref) => text(ref.url));
  const repository =
    urlOf('vcs').map(normalizeRepositoryUrl).find(Boolean) ??
    repositoryFromPurl(parsePurl(purl)) ??
    urlOf('website').map(repositoryFromHomepage).find(Boolean) ??
    null;
  const isDevProperty = list(component.properties).some(
    (p) => isDict(p) && p.name === 'cdx:npm:package:development' && scalarText(p.value)?.toLowerCase() === 'true',
  );
  return {
    repository,
    funding: urlOf('funding').filter((url): url is string => url !== null),
    // `excluded` components are not part of the shipped product: test and build tooling.
    isDev: component.scope === 'excluded' || isDevProperty ? true : undefined,
    isOptional: component.scope === 'optional' ? true : undefined,
  };
}

export function parseCycloneDx(input: ParseInput): ParseOutcome {
  const { builder, notes } = input;
  const data = parseJson(FORMAT, input.text);
  if (!isDict(data) || (data.bomFormat !== 'CycloneDX' && !Array.isArray(data.components))) {
    throw new ParseError(FORMAT, 'not a CycloneDX BOM: no bomFormat "CycloneDX" and no components list');
  }
  const refs = new Map<string, string>();
  const product = own(own(data, 'metadata'), 'component');
  let productId: string | null = null;
  let productName: string | null = null;

  if (isDict(product)) {
    productName = text(product.name);
    productId = identity(product) ?? 'root:product';
    addRoot(builder, refs, product, productId);
    // The product's own modules are roots too: their dependencies are the product's.
    const modules = list(product.components).filter(isDict);
    while (modules.length) {
      const module = modules.pop() as Dict;
      addRoot(builder, refs, module, identity(module) ?? `root:${text(module['bom-ref']) ?? modules.length}`);
      modules.push(...list(module.components).filter(isDict));
    }
  }

  let unnamed = 0;
  const stack: { component: unknown; parent: string | null }[] = list(data.components).map((component) => ({ component, parent: null }));
  const containment: [string, string][] = [];
  while (stack.length) {
    const { component, parent } = stack.pop() as { component: unknown; parent: string | null };
    if (!isDict(component)) continue;
    const purl = identity(component);
    if (!purl) {
      unnamed++;
      continue;
    }
    if (!builder.hasRoot(purl)) builder.addPackage(purl, facts(component, purl));
    const ref = text(component['bom-ref']);
    if (ref) refs.set(ref, purl);
    if (parent) containment.push([parent, purl]);
    for (const child of list(component.components)) stack.push({ component: child, parent: purl });
  }
  if (unnamed) notes.push(`${unnamed} components without a name or purl were skipped`);

  for (const [parent, child] of containment) builder.addEdge(parent, child);
  let productHasEntry = false;
  for (const entry of list(data.dependencies)) {
    const ref = text(own(entry, 'ref'));
    const from = ref ? refs.get(ref) : undefined;
    if (!from) continue;
    const targets = list(own(entry, 'dependsOn'));
    if (from === productId) productHasEntry = true;
    for (const target of targets) {
      const to = typeof target === 'string' ? refs.get(target) : undefined;
      if (to) builder.addEdge(from, to);
    }
  }
  if (!productId || !productHasEntry) {
    builder.isDirectKnown = false;
    notes.push(
      productId
        ? 'the BOM’s dependency graph has no entry for the product (metadata.component), so it cannot say what is direct'
        : 'the BOM has no metadata.component, so it cannot say what the product depends on directly',
    );
  }
  return { formatVersion: text(data.specVersion), productName };
}

function addRoot(builder: GraphBuilder, refs: Map<string, string>, component: Dict, id: string) {
  builder.addRoot(id, text(component.name) ?? id);
  const ref = text(component['bom-ref']);
  if (ref) refs.set(ref, id);
}
