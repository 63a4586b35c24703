import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ParseError, UnrecognizedFormatError } from './errors.ts';
import { fixtureText } from './fixtures.ts';
import { detectFormat, SUPPORTED_FORMATS } from './formats.ts';
import { scan } from './scan.ts';

const EXPECTED: Record<string, string> = {
  'bundler__rubygems_rubygems.org__Gemfile.lock': 'Gemfile.lock',
  'cargo__sharkdp_bat__Cargo.lock': 'Cargo.lock',
  'composer__composer_composer__composer.lock': 'composer.lock',
  'cyclonedx-1.4__DependencyTrack_dependency-track__bom.json': 'cyclonedx-json',
  'go__cli_cli__go.mod': 'go.mod',
  'go__cli_cli__go.sum': 'go.sum',
  'npm-lockv3__markedjs_marked__package-lock.json': 'package-lock.json',
  'npm-lockv3-workspaces__surplus__package-lock.json': 'package-lock.json',
  'pip-compile__pallets_flask__requirements_dev.txt': 'requirements.txt',
  'pnpm-lockv9__unjs_h3__pnpm-lock.yaml': 'pnpm-lock.yaml',
  'spdx-2.3__psastras_sbom-rs__examples_cargo-binary_sbom.spdx.json': 'spdx-json',
  'yarn-lockv1__webpack_webpack__yarn.lock': 'yarn.lock',
};

describe('format detection', () => {
  it('knows every lock file and SBOM fixture by its content alone', () => {
    const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));
    const locks = readdirSync(dir).filter((name) => name in EXPECTED);
    assert.equal(locks.length, Object.keys(EXPECTED).length);
    for (const name of locks) assert.equal(detectFormat(fixtureText(name), 'upload.bin'), EXPECTED[name], name);
  });

  it('lets content win over a misleading name', () => {
    const sbom = fixtureText('cyclonedx-1.4__DependencyTrack_dependency-track__bom.json');
    assert.equal(detectFormat(sbom, 'package-lock.json'), 'cyclonedx-json');
  });

  it('falls back to the name when the content is too broken to tell, so the error names the format', () => {
    assert.equal(detectFormat('{"lockfileVersion": 3, "packages": {', 'x'), 'package-lock.json');
    assert.throws(
      () => scan('{\n  "name": "x",\n  "lockfileVer', 'package-lock.json'),
      (error: unknown) => error instanceof ParseError && error.format === 'package-lock.json' && error.line === 3 && error.column !== null,
    );
  });

  it('refuses a file it cannot read with the list of formats it can', () => {
    for (const [text, name] of [
      ['hello world', 'notes.txt'],
      ['{"name": "a package.json, not a lock"}', 'package.json'],
      ['', ''],
    ]) {
      assert.throws(
        () => scan(text as string, name as string),
        (error: unknown) =>
          error instanceof UnrecognizedFormatError &&
          error.supported.length === SUPPORTED_FORMATS.length &&
          error.message.includes('CycloneDX') &&
          error.message.includes('Gemfile.lock'),
      );
    }
  });

  it('reads UTF-8 with a byte-order mark and UTF-16 with its mark', () => {
    const text = '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"a","purl":"pkg:npm/a@1"}]}';
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    assert.equal(scan(bom, 'bom.json').packages, 1);
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    assert.equal(scan(utf16, 'bom.json').packages, 1);
  });
});
