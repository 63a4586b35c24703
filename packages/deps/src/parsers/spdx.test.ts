import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const SBOM = 'spdx-2.3__psastras_sbom-rs__examples_cargo-binary_sbom.spdx.json';

describe('SPDX 2.3 JSON', () => {
  it('cargo-sbom output (nothing DESCRIBED): the crate nothing depends on is the product; 35 packages, 1 direct', () => {
    const result = scanFixture(SBOM);
    assert.equal(result.format, 'spdx-json');
    assert.equal(result.formatVersion, '2.3');
    assert.deepEqual(
      result.graph.roots.map((r) => r.id),
      ['pkg:generic/cargo-binary'],
    );
    // jq '.packages | length' → 36, of which cargo-binary is the product;
    // jq '[.packages[].externalRefs[]?.referenceLocator] | unique | length' → 35
    const doc = JSON.parse(fixtureText(SBOM));
    assert.equal(doc.packages.length, 36);
    assert.equal(result.packages, 35);
    // jq '[.relationships[] | select(.spdxElementId == "SPDXRef-Package-cargo-binary-0.1.0")] | length' → 1 (DEPENDS_ON clap)
    assert.equal(result.direct, 1);
    assert.equal(result.graph.component('pkg:cargo/clap@4.3.11')?.isDirect, true);
    assertInvariants(result);
  });

  it('finds every path to a crate pulled in through two dependents, shortest first', () => {
    const result = scanFixture(SBOM);
    // jq '[.relationships[] | select(.relatedSpdxElement == "SPDXRef-Package-utf8parse-0.2.1") | .spdxElementId]'
    // → anstyle-parse and anstream (which also depends on anstyle-parse)
    const paths = result.graph.pathsTo('pkg:cargo/utf8parse@0.2.1', 1000);
    assert.ok(paths.length >= 2);
    for (const path of paths) {
      assert.equal(path[0], 'pkg:generic/cargo-binary');
      assert.equal(path.at(-1), 'pkg:cargo/utf8parse@0.2.1');
    }
    assert.deepEqual(new Set(paths.map((path) => path.at(-2))), new Set(['pkg:cargo/anstyle-parse@0.2.1', 'pkg:cargo/anstream@0.3.2']));
    // The graph has no cycles here, so the counted paths and the enumerated ones agree.
    assert.equal(paths.length, result.graph.component('pkg:cargo/utf8parse@0.2.1')?.pathCount);
    // The shortest comes first: cargo-binary → clap → clap_builder → anstream → utf8parse
    assert.equal(paths[0]?.length, 5);
  });

  it('takes the repository from a forge homepage when the download location is a registry', () => {
    const result = scanFixture(SBOM);
    // "homepage": "https://github.com/dguo/strsim-rs", "downloadLocation": "registry+https://github.com/rust-lang/crates.io-index"
    assert.equal(result.graph.component('pkg:cargo/strsim@0.10.0')?.repository, 'github.com/dguo/strsim-rs');
    assert.ok(!result.projects.some((p) => p.repository?.includes('crates.io-index')));
  });

  it('reads DESCRIBES, DEPENDENCY_OF, CONTAINS and DEV_DEPENDENCY_OF (hand-written document)', () => {
    const pkg = (id: string, name: string, version: string, extra: object = {}) => ({
      SPDXID: id,
      name,
      versionInfo: version,
      downloadLocation: 'NOASSERTION',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:pypi/${name}@${version}` }],
      ...extra,
    });
    const doc = {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: 'service',
      packages: [
        pkg('SPDXRef-app', 'service', '1.0'),
        pkg('SPDXRef-flask', 'Flask', '3.0.0', { downloadLocation: 'git+https://github.com/pallets/flask.git@3.0.0' }),
        pkg('SPDXRef-werkzeug', 'Werkzeug', '3.0.1'),
        pkg('SPDXRef-vendored', 'six', '1.16.0'),
        pkg('SPDXRef-pytest', 'pytest', '8.0.0'),
      ],
      relationships: [
        { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-app' },
        { spdxElementId: 'SPDXRef-flask', relationshipType: 'DEPENDENCY_OF', relatedSpdxElement: 'SPDXRef-app' },
        { spdxElementId: 'SPDXRef-flask', relationshipType: 'DEPENDS_ON', relatedSpdxElement: 'SPDXRef-werkzeug' },
        { spdxElementId: 'SPDXRef-app', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-vendored' },
        { spdxElementId: 'SPDXRef-pytest', relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: 'SPDXRef-app' },
      ],
    };
    const result = scan(JSON.stringify(doc), 'service.spdx.json');
    assert.deepEqual(
      result.graph.roots.map((r) => r.id),
      ['pkg:pypi/service@1.0'],
    );
    assert.equal(result.packages, 4);
    assert.equal(result.direct, 3); // flask, six, pytest
    const graph = result.graph;
    assert.equal(graph.component('pkg:pypi/flask@3.0.0')?.repository, 'github.com/pallets/flask');
    assert.equal(graph.component('pkg:pypi/werkzeug@3.0.1')?.depth, 2);
    assert.equal(graph.component('pkg:pypi/pytest@8.0.0')?.isDev, true);
    assert.equal(graph.component('pkg:pypi/flask@3.0.0')?.isDev, false);
    assertInvariants(result);
  });

  it('a described root with no edge cannot say what is direct; its packages still count', () => {
    const doc = {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      documentDescribes: ['SPDXRef-image'],
      packages: [
        { SPDXID: 'SPDXRef-image', name: 'image', versionInfo: '1' },
        { SPDXID: 'SPDXRef-a', name: 'a', versionInfo: '1' },
        { SPDXID: 'SPDXRef-b', name: 'b', versionInfo: '2' },
      ],
      relationships: [{ spdxElementId: 'SPDXRef-a', relationshipType: 'DEPENDS_ON', relatedSpdxElement: 'SPDXRef-b' }],
    };
    const result = scan(JSON.stringify(doc), 'sbom.json');
    assert.equal(result.packages, 2);
    assert.equal(result.direct, null);
    assert.equal(result.graph.component('pkg:generic/b@2')?.depth, 2);
    assertInvariants(result);
  });

  it('reads a package whose referenceType is an object with a toString key (String() threw a TypeError)', () => {
    const doc = {
      spdxVersion: 'SPDX-2.3',
      packages: [
        { SPDXID: 'SPDXRef-a', name: 'a', versionInfo: '1', externalRefs: [{ referenceType: { toString: 1 }, referenceLocator: 'x' }] },
      ],
    };
    const result = scan(JSON.stringify(doc), 'sbom.spdx.json');
    assert.deepEqual(
      result.graph.components.map((c) => [c.purl, c.repository]),
      [['pkg:generic/a@1', null]],
    );
    assertInvariants(result);
  });
});
