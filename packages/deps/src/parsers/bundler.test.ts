import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError } from '../errors.ts';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const LOCK = 'bundler__rubygems_rubygems.org__Gemfile.lock';

describe('Gemfile.lock', () => {
  it('rubygems.org: 298 gems (platform builds merged), 120 in DEPENDENCIES are direct', () => {
    const result = scanFixture(LOCK);
    assert.equal(result.format, 'Gemfile.lock');
    assert.equal(result.formatVersion, 'bundler 4.0.16');
    const text = fixtureText(LOCK);
    // awk '/^[A-Z]/{s=$0} s=="GEM" && /^    [^ ]/' Gemfile.lock | wc -l → 341 spec lines;
    // … {v=$2; gsub(/[()]/,"",v); sub(/-.*/,"",v); print $1"@"v} | sort -u | wc -l → 298
    const specs = text.match(/^ {4}[^ ].*$/gm) ?? [];
    assert.equal(specs.length, 341);
    assert.equal(new Set(specs.map((line) => line.trim().replace(/ \(([^-)]*)(-[^)]*)?\)$/, '@$1'))).size, 298);
    assert.equal(result.packages, 298);
    // sed -n '/^DEPENDENCIES/,/^$/p' Gemfile.lock | grep -c '^  [^ ]' → 120
    assert.equal(result.direct, 120);
    // ffi (1.17.4-aarch64-linux-gnu), (1.17.4-x86_64-darwin), …: one package
    assert.equal(result.graph.components.filter((c) => c.name === 'ffi').length, 1);
    assertInvariants(result);
  });

  it('GIT sources give the repository; PATH gems are the product’s own (hand-written)', () => {
    const text = `GIT
  remote: https://github.com/rails/rails.git
  revision: 0123456789abcdef0123456789abcdef01234567
  branch: main
  specs:
    activesupport (8.1.0.alpha)
      concurrent-ruby (~> 1.0, >= 1.3.1)

PATH
  remote: engines/billing
  specs:
    billing (0.1.0)
      money (~> 6.0)

GEM
  remote: https://rubygems.org/
  specs:
    concurrent-ruby (1.3.4)
    money (6.19.0)
      i18n (>= 0.6.4, <= 2)
    i18n (1.14.6)
      concurrent-ruby (~> 1.0)

PLATFORMS
  ruby

DEPENDENCIES
  activesupport!
  billing!

BUNDLED WITH
   2.5.22
`;
    const result = scan(text, 'Gemfile.lock');
    assert.equal(result.packages, 4);
    // activesupport from the Gemfile, money from the product's own billing engine
    assert.equal(result.direct, 2);
    assert.equal(result.graph.component('pkg:gem/activesupport@8.1.0.alpha')?.repository, 'github.com/rails/rails');
    assert.ok(result.graph.roots.some((r) => r.id === 'pkg:gem/billing@0.1.0'));
    assertInvariants(result);
  });

  it('a spec line without a version is an error at its position', () => {
    assert.throws(
      () => scan('GEM\n  remote: https://rubygems.org/\n  specs:\n    rack\n\nDEPENDENCIES\n  rack\n', 'Gemfile.lock'),
      (error: unknown) => error instanceof ParseError && error.line === 4 && error.column === 5,
    );
  });
});
