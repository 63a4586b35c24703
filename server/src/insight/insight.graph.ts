/**
 * How an upload's dependency graph is kept: not the file (it can be 50 MB and says much we do not
 * need) but what the scan made of it, in a compact form. Purls are listed once and edges refer to
 * them by index, component facts are packed into one tuple each, and the whole is gzipped:
 * DependencyTrack's 142-package SBOM (380 KB) keeps in about 4 KB, webpack's 1,393-package yarn.lock
 * (490 KB) in about 24 KB, half of what gzip makes of the graph's plain JSON.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Component, DependencyGraph, type Edge, type EdgeKind, type GraphData, parsePurl } from '@surplus/deps';

const KINDS: EdgeKind[] = ['prod', 'dev', 'optional', 'peer'];
const DIRECT = 1;
const DEV = 2;
const OPTIONAL = 4;

/** Version 1 of the stored form. Component: [purl, flags, depth, paths, repository, funding?]. Edge: [from, to, kind, inferred]. */
type Packed = {
  v: 1;
  roots: [id: string, name: string][];
  components: [purl: string, flags: number, depth: number, paths: number, repository: string | null, funding?: string[]][];
  edges: [from: number, to: number, kind: number, isInferred: 0 | 1][];
  isDirectKnown: boolean;
};

export function packGraph(graph: DependencyGraph): Buffer {
  const data = graph.toJSON();
  const index = new Map<string, number>();
  for (const root of data.roots) index.set(root.id, index.size);
  for (const component of data.components) index.set(component.purl, index.size);
  const packed: Packed = {
    v: 1,
    roots: data.roots.map((root) => [root.id, root.name]),
    components: data.components.map((c) => {
      const flags = (c.isDirect ? DIRECT : 0) | (c.isDev ? DEV : 0) | (c.isOptional ? OPTIONAL : 0);
      const tuple: Packed['components'][number] = [c.purl, flags, c.depth, c.pathCount, c.repository];
      if (c.funding.length) tuple.push(c.funding);
      return tuple;
    }),
    edges: data.edges.flatMap((edge) => {
      const from = index.get(edge.from);
      const to = index.get(edge.to);
      return from === undefined || to === undefined
        ? []
        : [[from, to, KINDS.indexOf(edge.kind), edge.isInferred ? 1 : 0] as Packed['edges'][number]];
    }),
    isDirectKnown: data.isDirectKnown,
  };
  return gzipSync(JSON.stringify(packed), { level: 9 });
}

export function unpackGraph(stored: Buffer): DependencyGraph {
  const packed = JSON.parse(gunzipSync(stored).toString('utf8')) as Packed;
  if (packed.v !== 1) throw new Error(`stored graph version ${String(packed.v)} is not one this server reads`);
  const roots = packed.roots.map(([id, name]) => ({ id, name }));
  const components: Component[] = packed.components.map(([purl, flags, depth, pathCount, repository, funding]) => {
    const parts = parsePurl(purl);
    return {
      purl,
      type: parts?.type ?? 'generic',
      namespace: parts?.namespace ?? null,
      name: parts?.name ?? purl,
      version: parts?.version ?? null,
      isDirect: (flags & DIRECT) !== 0,
      isDev: (flags & DEV) !== 0,
      isOptional: (flags & OPTIONAL) !== 0,
      depth,
      pathCount,
      repository,
      funding: funding ?? [],
    };
  });
  const ids = [...roots.map((root) => root.id), ...components.map((c) => c.purl)];
  const edges: Edge[] = packed.edges.map(([from, to, kind, isInferred]) => ({
    from: ids[from] as string,
    to: ids[to] as string,
    kind: KINDS[kind] ?? 'prod',
    isInferred: isInferred === 1,
  }));
  const data: GraphData = { roots, components, edges, isDirectKnown: packed.isDirectKnown };
  return DependencyGraph.fromJSON(data);
}

/** Packages by depth: element i counts the packages at depth i + 1 (direct ones first). */
export function depthHistogram(components: readonly Component[]): number[] {
  const histogram: number[] = [];
  for (const component of components) {
    const slot = Math.max(1, component.depth) - 1;
    while (histogram.length <= slot) histogram.push(0);
    histogram[slot] = (histogram[slot] ?? 0) + 1;
  }
  return histogram;
}
