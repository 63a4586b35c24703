import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError } from '../errors.ts';
import { assertInvariants, fixtureText, scanFixture } from '../fixtures.ts';
import { scan } from '../scan.ts';

const COMPILED = 'pip-compile__pallets_flask__requirements_dev.txt';
const INPUT = 'pip-compile__pallets_flask__requirements_dev.in';

describe('requirements.txt', () => {
  it('pip-compile output (pallets/flask): 54 pins, the 43 asked for through -r files and dev.in are direct', () => {
    const result = scanFixture(COMPILED);
    assert.equal(result.format, 'requirements.txt');
    assert.equal(result.formatVersion, 'pip-compile');
    // grep -cE '^[A-Za-z0-9]' dev.txt → 54, every one pinned with ==
    const pins = fixtureText(COMPILED).match(/^[A-Za-z0-9][^=\n]*==\S+$/gm) ?? [];
    assert.equal(pins.length, 54);
    assert.equal(result.packages, 54);
    // Requirements whose "# via" block names an input ("-r …"): counted with a small Python script over the
    // file (a requirement line opens a block, following comment lines belong to it) → 43
    assert.equal(result.direct, 43);
    const graph = result.graph;
    assert.equal(graph.component('pkg:pypi/tox@4.25.0')?.isDirect, true);
    // virtualenv: "# via pre-commit, tox" only, so transitive, under both
    const virtualenv = graph.component('pkg:pypi/virtualenv@20.29.3');
    assert.equal(virtualenv?.isDirect, false);
    assert.equal(virtualenv?.depth, 2);
    assert.deepEqual(new Set(graph.dependentsOf(virtualenv?.purl ?? '')), new Set(['pkg:pypi/pre-commit@4.2.0', 'pkg:pypi/tox@4.25.0']));
    // PEP 503: charset-normalizer stays, names are lower case
    assert.ok(graph.component('pkg:pypi/charset-normalizer@3.4.1'));
    assertInvariants(result);
  });

  it('with the .in file: its -r lines are other files and are noted as not read', () => {
    const result = scanFixture(COMPILED, INPUT);
    assert.equal(result.direct, 43);
    assert.equal(result.companion?.kind, 'requirements');
  });

  it('hand-written: hashes, extras, markers, continuation lines, an include and an unpinned requirement', () => {
    const text = [
      '-r base.txt',
      '--index-url https://pypi.org/simple',
      'Django==4.2.11 \\',
      '    --hash=sha256:6e6ff3db2d8dd0c986b4eec8554c8e4f919b5c1ff62a5b4390c17aff2ed6e5c4',
      'requests[socks,security]==2.31.0 ; python_version >= "3.8"',
      'zope.interface==6.2  # pinned for a reason',
      'typing_extensions>=4.0',
      '-e git+https://github.com/psf/black.git@24.2.0#egg=black',
      '-e .',
      '',
    ].join('\n');
    const result = scan(text, 'requirements.txt');
    assert.equal(result.packages, 5);
    assert.equal(result.direct, null); // no "# via": a frozen or hand-written file lists everything flat
    const graph = result.graph;
    assert.ok(graph.component('pkg:pypi/django@4.2.11'));
    assert.ok(graph.component('pkg:pypi/requests@2.31.0'));
    assert.ok(graph.component('pkg:pypi/zope-interface@6.2'));
    assert.ok(graph.component('pkg:pypi/typing-extensions'), 'unpinned: no version');
    assert.equal(graph.component('pkg:pypi/black')?.repository, 'github.com/psf/black');
    assert.ok(result.notes.some((note) => note.includes('base.txt')));
    assert.ok(result.notes.some((note) => note.includes('not pinned')));
    assertInvariants(result);
  });

  it('a line that is no requirement is an error at its position', () => {
    assert.throws(
      () => scan('flask==3.0.0\nthis is not a requirement\n', 'requirements.txt'),
      (error: unknown) => error instanceof ParseError && error.line === 2 && error.column === 1,
    );
  });
});
