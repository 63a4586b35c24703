/**
 * Criticality across the portfolio and coverage by the program: pure functions over what the
 * products' latest uploads say, so the formula can be tested by hand and every term returned.
 *
 * Per upstream project (after admin overrides have grouped repositories), over the products whose
 * latest upload depends on it:
 *
 *   usage     = 4 · log2(1 + products)      how many of our products depend on it
 *   proximity = 4 / minDepth                1 step away in some product: 4; two steps: 2; …
 *   breadth   = 2 · log2(1 + packages)      distinct packages it supplies across the products
 *   reach     = log2(1 + paths)             paths to its packages, summed over the products
 *   signals   = 4 · criticality + log10(1 + dependents)
 *                                           imported public signals (OpenSSF criticality score 0–1,
 *                                           dependents count); 0 when none were imported
 *   score     = (usage + proximity + breadth + reach + signals) × devFactor
 *   devFactor = ½ when every product needs it only for development, else 1
 *
 * It extends the one-scan ranking of @surplus/deps (proximity, breadth, reach) with the portfolio's
 * own term, usage, weighted like proximity: a project all our products depend on matters more than
 * one a single product pulls in, and logarithms keep one enormous npm tree from drowning the rest.
 * Ties go to more products, then more packages, then the key, so the order is stable.
 */
import { gitHostOf } from './insight.invite.ts';

export type UpstreamKind = 'repository' | 'package' | 'group';
export type UpstreamRef = { id: string; key: string; kind: UpstreamKind; repository: string | null; owner: string | null; name: string };

/** One upstream project as one upload's scan saw it. */
export type ProjectUse = {
  productId: string;
  upstream: UpstreamRef;
  packages: number;
  direct: number;
  minDepth: number;
  paths: number;
  isDevOnly: boolean;
  /** The project's score within that one scan (@surplus/deps' ranking). */
  score: number;
  purls: string[];
  funding: string[];
};

export type Override = { id: string; matchKind: 'repository' | 'owner'; match: string; group: UpstreamRef };
export type Signal = { criticalityScore: number | null; dependentsCount: number | null };
export type SurplusMatch = { id: string; slug: string; name: string; isSupported: boolean };
export type Coverage = 'supported' | 'registered' | 'unsupported';

export type PortfolioTerms = { usage: number; proximity: number; breadth: number; reach: number; signals: number; devFactor: number };

export type PortfolioProject = {
  rank: number;
  upstream: UpstreamRef;
  /** The repositories it stands for: its own, or a group's members met in the products. */
  repositories: string[];
  productIds: string[];
  packages: number;
  /** Products that ask for one of its packages directly. */
  directProducts: number;
  minDepth: number;
  paths: number;
  isDevOnly: boolean;
  funding: string[];
  criticalityScore: number | null;
  dependentsCount: number | null;
  score: number;
  terms: PortfolioTerms;
  coverage: Coverage;
  surplusProjects: SurplusMatch[];
};

export type RankOptions = {
  overrides: readonly Override[];
  signals: ReadonlyMap<string, Signal>;
  /** Surplus projects whose repository is this one (normalized `host/owner/repo`). */
  match(repository: string): readonly SurplusMatch[];
};

const MAX_COUNT = 2 ** 53;
const round = (value: number) => Math.round(value * 100) / 100;

export function scorePortfolioProject(input: {
  products: number;
  minDepth: number;
  packages: number;
  paths: number;
  isDevOnly: boolean;
  criticalityScore: number | null;
  dependentsCount: number | null;
}): { score: number; terms: PortfolioTerms } {
  const usage = 4 * Math.log2(1 + input.products);
  const proximity = 4 / Math.max(1, input.minDepth);
  const breadth = 2 * Math.log2(1 + input.packages);
  const reach = Math.log2(1 + input.paths);
  const signals = 4 * (input.criticalityScore ?? 0) + Math.log10(1 + (input.dependentsCount ?? 0));
  const devFactor = input.isDevOnly ? 0.5 : 1;
  return {
    score: round((usage + proximity + breadth + reach + signals) * devFactor),
    terms: {
      usage: round(usage),
      proximity: round(proximity),
      breadth: round(breadth),
      reach: round(reach),
      signals: round(signals),
      devFactor,
    },
  };
}

