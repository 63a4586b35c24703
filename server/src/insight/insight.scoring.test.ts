import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coverageHistory,
  effectiveUpstream,
  isInvitable,
  type Override,
  type ProjectUse,
  rankPortfolio,
  scorePortfolioProject,
  summarizeCoverage,
  type UpstreamRef,
} from './insight.scoring.ts';

const repo = (id: string, repository: string): UpstreamRef => ({
  id,
  key: repository,
  kind: 'repository',
  repository,
  owner: repository.split('/').slice(0, 2).join('/'),
  name: repository.split('/').slice(1).join('/'),
});
const use = (productId: string, upstream: UpstreamRef, facts: Partial<ProjectUse> = {}): ProjectUse => ({
  productId,
  upstream,
  packages: 1,
  direct: 1,
  minDepth: 1,
  paths: 1,
  isDevOnly: false,
  score: 7,
  purls: [`pkg:npm/${upstream.id}@1.0.0`],
  funding: [],
  ...facts,
});
const none = { overrides: [], signals: new Map(), match: () => [] };

describe('portfolio criticality', () => {
  it('scores by hand: one product, direct, one package, one path, no signals', () => {
    // usage 4·log2(2) = 4, proximity 4/1 = 4, breadth 2·log2(2) = 2, reach log2(2) = 1, signals 0.
    const { score, terms } = scorePortfolioProject({
      products: 1,
      minDepth: 1,
      packages: 1,
      paths: 1,
      isDevOnly: false,
      criticalityScore: null,
      dependentsCount: null,
    });
    assert.deepEqual(terms, { usage: 4, proximity: 4, breadth: 2, reach: 1, signals: 0, devFactor: 1 });
    assert.equal(score, 11);
  });

  it('scores by hand: three products, depth 2, three packages, 7 paths, signals 0.5 and 999 dependents, dev-only', () => {
    // usage 4·log2(4) = 8, proximity 2, breadth 2·log2(4) = 4, reach log2(8) = 3, signals 2 + log10(1000) = 5; × ½.
    const { score, terms } = scorePortfolioProject({
      products: 3,
      minDepth: 2,
      packages: 3,
      paths: 7,
      isDevOnly: true,
      criticalityScore: 0.5,
      dependentsCount: 999,
    });
    assert.deepEqual(terms, { usage: 8, proximity: 2, breadth: 4, reach: 3, signals: 5, devFactor: 0.5 });
    assert.equal(score, 11);
  });

  it('adds up products, paths and packages across products and ranks projects many products share first', () => {
    const shared = repo('a', 'github.com/x/shared');
    const single = repo('b', 'github.com/y/single');
    const ranked = rankPortfolio(
      [
        use('p1', shared, { minDepth: 3, paths: 2, purls: ['pkg:npm/s@1', 'pkg:npm/t@1'], packages: 2, direct: 0 }),
        use('p2', shared, { minDepth: 2, paths: 5, purls: ['pkg:npm/s@1'], direct: 0 }),
        use('p1', single, { minDepth: 1 }),
      ],
      none,
    );
    assert.deepEqual(
      ranked.map((p) => [p.rank, p.upstream.key, p.productIds.length, p.packages, p.paths, p.minDepth, p.directProducts]),
      [
        [1, 'github.com/x/shared', 2, 2, 7, 2, 0],
        [2, 'github.com/y/single', 1, 1, 1, 1, 1],
      ],
    );
    // shared: 4·log2(3) + 4/2 + 2·log2(3) + log2(8) = 6.34 + 2 + 3.17 + 3 = 14.51; single: 11.
    assert.equal(ranked[0]?.score, 14.51);
    assert.equal(ranked[1]?.score, 11);
  });

  it('groups repositories by override, a repository override winning over its owner’s', () => {
    const group: UpstreamRef = { id: 'g', key: 'group:apache', kind: 'group', repository: null, owner: null, name: 'Apache' };
    const other: UpstreamRef = { id: 'h', key: 'group:kafka', kind: 'group', repository: null, owner: null, name: 'Kafka' };
    const overrides: Override[] = [
      { id: 'o1', matchKind: 'owner', match: 'github.com/apache', group },
      { id: 'o2', matchKind: 'repository', match: 'github.com/apache/kafka', group: other },
    ];
    assert.equal(effectiveUpstream(repo('1', 'github.com/apache/commons-io'), overrides).id, 'g');
    assert.equal(effectiveUpstream(repo('2', 'github.com/apache/kafka'), overrides).id, 'h');
    assert.equal(effectiveUpstream(repo('3', 'github.com/other/x'), overrides).id, '3');
    const ranked = rankPortfolio(
      [use('p1', repo('1', 'github.com/apache/commons-io')), use('p2', repo('4', 'github.com/apache/commons-lang'))],
      { ...none, overrides },
    );
    assert.equal(ranked.length, 1);
    assert.deepEqual(ranked[0]?.repositories, ['github.com/apache/commons-io', 'github.com/apache/commons-lang']);
    assert.equal(ranked[0]?.productIds.length, 2);
  });

  it('marks coverage from the matched Surplus projects and takes the strongest signal of a group', () => {
    const a = repo('a', 'github.com/x/a');
    const b = repo('b', 'github.com/x/b');
    const c: UpstreamRef = { id: 'c', key: 'pkg:cargo/serde', kind: 'package', repository: null, owner: null, name: 'cargo/serde' };
    const ranked = rankPortfolio([use('p', a), use('p', b), use('p', c)], {
      overrides: [],
      signals: new Map([['github.com/x/a', { criticalityScore: 0.9, dependentsCount: null }]]),
      match: (repository) =>
        repository === 'github.com/x/a'
          ? [{ id: 's1', slug: 'a', name: 'A', isSupported: true }]
          : repository === 'github.com/x/b'
            ? [{ id: 's2', slug: 'b', name: 'B', isSupported: false }]
            : [],
    });
    const byKey = new Map(ranked.map((p) => [p.upstream.key, p]));
    assert.equal(byKey.get('github.com/x/a')?.coverage, 'supported');
    assert.equal(byKey.get('github.com/x/a')?.terms.signals, 3.6);
    assert.equal(byKey.get('github.com/x/b')?.coverage, 'registered');
    assert.equal(byKey.get('pkg:cargo/serde')?.coverage, 'unsupported');
    assert.equal(isInvitable(byKey.get('github.com/x/b') as never), true);
    assert.equal(isInvitable(byKey.get('github.com/x/a') as never), false);
    assert.equal(isInvitable(byKey.get('pkg:cargo/serde') as never), false);
    const summary = summarizeCoverage(ranked, 1);
    assert.deepEqual(
      { ...summary, supportedScoreShare: undefined },
      {
        products: 1,
        projects: 3,
        withRepository: 2,
        supported: 1,
        registered: 1,
        unsupported: 0,
        supportedShare: 0.5,
        supportedScoreShare: undefined,
      },
    );
  });

  it('replays coverage over time: each product at its latest upload, support as the grants ran', () => {
    const a = repo('a', 'github.com/x/a');
    const b = repo('b', 'github.com/x/b');
    const t = (day: number) => new Date(Date.UTC(2026, 0, day));
    const grantStart = t(5);
    const points = coverageHistory({
      uploads: [
        { id: 'u2', productId: 'p2', uploadedAt: t(3) },
        { id: 'u1', productId: 'p1', uploadedAt: t(1) },
        { id: 'u3', productId: 'p1', uploadedAt: t(7) },
      ],
      usesByUpload: new Map([
        ['u1', [use('p1', a)]],
        ['u2', [use('p2', a), use('p2', b)]],
        ['u3', [use('p1', b)]],
      ]),
      overrides: [],
      signals: new Map(),
      matchAt: (repository, at) =>
        repository === 'github.com/x/a' ? [{ id: 's', slug: 'a', name: 'A', isSupported: at >= grantStart }] : [],
      changes: [grantStart],
      now: t(10),
    });
    assert.deepEqual(
      points.map((p) => [p.at.getUTCDate(), p.products, p.withRepository, p.supported]),
      [
        [1, 1, 1, 0],
        [3, 2, 2, 0],
        [5, 2, 2, 1],
        [7, 2, 2, 1],
        [10, 2, 2, 1],
      ],
    );
  });
});
