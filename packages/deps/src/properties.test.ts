/**
 * Whatever the input, a scan either returns a consistent graph or throws one of the two typed errors.
 * Random bytes rarely get past format detection, so most cases dress random data in each format's
 * signature (random JSON under CycloneDX/SPDX/package-lock/composer keys, random YAML for pnpm and
 * yarn berry, random text after go.mod/yarn v1/Gemfile headers) or damage the real fixtures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify as toToml } from 'smol-toml';
import { stringify as toYaml } from 'yaml';
import { ParseError, UnrecognizedFormatError } from './errors.ts';
import { assertInvariants, fixture } from './fixtures.ts';
import { type Bytes, scan } from './scan.ts';

const NAMES = [
  'bom.json',
  'sbom.spdx.json',
  'package-lock.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'go.mod',
  'go.sum',
  'Cargo.lock',
  'poetry.lock',
  'requirements.txt',
  'Gemfile.lock',
  'composer.lock',
  'upload',
];
const COMPANIONS = ['package.json', 'Cargo.toml', 'pyproject.toml', 'go.mod', 'go.sum', 'composer.json', 'requirements.in'];

/** Scans and checks: a result must hold the graph invariants; an error must be one of ours. */
function scanChecked(bytes: Bytes, name: string, companion?: { bytes: Bytes; name: string }): void {
  let result: ReturnType<typeof scan>;
  try {
    result = scan(bytes, name, companion);
  } catch (error) {
    if (error instanceof ParseError || error instanceof UnrecognizedFormatError) return;
    throw error;
  }
  assertInvariants(result);
  for (const component of result.graph.components.slice(0, 5)) assert.ok(result.graph.pathsTo(component.purl, 3).length >= 1);
}

const RUNS = Number(process.env.DEPS_PROPERTY_RUNS ?? 150);
const json = fc.jsonValue({ maxDepth: 4 });

