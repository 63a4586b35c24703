/**
 * The dependency graph of one product: its roots (the product and its workspace members), the
 * packages it depends on keyed by identity purl, and the edges between them. Parsers feed a
 * GraphBuilder; the builder derives what every format needs the same way: direct vs transitive,
 * depth, dev/optional where the file does not say, and how many paths lead to each package.
 */
import { parsePurl } from './purl.ts';

export type EdgeKind = 'prod' | 'dev' | 'optional' | 'peer';

/** A package the product itself is made of: the product, or one of its workspace members. */
export type Root = { id: string; name: string };

export type Component = {
  /** Identity: `pkg:type/namespace/name@version`, no qualifiers or subpath. */
  purl: string;
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
  /** A root depends on it in the file itself. */
  isDirect: boolean;
  /** Needed only for developing the product (dev/test dependencies and what only they pull in). */
  isDev: boolean;
  /** Installed only when it can be (optional dependencies and what only they pull in). */
  isOptional: boolean;
  /** Fewest edges from a root (1 = direct). */
  depth: number;
  /** Number of paths from the roots, counting a cycle once; saturates at 2^53. */
  pathCount: number;
  /** Source repository (`github.com/owner/repo`), when the file or the package name tells it. */
  repository: string | null;
  funding: string[];
};

/**
 * `isInferred` marks an edge the file does not contain: a package the file leaves unconnected
 * (a go.mod `// indirect` module, a component missing from an SBOM's dependency graph) hangs off the
 * first root so that it still has a depth and a path. Such an edge never makes a package direct.
 */
export type Edge = { from: string; to: string; kind: EdgeKind; isInferred: boolean };

export type GraphData = { roots: Root[]; components: Component[]; edges: Edge[]; isDirectKnown: boolean };

export type PackageFacts = {
  repository?: string | null;
  funding?: string[];
  /** Said by the file; left undefined when it does not say, and then derived from the edges. */
  isDev?: boolean;
  isOptional?: boolean;
  /** Known to be transitive though the file gives no edge to it (go.mod `// indirect`): depth 2, not 1. */
  isTransitive?: boolean;
};

type Facts = { repository: string | null; funding: Set<string>; isDev?: boolean; isOptional?: boolean; isTransitive: boolean };

const KIND_STRENGTH: Record<EdgeKind, number> = { prod: 3, peer: 2, optional: 1, dev: 0 };
const MAX_COUNT = 2 ** 53;

// A flag said by one copy of a package and not by another (the same name@version nested twice in a
// package-lock) holds only if every copy that says anything says so.
function mergeFlag(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a && b;
}

export class GraphBuilder {
  readonly #roots = new Map<string, Root>();
  readonly #packages = new Map<string, Facts>();
  readonly #edges = new Map<string, Edge>();
  /** False when the file cannot say which packages the product asks for itself. */
  isDirectKnown = true;

  addRoot(id: string, name: string): void {
    if (!this.#roots.has(id)) this.#roots.set(id, { id, name });
  }

  hasRoot(id: string): boolean {
    return this.#roots.has(id);
  }

  get rootIds(): string[] {
    return [...this.#roots.keys()];
  }

  addPackage(purl: string, facts: PackageFacts = {}): void {
    const known = this.#packages.get(purl);
    if (!known) {
      this.#packages.set(purl, {
        repository: facts.repository ?? null,
        funding: new Set(facts.funding ?? []),
        isDev: facts.isDev,
        isOptional: facts.isOptional,
        isTransitive: facts.isTransitive === true,
      });
      return;
    }
    known.repository ??= facts.repository ?? null;
    for (const url of facts.funding ?? []) known.funding.add(url);
    known.isDev = mergeFlag(known.isDev, facts.isDev);
    known.isOptional = mergeFlag(known.isOptional, facts.isOptional);
    known.isTransitive &&= facts.isTransitive === true;
  }

  hasPackage(purl: string): boolean {
    return this.#packages.has(purl);
  }

