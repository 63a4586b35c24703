import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const BOM = 'cyclonedx-1.4__DependencyTrack_dependency-track__bom.json';

describe('CycloneDX JSON', () => {
  it('1.4 (DependencyTrack): 142 packages, the 26 the product depends on are direct', () => {
    const result = scanFixture(BOM);
    assert.equal(result.format, 'cyclonedx-json');
    assert.equal(result.formatVersion, '1.4');
    assert.equal(result.productName, 'dependency-track');
    // jq '[.components[].purl | split("?")[0]] | unique | length' → 142
    const bom = JSON.parse(fixtureText(BOM));
    assert.equal(new Set(bom.components.map((c: { purl: string }) => c.purl.split('?')[0])).size, 142);
    assert.equal(result.packages, 142);
    // jq --arg r "$(jq -r '.metadata.component["bom-ref"]' bom.json)" '.dependencies[] | select(.ref == $r) | .dependsOn | length' → 26
    assert.equal(result.direct, 26);
    assert.deepEqual(
      result.graph.roots.map((r) => r.id),
      ['pkg:maven/org.dependencytrack/dependency-track@4.6.0-SNAPSHOT'],
    );
    assertInvariants(result);
  });

  it('takes the repository from the vcs reference, qualifiers dropped from the identity', () => {
    const result = scanFixture(BOM);
    // "purl": "pkg:maven/us.springett/alpine-common@2.0.1-SNAPSHOT?type=jar", vcs https://github.com/stevespringett/Alpine.git
    const alpine = result.graph.component('pkg:maven/us.springett/alpine-common@2.0.1-SNAPSHOT');
    assert.equal(alpine?.repository, 'github.com/stevespringett/alpine');
    assert.equal(alpine?.isDirect, true);
    // Four alpine-* artifacts come from that one repository.
    const project = result.projects.find((p) => p.repository === 'github.com/stevespringett/alpine');
    assert.equal(project?.packages, 4);
    assert.equal(project?.owner, 'github.com/stevespringett');
    // Apache's gitbox URLs (…/repos/asf?p=commons-io.git) are the github.com/apache mirrors.
    assert.ok(result.projects.some((p) => p.repository === 'github.com/apache/commons-io'));
    // jq '[.components[] | select([.externalReferences[]? | .type] | index("vcs") | not)] | length' → 23 without any vcs reference
    const withoutVcs = bom().filter((c) => !(c.externalReferences ?? []).some((r) => r.type === 'vcs')).length;
    assert.equal(withoutVcs, 23);
    // Four more name an account, not a repository ("https://github.com/datanucleus/"): no repository either.
    const accountOnly = bom().filter((c) =>
      (c.externalReferences ?? []).some((r) => r.type === 'vcs' && r.url === 'https://github.com/datanucleus/'),
    ).length;
    assert.equal(accountOnly, 4);
    assert.equal(result.graph.components.filter((c) => c.repository === null).length, withoutVcs + accountOnly);
  });

  it('1.6 with nested components and the product’s own modules (hand-written: no 1.5/1.6 sample was available)', () => {
    const doc = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      metadata: {
        component: {
          'bom-ref': 'app',
          type: 'application',
          name: 'shop',
          version: '2.0.0',
          purl: 'pkg:npm/shop@2.0.0',
          components: [{ 'bom-ref': 'app-ui', type: 'library', name: 'shop-ui', purl: 'pkg:npm/shop-ui@2.0.0' }],
        },
      },
      components: [
        {
          'bom-ref': 'framework',
          name: 'framework',
          version: '5.0.0',
          purl: 'pkg:npm/%40acme/framework@5.0.0',
          externalReferences: [{ type: 'vcs', url: 'git+https://github.com/acme/framework.git' }],
          components: [
            { 'bom-ref': 'framework-core', name: 'core', purl: 'pkg:npm/%40acme/core@5.0.0?arch=x64' },
            { 'bom-ref': 'framework-core-copy', name: 'core', purl: 'pkg:npm/@acme/core@5.0.0' },
          ],
        },
        { 'bom-ref': 'lodash', name: 'lodash', purl: 'pkg:npm/lodash@4.17.21', scope: 'optional' },
        { 'bom-ref': 'jest', name: 'jest', purl: 'pkg:npm/jest@29.0.0', scope: 'excluded' },
        { 'bom-ref': 'orphan', name: 'orphan', version: '1.0', group: 'com.example' },
      ],
      dependencies: [
        { ref: 'app', dependsOn: ['framework', 'lodash'] },
        { ref: 'app-ui', dependsOn: ['jest'] },
        { ref: 'framework-core', dependsOn: ['lodash'] },
      ],
    };
    const result = scan(JSON.stringify(doc), 'bom.json');
    assert.equal(result.formatVersion, '1.6');
    // framework, core (two refs, one identity once the qualifier goes), lodash, jest, orphan
    assert.equal(result.packages, 5);
    // framework and lodash from the product, jest from its own module shop-ui
    assert.equal(result.direct, 3);
    assert.deepEqual(result.graph.roots.map((r) => r.id).sort(), ['pkg:npm/shop-ui@2.0.0', 'pkg:npm/shop@2.0.0']);
    const graph = result.graph;
    assert.deepEqual(graph.pathsTo('pkg:npm/%40acme/core@5.0.0'), [
      ['pkg:npm/shop@2.0.0', 'pkg:npm/%40acme/framework@5.0.0', 'pkg:npm/%40acme/core@5.0.0'],
    ]);
    assert.equal(graph.component('pkg:npm/jest@29.0.0')?.isDev, true);
    assert.equal(graph.component('pkg:npm/lodash@4.17.21')?.isOptional, true);
    // Not in the dependency graph: hung off the product by an inferred edge, never direct.
    const orphan = graph.component('pkg:generic/com.example/orphan@1.0');
    assert.equal(orphan?.isDirect, false);
    assert.equal(orphan?.depth, 1);
    assert.ok(graph.edges.some((e) => e.to === orphan?.purl && e.isInferred));
    assert.equal(result.projects.find((p) => p.repository === 'github.com/acme/framework')?.packages, 1);
    assertInvariants(result);
  });

  it('cannot say what is direct when the product is not in the dependency graph', () => {
    const result = scan(
      JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ name: 'a', purl: 'pkg:pypi/A_b@1' }] }),
      'x.json',
    );
    assert.equal(result.direct, null);
    assert.equal(result.graph.components[0]?.purl, 'pkg:pypi/a-b@1');
    assertInvariants(result);
  });

  it('reads a property whose value is an object with a toString key (String() threw a TypeError)', () => {
    const value = { toString: 1 };
    const bom = {
      bomFormat: 'CycloneDX',
      components: [{ name: 'a', version: '1', properties: [{ name: 'cdx:npm:package:development', value }] }],
    };
    const result = scan(JSON.stringify(bom), 'bom.json');
    assert.deepEqual(
      result.graph.components.map((c) => [c.purl, c.isDev]),
      [['pkg:generic/a@1', false]],
    );
    assertInvariants(result);
  });
});

type BomComponent = { externalReferences?: { type: string; url: string }[] };
function bom(): BomComponent[] {
  return JSON.parse(fixtureText(BOM)).components;
}
