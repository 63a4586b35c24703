import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { fixtureText } from './fixtures.ts';
import { parseLockYaml } from './lock-yaml.ts';

const full = (text: string) => parse(text, { uniqueKeys: false, merge: false });

describe('lock-file YAML reader', () => {
  it('reads the real pnpm v9 lock exactly as the yaml package does', () => {
    const text = fixtureText('pnpm-lockv9__unjs_h3__pnpm-lock.yaml');
    const fast = parseLockYaml(text);
    assert.notEqual(fast, undefined);
    assert.deepStrictEqual(fast, full(text));
  });

  it('reads what pnpm and yarn berry write: quoted keys, flow maps with quotes, sequences at the key’s indentation', () => {
    const text = [
      "lockfileVersion: '6.0'",
      'packages:',
      '  /@babel/core@7.0.0:',
      "    resolution: {integrity: sha512-abc+/=, tarball: 'https://x.test/a.tgz'}",
      "    engines: {node: '>=6.9.0'}",
      '    cpu: [arm64, x64]',
      '    os: []',
      '    dev: true',
      '    transitivePeerDependencies:',
      '    - supports-color',
      '    - "uWebSockets.js"',
      "  'h3': 'link:'",
      '"lodash@npm:^4.17.21, lodash@npm:^4.17.4":',
      '  version: 4.17.21',
      '  checksum: 10c0/d8cbea07',
      'empty:',
      'version: 1.0',
      'count: 12',
    ].join('\n');
    assert.deepStrictEqual(parseLockYaml(text), full(text));
  });

  it('leaves anything outside its subset to the full parser', () => {
    for (const text of [
      'a: &anchor 1\nb: *anchor',
      'a: |\n  block\n',
      'a: !!str 1',
      'a: {b: {c: 1}}',
      'a:\n  - b: 1',
      'a: plain\n  continued',
      '---\na: 1',
      '\ta: 1',
      'a: "\\x41"',
      '- a',
      'a: b # comment',
      'a: 0x1F',
    ]) {
      assert.equal(parseLockYaml(text), undefined, text);
    }
  });

  it('agrees with the yaml package on random documents it writes, whenever it reads them', () => {
    const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('@scope/pkg@1.0.0', '/a@1.0.0(b@2.0.0)', '.', 'link:', 'true', '1'));
    const leaf = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('1.0', '>=6.9.0', 'sha512-ab+/==', "it's", 'a: b', 'x #y', '- z', 'link:..', '~', 'yes'),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    let read = 0;
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 6 }),
        fc.constantFrom({}, { flowCollectionPadding: false }, { indentSeq: false }),
        (doc, options) => {
          const text = stringify(doc, options);
          const fast = parseLockYaml(text);
          if (fast === undefined) return;
          read++;
          assert.deepStrictEqual(fast, full(text), text);
        },
      ),
      { numRuns: Number(process.env.DEPS_PROPERTY_RUNS ?? 300) },
    );
    // The comparison means something only if many documents stay inside the subset.
    assert.ok(read > 30, `only ${read} documents were read by the fast path`);
  });
});
