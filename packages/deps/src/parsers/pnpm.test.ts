import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError } from '../errors.ts';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const LOCK = 'pnpm-lockv9__unjs_h3__pnpm-lock.yaml';

describe('pnpm-lock.yaml', () => {
  it('v9 (unjs/h3): 613 packages, 31 direct over three importers', () => {
    const result = scanFixture(LOCK);
    assert.equal(result.format, 'pnpm-lock.yaml');
    assert.equal(result.formatVersion, '9.0');
    // awk '/^packages:/{p=1;next} /^snapshots:/{p=0} p' pnpm-lock.yaml | grep -cE "^  [^ ]" → 613 (v9 keys are name@version)
    const section =
      fixtureText(LOCK)
        .split(/^packages:$/m)[1]
        ?.split(/^snapshots:$/m)[0] ?? '';
    assert.equal(section.match(/^ {2}\S/gm)?.length, 613);
    assert.equal(result.packages, 613);
    // importers ., examples, playground; `link:` references (h3 itself) are the product's own
    assert.deepEqual(result.graph.roots.map((r) => r.id).sort(), ['root:.', 'root:examples', 'root:playground']);
    // awk over importers: name@version of each non-link `version:` (aliases like h3@1.15.1 taken as they are) | sort -u | wc -l → 31
    assert.equal(result.direct, 31);
    assertInvariants(result);
  });

  it('v9 has no dev flag: it follows from the importers’ devDependencies', () => {
    const result = scanFixture(LOCK);
    const graph = result.graph;
    assert.equal(graph.component('pkg:npm/vitest@3.1.1')?.isDev, true);
    assert.equal(graph.component('pkg:npm/cookie-es@2.0.0')?.isDev, false);
    // listhen is a dependency of the playground importer, so it and what it pulls in ship.
    assert.equal(graph.component('pkg:npm/listhen@1.9.0')?.isDev, false);
    // The alias h3-v1 (npm:h3@^1.15.1) is h3 1.15.1, a package like any other.
    assert.equal(graph.component('pkg:npm/h3@1.15.1')?.isDirect, true);
    // Peer variants (@types/react-dom@19.1.2(@types/react@19.1.2)) are one package.
    assert.equal(graph.components.filter((c) => c.name === 'react-dom' && c.namespace === '@types').length, 1);
  });

  it('v6 keys carry a leading slash and peer suffixes; dev flags come from the lock (hand-written)', () => {
    const lock = `lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      react-dom:
        specifier: ^18.2.0
        version: 18.2.0(react@18.2.0)
      '@acme/util':
        specifier: workspace:*
        version: link:packages/util
    devDependencies:
      typescript:
        specifier: ^5.0.0
        version: 5.0.4

  packages/util:
    dependencies:
      lodash:
        specifier: ^4.17.21
        version: /lodash@4.17.21

packages:

  /js-tokens@4.0.0:
    resolution: {integrity: sha512-RdJUflcE3cUzKiMqQgsCu06FPu9UdIJO0beYbPhHN4k6apgJtifcoCtT9bcxOpYBtpD2kCM6Sbzg4CausW/PKQ==}
    dev: false

  /lodash@4.17.21:
    resolution: {integrity: sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==}
    dev: false

  /loose-envify@1.4.0:
    resolution: {integrity: sha512-lyuxPGr/Wfhrlem2CL/UcnUc1zcqKAImBDzukY7Y5F/yQiNdko6+fRLevlw1HgMySw7f611UIY408EtxRSoK3Q==}
    hasBin: true
    dependencies:
      js-tokens: 4.0.0
    dev: false

  /react-dom@18.2.0(react@18.2.0):
    resolution: {integrity: sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==}
    peerDependencies:
      react: ^18.2.0
    dependencies:
      loose-envify: 1.4.0
      react: 18.2.0
      scheduler: 0.23.0
    dev: false

  /react@18.2.0:
    resolution: {integrity: sha512-/3IjMdb2L9QbBdWiW5e0JRakBWt8ZCr4Nf4CvS+QBlxLQW85vh5Wd3vZiJ3H4XSw2hgEgNE+AJ7BGx5kdeTA7Q==}
    dependencies:
      loose-envify: 1.4.0
    dev: false

  /scheduler@0.23.0:
    resolution: {integrity: sha512-CtuThmgHNg7zIZWAXi3AsyIzA3n4xx7aNyjQC2mUhd9lc6ZkRPKtxOY/SDq9mQlkQpHt8b8aEDMvJSCCECNBYg==}
    dependencies:
      loose-envify: 1.4.0
    dev: false

  /typescript@5.0.4:
    resolution: {integrity: sha512-cW9T5W9xY37cc+jfEnaUvX91foxtHkza3Nw3wkoF4sSlKn0MONdkdEndig/qPBWXNkmplh3NzayQzCiHM4/hqw==}
    engines: {node: '>=12.20'}
    hasBin: true
    dev: true

  github.com/acme/widget/0123456789abcdef:
    resolution: {tarball: https://codeload.github.com/acme/widget/tar.gz/0123456789abcdef}
    name: widget
    version: 1.0.0
    dev: false
`;
    const result = scan(lock, 'pnpm-lock.yaml');
    assert.equal(result.formatVersion, '6.0');
    assert.equal(result.packages, 8);
    // react-dom and typescript from the root, lodash from the member packages/util; @acme/util is a link
    assert.equal(result.direct, 3);
    const graph = result.graph;
    assert.equal(graph.component('pkg:npm/typescript@5.0.4')?.isDev, true);
    assert.equal(graph.component('pkg:npm/react@18.2.0')?.depth, 2);
    assert.equal(graph.component('pkg:npm/js-tokens@4.0.0')?.depth, 3); // react-dom → loose-envify → js-tokens
    assert.equal(graph.component('pkg:npm/widget@1.0.0')?.repository, 'github.com/acme/widget');
    // js-tokens through loose-envify, which react-dom reaches three ways (itself, react, scheduler)
    assert.equal(graph.pathsTo('pkg:npm/js-tokens@4.0.0').length, 3);
    assertInvariants(result);
  });

  it('v5.4 of a single project: importer fields at the top, keys /name/version_peer (hand-written)', () => {
    const lock = `lockfileVersion: 5.4

specifiers:
  '@babel/core': ^7.20.0
  react-dom: ^18.2.0

dependencies:
  react-dom: 18.2.0_react@18.2.0

devDependencies:
  '@babel/core': 7.20.12

packages:

  /@babel/core/7.20.12:
    resolution: {integrity: sha512-XsMfHovsUYHFMdrIHkZphTN/2Hzzi78R08NuHfDBehym2VsPDL6Zn/JAD/JQdnRvbSsbQc4mVaU1m6JgtTEElg==}
    engines: {node: '>=6.9.0'}
    dev: true

  /react-dom/18.2.0_react@18.2.0:
    resolution: {integrity: sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==}
    peerDependencies:
      react: ^18.2.0
    dependencies:
      react: 18.2.0
    dev: false

  /react/18.2.0:
    resolution: {integrity: sha512-/3IjMdb2L9QbBdWiW5e0JRakBWt8ZCr4Nf4CvS+QBlxLQW85vh5Wd3vZiJ3H4XSw2hgEgNE+AJ7BGx5kdeTA7Q==}
    dev: false
`;
    const result = scan(lock, 'pnpm-lock.yaml');
    assert.equal(result.formatVersion, '5.4');
    assert.equal(result.packages, 3);
    assert.equal(result.direct, 2);
    assert.equal(result.graph.component('pkg:npm/%40babel/core@7.20.12')?.isDev, true);
    assert.equal(result.graph.component('pkg:npm/react@18.2.0')?.depth, 2);
    assertInvariants(result);
  });

  it('malformed YAML names the line and column (the full parser reports it)', () => {
    const broken = "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies: {a: [1, 2}\n";
    assert.throws(
      () => scan(broken, 'pnpm-lock.yaml'),
      (error: unknown) => error instanceof ParseError && error.format === 'pnpm-lock.yaml' && error.line === 5 && error.column !== null,
    );
  });

  it('a lockfileVersion that is a mapping is a ParseError, not a TypeError from String()', () => {
    assert.throws(
      () => scan('lockfileVersion:\n  toString: 1\n', 'pnpm-lock.yaml'),
      (error: unknown) => error instanceof ParseError && error.reason === 'lockfileVersion is not a version number',
    );
  });

  it('an importer dependency whose version is a mapping with a toString key is unresolved (String() threw a TypeError)', () => {
    const lock =
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version:\n          toString: 1\n";
    const result = scan(lock, 'pnpm-lock.yaml');
    assert.equal(result.packages, 0);
    assert.ok(result.notes.some((note) => note.startsWith('1 dependency references in pnpm-lock.yaml point at no package')));
    assertInvariants(result);
  });
});
