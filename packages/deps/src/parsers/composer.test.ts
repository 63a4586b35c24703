import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError } from '../errors.ts';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const LOCK = 'composer__composer_composer__composer.lock';
const MANIFEST = 'composer__composer_composer__composer.json';

describe('composer.lock', () => {
  it('composer/composer alone: 36 packages, 6 of them dev, direct unknown', () => {
    const result = scanFixture(LOCK);
    assert.equal(result.format, 'composer.lock');
    // jq '[.packages[], ."packages-dev"[] | .name+"@"+.version] | unique | length' → 36; jq '."packages-dev" | length' → 6
    const lock = JSON.parse(fixtureText(LOCK));
    assert.equal(lock.packages.length + lock['packages-dev'].length, 36);
    assert.equal(result.packages, 36);
    assert.equal(result.graph.components.filter((c) => c.isDev).length, lock['packages-dev'].length);
    assert.equal(result.direct, null);
    assertInvariants(result);
  });

  it('with composer.json: 27 direct (21 required packages besides php and ext-*, 6 require-dev)', () => {
    const result = scanFixture(LOCK, MANIFEST);
    // jq '[.require, ."require-dev" | keys[] | select(test("^(php$|ext-)") | not)] | length' composer.json → 27
    const manifest = JSON.parse(fixtureText(MANIFEST));
    const names = [...Object.keys(manifest.require), ...Object.keys(manifest['require-dev'])].filter((name) => !/^(php$|ext-)/.test(name));
    assert.equal(names.length, 27);
    assert.equal(result.direct, 27);
    assert.equal(result.productName, 'composer/composer');
    assertInvariants(result);
  });

  it('repositories from source URLs, GitHub dist URLs when there is no source; owners and funding', () => {
    const result = scanFixture(LOCK, MANIFEST);
    // phpstan/phpstan has no "source"; its dist is https://api.github.com/repos/phpstan/phpstan/zipball/…
    const phpstan = result.graph.components.find((c) => c.namespace === 'phpstan' && c.name === 'phpstan');
    assert.equal(phpstan?.repository, 'github.com/phpstan/phpstan');
    // jq -r '[.packages[], ."packages-dev"[] | .source.url // "none" | sub("https://github.com/";"") | split("/")[0]] | group_by(.) | …'
    // → symfony 16, phpstan 4 (+ phpstan/phpstan itself, "none" there, found through its dist URL), composer 7, …
    const symfony = result.owners.find((o) => o.owner === 'github.com/symfony');
    assert.equal(symfony?.packages, 16);
    assert.equal(result.owners.find((o) => o.owner === 'github.com/phpstan')?.packages, 5);
    // "funding": [{ "url": "https://github.com/composer", "type": "github" }, …] on composer's own packages
    assert.ok(
      result.projects.find((p) => p.repository === 'github.com/composer/ca-bundle')?.funding.includes('https://github.com/composer'),
    );
    assert.ok(result.projects.every((p) => p.repository !== null));
  });

  it('malformed JSON names the format and position', () => {
    assert.throws(
      () => scan('{\n  "content-hash": "x",\n  "packages": [\n    {"name": "a/b",}\n  ]\n}', 'composer.lock'),
      (error: unknown) => error instanceof ParseError && error.format === 'composer.lock' && error.line === 4,
    );
  });

  it('reads a package whose dist.url is an object with a toString key (String() threw a TypeError)', () => {
    const lock = { packages: [{ name: 'a/b', version: '1.0.0', dist: { url: { toString: 1 } } }] };
    const result = scan(JSON.stringify(lock), 'composer.lock');
    assert.deepEqual(
      result.graph.components.map((c) => [c.purl, c.repository]),
      [['pkg:composer/a/b@1.0.0', null]],
    );
    assertInvariants(result);
  });
});
