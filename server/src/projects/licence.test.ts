import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import licenses from 'spdx-license-list';
import { checkLicence, type LicenceCheck } from './licence.ts';

const LIST = licenses as Record<string, { name: string; osiApproved: boolean }>;

function valid(expression: string): LicenceCheck {
  const check = checkLicence(expression);
  if ('error' in check) assert.fail(`${expression}: ${check.error}`);
  return check;
}

function error(expression: string): string {
  const check = checkLicence(expression);
  if (!('error' in check)) assert.fail(`accepted ${JSON.stringify(expression)}`);
  return check.error;
}

describe('checkLicence', () => {
  it('takes OSI approval of single licences from the SPDX list', () => {
    assert.deepEqual(valid('Apache-2.0'), {
      expression: 'Apache-2.0',
      licences: [{ id: 'Apache-2.0', name: 'Apache License 2.0', isOsiApproved: true }],
      isOsiApproved: true,
    });
    assert.equal(valid('JSON').isOsiApproved, false);
    assert.equal(valid('CC-BY-4.0').isOsiApproved, false);
    assert.equal(valid('AGPL-3.0-only').isOsiApproved, true);
  });

  it('agrees with the SPDX list for every licence it names', () => {
    const ids = Object.keys(LIST);
    assert.ok(ids.length > 500);
    const disagreements = ids.filter((id) => {
      const check = checkLicence(id);
      return !('error' in check) && check.isOsiApproved !== LIST[id]?.osiApproved;
    });
    assert.deepEqual(disagreements, []);
    const approved = ids.filter((id) => LIST[id]?.osiApproved);
    for (const id of approved) assert.equal(valid(id).isOsiApproved, true, id);
  });

  it('is OSI-approved only when every licence in a compound expression is', () => {
    const both = valid('(MIT OR Apache-2.0) AND BSD-3-Clause');
    assert.equal(both.isOsiApproved, true);
    assert.deepEqual(
      both.licences.map((licence) => licence.id),
      ['MIT', 'Apache-2.0', 'BSD-3-Clause'],
    );
    const mixed = valid('MIT AND JSON');
    assert.equal(mixed.isOsiApproved, false);
    assert.deepEqual(
      mixed.licences.map((licence) => [licence.id, licence.isOsiApproved]),
      [
        ['MIT', true],
        ['JSON', false],
      ],
    );
    // Even where the choice (OR) would allow the approved one: the flag is about every licence named.
    assert.equal(valid('MIT OR JSON').isOsiApproved, false);
  });

  it('lists a licence named twice once', () => {
    assert.deepEqual(
      valid('Apache-2.0 AND (Apache-2.0 OR MIT)').licences.map((licence) => licence.id),
      ['Apache-2.0', 'MIT'],
    );
  });

  it('accepts WITH exceptions and judges the licence they modify', () => {
    const check = valid('GPL-2.0-only WITH Classpath-exception-2.0');
    assert.deepEqual(check.licences, [{ id: 'GPL-2.0-only', name: 'GNU General Public License v2.0 only', isOsiApproved: true }]);
    assert.equal(check.isOsiApproved, true);
    assert.equal(valid('Apache-2.0 WITH LLVM-exception').isOsiApproved, true);
  });

  it('rejects an unknown exception and an exception where a licence belongs', () => {
    assert.match(error('MIT WITH Bogus-exception'), /^is not a valid SPDX expression \(Unexpected `B` at offset 9\)$/);
    assert.match(error('MIT WITH LicenseRef-Mine'), /^is not a valid SPDX expression \(Expected exception after `WITH`\)$/);
    assert.match(error('Classpath-exception-2.0'), /^is not a valid SPDX expression/);
  });

  it('keeps "or later" (+) in the licence id and name', () => {
    assert.deepEqual(valid('GPL-2.0+').licences, [
      { id: 'GPL-2.0+', name: 'GNU General Public License v2.0 or later', isOsiApproved: true },
    ]);
    assert.deepEqual(valid('Apache-2.0+').licences, [{ id: 'Apache-2.0+', name: 'Apache License 2.0 or later', isOsiApproved: true }]);
  });

  it('accepts LicenseRef and DocumentRef identifiers, never as OSI-approved', () => {
    assert.deepEqual(valid('LicenseRef-Acme-Proprietary'), {
      expression: 'LicenseRef-Acme-Proprietary',
      licences: [{ id: 'LicenseRef-Acme-Proprietary', name: null, isOsiApproved: false }],
      isOsiApproved: false,
    });
    assert.equal(valid('DocumentRef-spdx-tool:LicenseRef-MIT-Style').isOsiApproved, false);
    assert.equal(valid('MIT OR LicenseRef-Commercial').isOsiApproved, false);
  });

  it('trims the expression it stores', () => {
    assert.equal(valid('  MIT  ').expression, 'MIT');
  });

  it('rejects invalid expressions with the parser’s reason', () => {
    assert.equal(error('Foo-1.0'), 'is not a valid SPDX expression (Unexpected `F` at offset 0)');
    assert.equal(error('mit'), 'is not a valid SPDX expression (Unexpected `m` at offset 0)');
    assert.equal(error('MIT MIT'), 'is not a valid SPDX expression (Syntax error)');
    assert.equal(error('MIT)'), 'is not a valid SPDX expression (Syntax error)');
    assert.equal(error('(MIT'), 'is not a valid SPDX expression (Expected `)`)');
  });

  it('says when an expression stops half-way', () => {
    for (const expression of ['', '   ', 'MIT OR', 'MIT AND (', '(']) {
      assert.equal(error(expression), 'is not a valid SPDX expression (it ends too early)', JSON.stringify(expression));
    }
  });
});
