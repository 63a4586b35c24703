import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const MARKED = 'npm-lockv3__markedjs_marked__package-lock.json';
const SURPLUS = 'npm-lockv3-workspaces__surplus__package-lock.json';

type LockEntry = { name?: string; version?: string; link?: boolean; dev?: boolean; devDependencies?: Record<string, string> };

/** A second count, straight from the JSON: distinct name@version of installed (non-link) folders. */
function installed(name: string): { purlish: Set<string>; entries: [string, LockEntry][] } {
  const packages = JSON.parse(fixtureText(name)).packages as Record<string, LockEntry>;
  const entries = Object.entries(packages).filter(([path, entry]) => /(^|\/)node_modules\//.test(path) && !entry.link);
  const purlish = new Set(entries.map(([path, entry]) => `${entry.name ?? path.split('node_modules/').pop()}@${entry.version}`));
  return { purlish, entries };
}

describe('package-lock.json', () => {
  it('v3 (markedjs/marked): 616 packages, 25 direct, dev flags from the lock', () => {
    const result = scanFixture(MARKED);
    assert.equal(result.format, 'package-lock.json');
    assert.equal(result.formatVersion, '3');
    // jq '[.packages | to_entries[] | select(.key != "") | ((.value.name // (.key | split("node_modules/") | last)) + "@" + .value.version)] | unique | length' → 616
    assert.equal(result.packages, 616);
    assert.equal(installed(MARKED).purlish.size, 616);
    // jq '.packages[""] | (.dependencies // {}) + (.devDependencies // {}) | length' → 25 (all dev)
    assert.equal(result.direct, 25);
    assert.ok(result.graph.components.filter((c) => c.isDirect).every((c) => c.isDev));
    assert.deepEqual(
      result.graph.roots.map((r) => r.id),
      ['pkg:npm/marked@18.0.9'],
    );
    assertInvariants(result);
  });

  it('reads an alias by its real name and a GitHub tarball as the repository', () => {
    const result = scanFixture(MARKED);
    // "node_modules/marked-repo": { "name": "marked", "version": "18.0.0", "resolved": "https://github.com/markedjs/marked/tarball/v18.0.0" }
    const alias = result.graph.component('pkg:npm/marked@18.0.0');
    assert.equal(alias?.repository, 'github.com/markedjs/marked');
    assert.equal(result.graph.component('pkg:npm/marked-repo@18.0.0'), undefined);
  });

  it('counts bundled dependencies (node_modules/npm/node_modules/…) as packages', () => {
    const result = scanFixture(MARKED);
    // jq '.packages["node_modules/npm/node_modules/@npmcli/arborist"].version' → "9.9.0", and node_modules/npm is 11.18.0
    const arborist = result.graph.component('pkg:npm/%40npmcli/arborist@9.9.0');
    assert.ok(arborist);
    assert.ok(result.graph.pathsTo(arborist.purl, 3).every((path) => path.includes('pkg:npm/npm@11.18.0')));
  });

  it('v3 with workspaces (this repository): members are roots, not packages; their dependencies are direct', () => {
    const result = scanFixture(SURPLUS);
    // jq '[.packages | to_entries[] | select((.key|test("(^|/)node_modules/")) and (.value.link|not))
    //      | ((.value.name // (.key | split("node_modules/") | last)) + "@" + .value.version)] | unique | length' → 382
    assert.equal(result.packages, 382);
    assert.equal(installed(SURPLUS).purlish.size, 382);
    assert.equal(result.graph.roots.length, 8); // "" and the seven workspace folders
    assert.ok(!result.graph.components.some((c) => c.name === 'deps' && c.namespace === '@surplus'));
    // jq: union of the dependency names of the 8 roots → 48, minus @surplus/api-client and @surplus/deps (members) → 46
    assert.equal(result.direct, 46);
    // A package flagged dev in one folder and not in another ships, so it is not dev:
    // jq '… | group_by(.purl) | map(select(all(.dev))) | length' → 121
    const allDev = new Map<string, boolean>();
    for (const [path, entry] of installed(SURPLUS).entries) {
      const key = `${entry.name ?? path.split('node_modules/').pop()}@${entry.version}`;
      allDev.set(key, (allDev.get(key) ?? true) && entry.dev === true);
    }
    const expectedDev = [...allDev.values()].filter(Boolean).length;
    assert.equal(expectedDev, 121);
    assert.equal(result.graph.components.filter((c) => c.isDev).length, expectedDev);
    assertInvariants(result);
  });

  it('answers "why is this here?" through the workspace member that asks for it', () => {
    const result = scanFixture(SURPLUS);
    const pako = result.graph.components.find((c) => c.name === 'pako');
    assert.ok(pako);
    assert.deepEqual(result.graph.pathsTo(pako.purl, 5), [
      ['pkg:npm/%40surplus/bench@0.1.0', 'pkg:npm/autocannon@9.0.0', 'pkg:npm/hdr-histogram-js@3.0.1', 'pkg:npm/pako@1.0.11'],
    ]);
    assert.equal(pako.depth, 3);
  });

  it('v1 nests dependencies and needs package.json to say what is direct', () => {
    // Hand-written in npm 6's format: no sample of v1 was available.
    const lock = {
      name: 'demo',
      version: '1.0.0',
      lockfileVersion: 1,
      requires: true,
      dependencies: {
        debug: { version: '4.3.4', resolved: 'https://registry.npmjs.org/debug/-/debug-4.3.4.tgz', requires: { ms: '2.1.2' } },
        ms: { version: '2.1.2', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.2.tgz' },
        express: {
          version: '4.18.2',
          requires: { debug: '2.6.9' },
          dependencies: {
            debug: { version: '2.6.9', requires: { ms: '2.0.0' }, dependencies: { ms: { version: '2.0.0' } } },
          },
        },
        mocha: { version: '10.0.0', dev: true, requires: { debug: '4.3.4' } },
        fsevents: { version: '2.3.2', optional: true },
        'string-width-cjs': { version: 'npm:string-width@4.2.3' },
        'local-lib': { version: 'file:../local-lib' },
        gh: { version: 'github:user/gh-repo#0123abc', from: 'github:user/gh-repo' },
      },
    };
    const manifest = {
      name: 'demo',
      version: '1.0.0',
      dependencies: {
        debug: '^4.3.4',
        express: '^4.18.2',
        'string-width-cjs': 'npm:string-width@^4.2.0',
        gh: 'github:user/gh-repo',
        'local-lib': 'file:../local-lib',
      },
      devDependencies: { mocha: '^10.0.0' },
      optionalDependencies: { fsevents: '^2.3.2' },
    };
    const alone = scan(JSON.stringify(lock), 'package-lock.json');
    // debug×2, ms×2, express, mocha, fsevents, string-width, gh; local-lib is the product's own code
    assert.equal(alone.packages, 9);
    assert.equal(alone.direct, null);
    assertInvariants(alone);

    const result = scan(JSON.stringify(lock), 'package-lock.json', { bytes: JSON.stringify(manifest), name: 'package.json' });
    assert.equal(result.direct, 6);
    assert.equal(result.formatVersion, '1');
    const graph = result.graph;
    assert.equal(graph.component('pkg:npm/string-width@4.2.3')?.isDirect, true);
    assert.equal(graph.component('pkg:npm/mocha@10.0.0')?.isDev, true);
    assert.equal(graph.component('pkg:npm/fsevents@2.3.2')?.isOptional, true);
    assert.equal(graph.component('pkg:npm/gh@0123abc')?.repository, 'github.com/user/gh-repo');
    // The nested debug@2.6.9 resolves its own nested ms, not the top-level one.
    assert.deepEqual(graph.pathsTo('pkg:npm/ms@2.0.0'), [
      ['pkg:npm/demo@1.0.0', 'pkg:npm/express@4.18.2', 'pkg:npm/debug@2.6.9', 'pkg:npm/ms@2.0.0'],
    ]);
    assert.equal(graph.component('pkg:npm/ms@2.0.0')?.depth, 3);
    assert.deepEqual(graph.pathsTo('pkg:npm/ms@2.1.2'), [
      ['pkg:npm/demo@1.0.0', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2'],
      ['pkg:npm/demo@1.0.0', 'pkg:npm/mocha@10.0.0', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2'],
    ]);
    assert.ok(result.notes.some((note) => note.includes('local')));
    assertInvariants(result);
  });

  it('v2 carries both "packages" and the v1 "dependencies"; the first is read', () => {
    const v3 = JSON.parse(fixtureText(MARKED));
    // A v2 lock is a v3 one plus the legacy tree; an empty legacy tree shows which one is read.
    const v2 = { ...v3, lockfileVersion: 2, dependencies: {} };
    const result = scan(JSON.stringify(v2), 'package-lock.json');
    assert.equal(result.formatVersion, '2');
    assert.equal(result.packages, 616);
    assert.equal(result.direct, 25);
  });

  it('reads npm-shrinkwrap.json the same way', () => {
    const result = scan(fixtureText(MARKED), 'npm-shrinkwrap.json');
    assert.equal(result.format, 'package-lock.json');
    assert.equal(result.packages, 616);
  });
});