  /** Edges to unknown packages, to roots (the product's own parts) and to themselves are dropped. */
  addEdge(from: string, to: string, kind: EdgeKind = 'prod'): void {
    if (from === to || this.#roots.has(to)) return;
    const key = `${from}\u0000${to}`;
    const known = this.#edges.get(key);
    if (!known || KIND_STRENGTH[kind] > KIND_STRENGTH[known.kind]) this.#edges.set(key, { from, to, kind, isInferred: false });
  }

  build(productName = 'product'): DependencyGraph {
    if (this.#roots.size === 0) this.addRoot('root:product', productName);
    const roots = [...this.#roots.values()];
    // A package that is also a root is the product's own (a workspace member listed as a package too).
    const purls = [...this.#packages.keys()].filter((purl) => !this.#roots.has(purl)).sort();
    const ids = [...roots.map((root) => root.id), ...purls];
    const index = new Map(ids.map((id, i) => [id, i]));
    const rootCount = roots.length;
    const edges = [...this.#edges.values()].filter((edge) => index.has(edge.from) && index.has(edge.to));
    const outgoing: number[][] = ids.map(() => []);
    const kinds: EdgeKind[][] = ids.map(() => []);
    const weights: number[][] = ids.map(() => []);
    for (const edge of edges) {
      const from = index.get(edge.from) as number;
      outgoing[from]?.push(index.get(edge.to) as number);
      kinds[from]?.push(edge.kind);
      weights[from]?.push(1);
    }
    const facts = (i: number) => this.#packages.get(ids[i] as string) as Facts;
    const isDirect = new Array<boolean>(ids.length).fill(false);
    for (let r = 0; r < rootCount; r++) for (const to of outgoing[r] ?? []) isDirect[to] = true;

    // Anchor what the file leaves unconnected: the tops of each unreachable part hang off the first root.
    const reached = reach(outgoing, kinds, rootCount, () => true);
    const incomingFromUnreached = new Array<number>(ids.length).fill(0);
    for (let i = rootCount; i < ids.length; i++) {
      if (!reached[i]) for (const to of outgoing[i] ?? []) incomingFromUnreached[to] = (incomingFromUnreached[to] ?? 0) + 1;
    }
    const anchor = (i: number) => {
      const edge: Edge = { from: roots[0]?.id as string, to: ids[i] as string, kind: 'prod', isInferred: true };
      edges.push(edge);
      outgoing[0]?.push(i);
      kinds[0]?.push('prod');
      weights[0]?.push(facts(i).isTransitive ? 2 : 1);
      markReachable(outgoing, reached, i);
    };
    for (let i = rootCount; i < ids.length; i++) if (!reached[i] && incomingFromUnreached[i] === 0) anchor(i);
    // Whatever is left sits in cycles nobody enters; one member of each is enough.
    for (let i = rootCount; i < ids.length; i++) if (!reached[i]) anchor(i);

    const depth = weightedDepths(outgoing, weights, rootCount);
    // Dev: not reachable once the roots' dev edges are ignored. Optional: reachable that way, but not
    // along required (prod/peer) edges alone.
    const nonDev = reach(outgoing, kinds, rootCount, (kind, fromRoot) => !(fromRoot && kind === 'dev'));
    const required = reach(outgoing, kinds, rootCount, (kind) => kind === 'prod' || kind === 'peer');
    const pathCounts = countPaths(outgoing, rootCount);

    const components: Component[] = purls.map((purl, offset) => {
      const i = offset + rootCount;
      const known = facts(i);
      const parts = parsePurl(purl);
      const derivedDev = !nonDev[i];
      return {
        purl,
        type: parts?.type ?? 'generic',
        namespace: parts?.namespace ?? null,
        name: parts?.name ?? purl,
        version: parts?.version ?? null,
        isDirect: isDirect[i] === true,
        isDev: known.isDev ?? derivedDev,
        isOptional: known.isOptional ?? (!derivedDev && !required[i]),
        depth: depth[i] ?? 1,
        pathCount: pathCounts[i] ?? 1,
        repository: known.repository,
        funding: [...known.funding].sort(),
      };
    });
    return new DependencyGraph({ roots, components, edges, isDirectKnown: this.isDirectKnown });
  }
}

/** Breadth-first reachability from the roots along the edges `follow` accepts. */
function reach(outgoing: number[][], kinds: EdgeKind[][], rootCount: number, follow: (kind: EdgeKind, fromRoot: boolean) => boolean) {
  const seen = new Array<boolean>(outgoing.length).fill(false);
  const queue: number[] = [];
  for (let r = 0; r < rootCount; r++) {
    seen[r] = true;
    queue.push(r);
  }
  for (let head = 0; head < queue.length; head++) {
    const from = queue[head] as number;
    const targets = outgoing[from] ?? [];
    const edgeKinds = kinds[from] ?? [];
    for (let e = 0; e < targets.length; e++) {
      const to = targets[e] as number;
      if (!seen[to] && follow(edgeKinds[e] ?? 'prod', from < rootCount)) {
        seen[to] = true;
        queue.push(to);
      }
    }
  }
  return seen;
}

function markReachable(outgoing: number[][], seen: boolean[], start: number) {
  if (seen[start]) return;
  seen[start] = true;
  const stack = [start];
  while (stack.length) {
    for (const to of outgoing[stack.pop() as number] ?? []) {
      if (!seen[to]) {
        seen[to] = true;
        stack.push(to);
      }
    }
  }
}

/** Shortest distances from the roots with edge weights of 1 or 2, one bucket per distance. */
function weightedDepths(outgoing: number[][], weights: number[][], rootCount: number): number[] {
  const depth = new Array<number>(outgoing.length).fill(Number.POSITIVE_INFINITY);
  const buckets: number[][] = [[]];
  for (let r = 0; r < rootCount; r++) {
    depth[r] = 0;
    buckets[0]?.push(r);
  }
  for (let d = 0; d < buckets.length; d++) {
    for (const from of buckets[d] ?? []) {
      if (depth[from] !== d) continue;
      const targets = outgoing[from] ?? [];
      for (let e = 0; e < targets.length; e++) {
        const to = targets[e] as number;
        const next = d + (weights[from]?.[e] ?? 1);
        if (next < (depth[to] as number)) {
          depth[to] = next;
          while (buckets.length <= next) buckets.push([]);
          buckets[next]?.push(to);
        }
      }
    }
  }
  return depth;
}

/**
 * Paths from the roots to every node. Counting simple paths in a graph with cycles is intractable,
 * so each strongly connected component counts as one node (Tarjan, iterative so deep graphs cannot
 * overflow the stack), then counts flow through the condensation in topological order.
 */
function countPaths(outgoing: number[][], rootCount: number): number[] {
  const n = outgoing.length;
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const component = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let start = 0; start < n; start++) {
    if (order[start] !== -1) continue;
    const work: [node: number, edge: number][] = [[start, 0]];
    order[start] = low[start] = counter++;
    stack.push(start);
    onStack[start] = true;
    while (work.length) {
      const frame = work[work.length - 1] as [number, number];
      const [node, edge] = frame;
      const targets = outgoing[node] ?? [];
      if (edge < targets.length) {
        frame[1]++;
        const to = targets[edge] as number;
        if (order[to] === -1) {
          order[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = true;
          work.push([to, 0]);
        } else if (onStack[to]) low[node] = Math.min(low[node] as number, order[to] as number);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[node] as number);
      if (low[node] === order[node]) {
        const members: number[] = [];
        let member: number;
        do {
          member = stack.pop() as number;
          onStack[member] = false;
          component[member] = components.length;
          members.push(member);
        } while (member !== node);
        components.push(members);
      }
    }
  }
  // Tarjan emits components in reverse topological order.
  const counts = new Array<number>(components.length).fill(0);
  for (let r = 0; r < rootCount; r++) counts[component[r] as number] = 1;
  for (let c = components.length - 1; c >= 0; c--) {
    const count = counts[c] as number;
    if (count === 0) continue;
    for (const node of components[c] ?? []) {
      for (const to of outgoing[node] ?? []) {
        const target = component[to] as number;
        if (target !== c) counts[target] = Math.min(MAX_COUNT, (counts[target] as number) + count);
      }
    }
  }
  return component.map((c) => counts[c] as number);
}

// Enough for any "why is this here?" question; stops pathological graphs from running away.
const MAX_PATH_STEPS = 200_000;

export class DependencyGraph {
  readonly roots: Root[];
  readonly components: Component[];
  readonly edges: Edge[];
  readonly isDirectKnown: boolean;
  readonly #index = new Map<string, number>();
  readonly #incoming: number[][];
  readonly #outgoing: number[][];

  constructor(data: GraphData) {
    this.roots = data.roots;
    this.components = data.components;
    this.edges = data.edges;
    this.isDirectKnown = data.isDirectKnown;
    const ids = [...this.roots.map((root) => root.id), ...this.components.map((c) => c.purl)];
    ids.forEach((id, i) => {
      this.#index.set(id, i);
    });
    this.#incoming = ids.map(() => []);
    this.#outgoing = ids.map(() => []);
    for (const edge of this.edges) {
      const from = this.#index.get(edge.from);
      const to = this.#index.get(edge.to);
      if (from === undefined || to === undefined) continue;
      this.#outgoing[from]?.push(to);
      this.#incoming[to]?.push(from);
    }
    // Walk back through the shallowest dependents first, so the first paths found are the short ones.
    const depthOf = (i: number) => (i < this.roots.length ? 0 : (this.components[i - this.roots.length]?.depth ?? 0));
    for (const list of this.#incoming) list.sort((a, b) => depthOf(a) - depthOf(b) || a - b);
  }

  static fromJSON(data: GraphData): DependencyGraph {
    return new DependencyGraph(data);
  }

  toJSON(): GraphData {
    return { roots: this.roots, components: this.components, edges: this.edges, isDirectKnown: this.isDirectKnown };
  }

  /** Distinct packages the product depends on (its own packages are roots, not components). */
  get packageCount(): number {
    return this.components.length;
  }

  /** Distinct direct dependencies, dev and optional included; null when the file cannot say. */
  get directCount(): number | null {
    return this.isDirectKnown ? this.components.filter((c) => c.isDirect).length : null;
  }

  component(purl: string): Component | undefined {
    const i = this.#index.get(purl);
    return i === undefined || i < this.roots.length ? undefined : this.components[i - this.roots.length];
  }

  #id(i: number): string {
    return i < this.roots.length ? (this.roots[i]?.id as string) : (this.components[i - this.roots.length]?.purl as string);
  }

  dependenciesOf(id: string): string[] {
    const i = this.#index.get(id);
    return i === undefined ? [] : (this.#outgoing[i] ?? []).map((j) => this.#id(j));
  }

  dependentsOf(id: string): string[] {
    const i = this.#index.get(id);
    return i === undefined ? [] : (this.#incoming[i] ?? []).map((j) => this.#id(j));
  }

  /**
   * "Why is this here?": paths from a root to the package, each listed root first, shortest found
   * first, at most `limit` of them (and a bounded amount of work, whatever the graph).
   */
  pathsTo(purl: string, limit = 20): string[][] {
    const target = this.#index.get(purl);
    if (target === undefined || limit < 1) return [];
    if (target < this.roots.length) return [[purl]];
    const paths: string[][] = [];
    const trail = [target];
    const onTrail = new Set([target]);
    const frames: [node: number, next: number][] = [[target, 0]];
    let steps = 0;
    while (frames.length && paths.length < limit && steps++ < MAX_PATH_STEPS) {
      const frame = frames[frames.length - 1] as [number, number];
      const dependents = this.#incoming[frame[0]] ?? [];
      if (frame[1] >= dependents.length) {
        frames.pop();
        onTrail.delete(trail.pop() as number);
        continue;
      }
      const dependent = dependents[frame[1]++] as number;
      if (onTrail.has(dependent)) continue;
      if (dependent < this.roots.length) {
        paths.push([dependent, ...trail.toReversed()].map((i) => this.#id(i)));
        continue;
      }
      frames.push([dependent, 0]);
      trail.push(dependent);
      onTrail.add(dependent);
    }
    return paths;
  }
}
