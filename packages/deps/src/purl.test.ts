import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPurl, normalizePurl, normalizePythonName, parsePurl, purlFor, unversioned } from './purl.ts';

describe('package URLs', () => {
  it('drops qualifiers and subpath from the identity', () => {
    assert.equal(
      normalizePurl('pkg:maven/org.apache.commons/commons-lang3@3.12.0?type=jar'),
      'pkg:maven/org.apache.commons/commons-lang3@3.12.0',
    );
    assert.equal(normalizePurl('pkg:gem/nokogiri@1.18.9?platform=x86_64-linux#lib/nokogiri'), 'pkg:gem/nokogiri@1.18.9');
  });

  it('encodes an npm scope as %40, and reads it unencoded too', () => {
    assert.equal(purlFor('npm', '@babel/core', '7.24.0'), 'pkg:npm/%40babel/core@7.24.0');
    assert.equal(normalizePurl('pkg:npm/@babel/core@7.24.0'), 'pkg:npm/%40babel/core@7.24.0');
    assert.deepEqual(parsePurl('pkg:npm/%40babel/core@7.24.0'), { type: 'npm', namespace: '@babel', name: 'core', version: '7.24.0' });
  });

  it('normalizes PyPI names per PEP 503', () => {
    assert.equal(normalizePythonName('Zope.Interface__Extra'), 'zope-interface-extra');
    assert.equal(normalizePurl('pkg:pypi/Typing_Extensions@4.12.2'), 'pkg:pypi/typing-extensions@4.12.2');
  });

  it('lower-cases Go module paths and splits a path encoded into the name', () => {
    assert.equal(purlFor('golang', 'github.com/AlecAivazis/survey/v2', 'v2.3.7'), 'pkg:golang/github.com/alecaivazis/survey/v2@v2.3.7');
    assert.equal(normalizePurl('pkg:golang/github.com%2FGorilla%2Fmux@v1.8.1'), 'pkg:golang/github.com/gorilla/mux@v1.8.1');
  });

  it('lower-cases composer names and keeps cargo, gem and maven names as written', () => {
    assert.equal(purlFor('composer', 'Symfony/Console', 'v7.1.10'), 'pkg:composer/symfony/console@v7.1.10');
    assert.equal(purlFor('cargo', 'Inflector', '0.11.4'), 'pkg:cargo/Inflector@0.11.4');
  });

  it('percent-encodes versions with reserved characters', () => {
    assert.equal(formatPurl({ type: 'npm', namespace: null, name: 'x', version: '1.0.0+build.5' }), 'pkg:npm/x@1.0.0%2Bbuild.5');
    assert.equal(parsePurl('pkg:npm/x@1.0.0%2Bbuild.5')?.version, '1.0.0+build.5');
  });

  it('refuses what is not a purl', () => {
    for (const text of ['', 'npm/x@1', 'pkg:', 'pkg:npm', 'pkg:npm/', 'pkg:npm/%E0%A4%A@1', 'pkg:n@m/x'])
      assert.equal(parsePurl(text), null, text);
  });

  it('strips the version for the unversioned key', () => {
    assert.equal(unversioned('pkg:npm/%40babel/core@7.24.0'), 'pkg:npm/%40babel/core');
    assert.equal(unversioned('pkg:pypi/typing-extensions'), 'pkg:pypi/typing-extensions');
  });
});