/** The group an override puts this project in (a repository override wins over its owner's), or itself. */
export function effectiveUpstream(upstream: UpstreamRef, overrides: readonly Override[]): UpstreamRef {
  if (!upstream.repository) return upstream;
  const byRepository = overrides.find((o) => o.matchKind === 'repository' && o.match === upstream.repository);
  if (byRepository) return byRepository.group;
  const byOwner = upstream.owner ? overrides.find((o) => o.matchKind === 'owner' && o.match === upstream.owner) : undefined;
  return byOwner?.group ?? upstream;
}

export function coverageOf(matches: readonly SurplusMatch[]): Coverage {
  if (matches.some((m) => m.isSupported)) return 'supported';
  return matches.length ? 'registered' : 'unsupported';
}

type Accumulator = {
  upstream: UpstreamRef;
  repositories: Set<string>;
  products: Set<string>;
  directProducts: Set<string>;
  purls: Set<string>;
  minDepth: number;
  paths: number;
  isDevOnly: boolean;
  funding: Set<string>;
};

/** Ranks the upstream projects of the given uses (one per product and project), best first. */
export function rankPortfolio(uses: readonly ProjectUse[], options: RankOptions): PortfolioProject[] {
  const groups = new Map<string, Accumulator>();
  for (const use of uses) {
    const upstream = effectiveUpstream(use.upstream, options.overrides);
    let group = groups.get(upstream.id);
    if (!group) {
      group = {
        upstream,
        repositories: new Set(),
        products: new Set(),
        directProducts: new Set(),
        purls: new Set(),
        minDepth: Number.POSITIVE_INFINITY,
        paths: 0,
        isDevOnly: true,
        funding: new Set(),
      };
      groups.set(upstream.id, group);
    }
    if (use.upstream.repository) group.repositories.add(use.upstream.repository);
    group.products.add(use.productId);
    if (use.direct > 0) group.directProducts.add(use.productId);
    for (const purl of use.purls) group.purls.add(purl);
    for (const url of use.funding) group.funding.add(url);
    group.minDepth = Math.min(group.minDepth, use.minDepth);
    group.paths = Math.min(MAX_COUNT, group.paths + use.paths);
    group.isDevOnly &&= use.isDevOnly;
  }
  const ranked: PortfolioProject[] = [...groups.values()].map((group) => {
    const repositories = [...group.repositories].sort();
    let criticalityScore: number | null = null;
    let dependentsCount: number | null = null;
    for (const repository of repositories) {
      const signal = options.signals.get(repository);
      if (signal?.criticalityScore != null) criticalityScore = Math.max(criticalityScore ?? 0, signal.criticalityScore);
      if (signal?.dependentsCount != null) dependentsCount = Math.max(dependentsCount ?? 0, signal.dependentsCount);
    }
    const matches = new Map<string, SurplusMatch>();
    for (const repository of repositories) for (const match of options.match(repository)) matches.set(match.id, match);
    const surplusProjects = [...matches.values()].sort(
      (a, b) => Number(b.isSupported) - Number(a.isSupported) || a.slug.localeCompare(b.slug),
    );
    const minDepth = Number.isFinite(group.minDepth) ? group.minDepth : 1;
    const { score, terms } = scorePortfolioProject({
      products: group.products.size,
      minDepth,
      packages: group.purls.size,
      paths: group.paths,
      isDevOnly: group.isDevOnly,
      criticalityScore,
      dependentsCount,
    });
    return {
      rank: 0,
      upstream: group.upstream,
      repositories,
      productIds: [...group.products].sort(),
      packages: group.purls.size,
      directProducts: group.directProducts.size,
      minDepth,
      paths: group.paths,
      isDevOnly: group.isDevOnly,
      funding: [...group.funding].sort(),
      criticalityScore,
      dependentsCount,
      score,
      terms,
      coverage: coverageOf(surplusProjects),
      surplusProjects,
    };
  });
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      b.productIds.length - a.productIds.length ||
      b.packages - a.packages ||
      (a.upstream.key < b.upstream.key ? -1 : a.upstream.key > b.upstream.key ? 1 : 0),
  );
  ranked.forEach((project, i) => {
    project.rank = i + 1;
  });
  return ranked;
}