describe('scan never fails with anything but a typed error', () => {
  it('on arbitrary bytes under any name', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(...NAMES), (bytes, name) => scanChecked(bytes, name)),
      { numRuns: RUNS },
    );
  });

  it('on arbitrary text under any name, with an arbitrary companion', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 2000 }),
        fc.constantFrom(...NAMES),
        fc.string({ maxLength: 500 }),
        fc.constantFrom(...COMPANIONS),
        (text, name, companion, companionName) => scanChecked(text, name, { bytes: companion, name: companionName }),
      ),
      { numRuns: RUNS },
    );
  });

  it('on random JSON shaped like each JSON format', () => {
    const shapes = fc.oneof(
      fc
        .record({ bomFormat: fc.constant('CycloneDX'), specVersion: json, metadata: json, components: json, dependencies: json })
        .map((v) => [v, 'bom.json'] as const),
      fc
        .record({
          bomFormat: fc.constant('CycloneDX'),
          metadata: fc.record({ component: json }),
          components: fc.array(json),
          dependencies: fc.array(json),
        })
        .map((v) => [v, 'bom.json'] as const),
      fc
        .record({
          spdxVersion: fc.constant('SPDX-2.3'),
          SPDXID: json,
          packages: fc.array(json),
          relationships: fc.array(json),
          documentDescribes: json,
        })
        .map((v) => [v, 'x.spdx.json'] as const),
      fc
        .record({
          lockfileVersion: fc.constantFrom(1, 2, 3, 'x' as unknown as number),
          name: json,
          packages: fc.dictionary(fc.string(), json),
          dependencies: fc.dictionary(fc.string(), json),
        })
        .map((v) => [v, 'package-lock.json'] as const),
      fc.record({ 'content-hash': json, packages: fc.array(json), 'packages-dev': json }).map((v) => [v, 'composer.lock'] as const),
    );
    fc.assert(
      fc.property(shapes, json, ([value, name], companion) =>
        scanChecked(JSON.stringify(value), name, { bytes: JSON.stringify(companion), name: 'package.json' }),
      ),
      { numRuns: RUNS },
    );
  });

  it('on random documents close enough to each format to reach its graph code', () => {
    // Small pools of names so that references between entries resolve often, mixed with junk.
    const name = fc.constantFrom('a', 'b', '@s/c', 'd');
    const version = fc.constantFrom('1.0.0', '2.0.0', '1.0.0(b@2.0.0)', 'npm:b@2.0.0', 'link:packages/x');
    const junk = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: json });
    const ref = junk(fc.constantFrom('r0', 'r1', 'r2', 'r3', 'app'));
    const purl = junk(
      fc.constantFrom('pkg:npm/a@1.0.0', 'pkg:npm/%40s/c@2.0.0?x=1', 'pkg:golang/github.com/A/b@v1.0.0', 'pkg:pypi/B_c@1', 'pkg:', 'npm/a'),
    );
    const component = fc.record(
      {
        'bom-ref': ref,
        name: junk(name),
        purl,
        scope: junk(fc.constantFrom('optional', 'excluded', 'required')),
        components: junk(fc.array(fc.record({ 'bom-ref': ref, purl }), { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    const cyclonedx = fc.record({
      bomFormat: fc.constant('CycloneDX'),
      metadata: fc.record({
        component: fc.record(
          { 'bom-ref': ref, name: junk(name), purl, components: junk(fc.array(component, { maxLength: 2 })) },
          { requiredKeys: [] },
        ),
      }),
      components: fc.array(component, { maxLength: 8 }),
      dependencies: fc.array(fc.record({ ref, dependsOn: junk(fc.array(ref, { maxLength: 4 })) }, { requiredKeys: [] }), { maxLength: 8 }),
    });
    const spdxId = junk(fc.constantFrom('SPDXRef-DOCUMENT', 'SPDXRef-a', 'SPDXRef-b', 'SPDXRef-c', 'SPDXRef-f'));
    const spdx = fc.record({
      spdxVersion: fc.constant('SPDX-2.3'),
      SPDXID: fc.constant('SPDXRef-DOCUMENT'),
      documentDescribes: junk(fc.array(spdxId, { maxLength: 2 })),
      packages: fc.array(
        fc.record(
          {
            SPDXID: spdxId,
            name: junk(name),
            versionInfo: junk(version),
            downloadLocation: junk(fc.constantFrom('NONE', 'git+https://github.com/a/b.git@v1', 'registry+https://x')),
            externalRefs: junk(fc.array(fc.record({ referenceType: fc.constant('purl'), referenceLocator: purl }), { maxLength: 2 })),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 6 },
      ),
      relationships: fc.array(
        fc.record(
          {
            spdxElementId: spdxId,
            relatedSpdxElement: spdxId,
            relationshipType: junk(
              fc.constantFrom(
                'DEPENDS_ON',
                'DEPENDENCY_OF',
                'CONTAINS',
                'DESCRIBES',
                'GENERATED_FROM',
                'DEV_DEPENDENCY_OF',
                'OPTIONAL_DEPENDENCY_OF',
              ),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 8 },
      ),
    });
    const path = junk(
      fc.constantFrom(
        '',
        'node_modules/a',
        'node_modules/b',
        'node_modules/a/node_modules/b',
        'node_modules/@s/c',
        'packages/x',
        'node_modules/x',
      ),
    );
    const deps = junk(fc.dictionary(name, fc.constantFrom('^1', '*', 'npm:b@^2'), { maxKeys: 3 }));
    const npmEntry = fc.record(
      {
        name: junk(name),
        version: junk(version),
        link: fc.boolean(),
        resolved: junk(fc.constantFrom('packages/x', 'https://codeload.github.com/a/b/tar.gz/1')),
        dev: fc.boolean(),
        optional: fc.boolean(),
        dependencies: deps,
        devDependencies: deps,
        optionalDependencies: deps,
        requires: deps,
      },
      { requiredKeys: [] },
    );
    const npm = fc.record({
      lockfileVersion: fc.constantFrom(1, 2, 3),
      name: junk(name),
      version: junk(version),
      packages: fc
        .array(fc.tuple(path, npmEntry), { maxLength: 8 })
        // Junk keys are JSON values; String() would throw on one with a `toString` key ({"toString": 0}).
        .map((pairs) => Object.fromEntries(pairs.map(([k, v]) => [typeof k === 'string' ? k : JSON.stringify(k), v]))),
      dependencies: fc.dictionary(name, npmEntry, { maxKeys: 4 }),
    });
    const pnpmKey = fc.constantFrom('a@1.0.0', 'b@2.0.0', '/a@1.0.0', '/b/2.0.0', '@s/c@1.0.0(b@2.0.0)', 'github.com/a/b/1');
    const pnpmDeps = junk(fc.dictionary(name, fc.oneof(version, fc.record({ specifier: fc.constant('^1'), version }))));
    const pnpm = fc.record({
      lockfileVersion: fc.constantFrom('9.0', '6.0', '5.4'),
      importers: junk(
        fc.dictionary(
          fc.constantFrom('.', 'packages/x'),
          fc.record({ dependencies: pnpmDeps, devDependencies: pnpmDeps }, { requiredKeys: [] }),
        ),
      ),
      packages: fc.dictionary(
        pnpmKey,
        junk(
          fc.record(
            {
              dependencies: pnpmDeps,
              dev: fc.boolean(),
              resolution: junk(fc.record({ tarball: fc.constant('https://codeload.github.com/a/b/tar.gz/1') })),
            },
            { requiredKeys: [] },
          ),
        ),
      ),
      snapshots: fc.dictionary(pnpmKey, junk(fc.record({ dependencies: pnpmDeps, optional: fc.boolean() }, { requiredKeys: [] }))),
    });
    const documents = fc.oneof(
      cyclonedx.map((v) => [JSON.stringify(v), 'bom.json'] as const),
      spdx.map((v) => [JSON.stringify(v), 'sbom.spdx.json'] as const),
      npm.map((v) => [JSON.stringify(v), 'package-lock.json'] as const),
      pnpm.map((v) => [toYaml(v), 'pnpm-lock.yaml'] as const),
    );
    const manifest = fc.record(
      { name: junk(name), version: junk(version), dependencies: deps, devDependencies: deps },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(documents, manifest, ([text, fileName], companion) =>
        scanChecked(text, fileName, { bytes: JSON.stringify(companion), name: 'package.json' }),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('on random YAML and TOML shaped like pnpm, yarn berry, Cargo.lock and poetry.lock', () => {
    const shapes = fc.oneof(
      fc
        .record({ lockfileVersion: fc.constantFrom('9.0', '6.0', 5.4), importers: json, packages: json, snapshots: json })
        .map((v) => toYaml(v)),
      fc.dictionary(fc.string(), json).map((v) => `__metadata:\n  version: 8\n\n${toYaml(v)}`),
    );
    fc.assert(
      fc.property(shapes, fc.constantFrom('pnpm-lock.yaml', 'yarn.lock'), (text, name) => scanChecked(text, name)),
      { numRuns: RUNS },
    );
    const toml = fc.record({
      package: fc.array(
        fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.string(), fc.integer(), fc.array(fc.string()), fc.boolean())),
      ),
    });
    fc.assert(
      fc.property(toml, fc.constantFrom('Cargo.lock', 'poetry.lock'), (value, name) => scanChecked(toToml(value), name)),
      { numRuns: RUNS },
    );
  });

  it('on random lines after each text format’s header', () => {
    const headers = [
      '# yarn lockfile v1\n\n',
      'module example.com/m\n\ngo 1.22\n',
      'GEM\n  remote: https://rubygems.org/\n  specs:\n',
      'flask==3.0.0\n',
    ];
    const line = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        '  version "1.0.0"',
        '  dependencies:',
        '    a "^1"',
        'a@^1:',
        'require (',
        ')',
        'replace a => ../b',
        '    rack (3.0.0)',
        '      rack',
        'DEPENDENCIES',
        '  rack!',
        '# via -r x.in',
        '    #   flask',
        '-r base.txt',
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.array(line, { maxLength: 40 }), fc.constantFrom(...NAMES), (header, lines, name) =>
        scanChecked(header + lines.join('\n'), name),
      ),
      { numRuns: RUNS },
    );
  });

  it('on damaged real files: cut, spliced, with bytes replaced', () => {
    // The start of each fixture (whole small ones) keeps each run fast enough for a shared machine.
    const bases = [
      'cyclonedx-1.4__DependencyTrack_dependency-track__bom.json',
      'spdx-2.3__psastras_sbom-rs__examples_cargo-binary_sbom.spdx.json',
      'npm-lockv3__markedjs_marked__package-lock.json',
      'pnpm-lockv9__unjs_h3__pnpm-lock.yaml',
      'yarn-lockv1__webpack_webpack__yarn.lock',
      'go__cli_cli__go.mod',
      'go__cli_cli__go.sum',
      'cargo__sharkdp_bat__Cargo.lock',
      'pip-compile__pallets_flask__requirements_dev.txt',
      'bundler__rubygems_rubygems.org__Gemfile.lock',
      'composer__composer_composer__composer.lock',
    ].map((name) => ({ name, bytes: fixture(name).subarray(0, 24_000) }));
    const damage = fc.record({
      base: fc.constantFrom(...bases),
      at: fc.nat(),
      length: fc.nat({ max: 400 }),
      insert: fc.uint8Array({ maxLength: 40 }),
      keepName: fc.boolean(),
    });
    fc.assert(
      fc.property(damage, ({ base, at, length, insert, keepName }) => {
        const start = at % (base.bytes.length + 1);
        const damaged = new Uint8Array([...base.bytes.subarray(0, start), ...insert, ...base.bytes.subarray(start + length)]);
        scanChecked(damaged, keepName ? base.name : 'upload');
      }),
      { numRuns: RUNS },
    );
  });
});