/** A project the program could invite: a known repository on a forge, not supported yet. */
export function isInvitable(project: PortfolioProject): boolean {
  return project.coverage !== 'supported' && project.repositories.some((repository) => gitHostOf(repository) !== null);
}

export type CoverageSummary = {
  products: number;
  projects: number;
  /** Projects whose repository is known: the only ones a Surplus project can match. */
  withRepository: number;
  supported: number;
  registered: number;
  unsupported: number;
  /** supported / withRepository, 0–1 (0 when nothing has a repository). */
  supportedShare: number;
  /** The same weighted by score: how much of what the portfolio relies on is supported. */
  supportedScoreShare: number;
};

export function summarizeCoverage(projects: readonly PortfolioProject[], productCount: number): CoverageSummary {
  const known = projects.filter((p) => p.repositories.length > 0);
  const supported = known.filter((p) => p.coverage === 'supported');
  const registered = known.filter((p) => p.coverage === 'registered');
  const totalScore = known.reduce((sum, p) => sum + p.score, 0);
  const supportedScore = supported.reduce((sum, p) => sum + p.score, 0);
  return {
    products: productCount,
    projects: projects.length,
    withRepository: known.length,
    supported: supported.length,
    registered: registered.length,
    unsupported: known.length - supported.length - registered.length,
    supportedShare: known.length ? Math.round((supported.length / known.length) * 10_000) / 10_000 : 0,
    supportedScoreShare: totalScore > 0 ? Math.round((supportedScore / totalScore) * 10_000) / 10_000 : 0,
  };
}

export type HistoryUpload = { id: string; productId: string; uploadedAt: Date };
export type CoveragePoint = CoverageSummary & { at: Date };

/**
 * Coverage as it stood after each change: at every upload, at every start or end of a grant of a
 * matched project (`changes`) and now. At each moment every product counts with its latest upload
 * so far, and a project counts as supported when one of its Surplus projects had a grant running then.
 */
export function coverageHistory(input: {
  uploads: readonly HistoryUpload[];
  usesByUpload: ReadonlyMap<string, readonly ProjectUse[]>;
  overrides: readonly Override[];
  signals: ReadonlyMap<string, Signal>;
  matchAt(repository: string, at: Date): readonly SurplusMatch[];
  changes: readonly Date[];
  now: Date;
}): CoveragePoint[] {
  const uploads = [...input.uploads].sort((a, b) => a.uploadedAt.getTime() - b.uploadedAt.getTime());
  const first = uploads[0];
  if (!first) return [];
  const times = new Set<number>(uploads.map((u) => u.uploadedAt.getTime()));
  for (const change of input.changes) if (change.getTime() > first.uploadedAt.getTime() && change <= input.now) times.add(change.getTime());
  times.add(input.now.getTime());
  const points: CoveragePoint[] = [];
  const latest = new Map<string, HistoryUpload>();
  let next = 0;
  for (const time of [...times].sort((a, b) => a - b)) {
    while (next < uploads.length && (uploads[next] as HistoryUpload).uploadedAt.getTime() <= time) {
      const upload = uploads[next++] as HistoryUpload;
      latest.set(upload.productId, upload);
    }
    const at = new Date(time);
    const uses = [...latest.values()].flatMap((upload) => input.usesByUpload.get(upload.id) ?? []);
    const ranked = rankPortfolio(uses, {
      overrides: input.overrides,
      signals: input.signals,
      match: (repository) => input.matchAt(repository, at),
    });
    points.push({ at, ...summarizeCoverage(ranked, latest.size) });
  }
  return points;
}
