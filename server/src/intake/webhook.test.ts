import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isValidSignature, signatureOf } from './webhook.ts';

describe('webhook signatures', () => {
  // The example in GitHub's "Validating webhook deliveries" documentation.
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('computes what GitHub sends for its documented example', () => {
    assert.equal(signatureOf(secret, body), documented);
    assert.equal(isValidSignature(secret, body, documented), true);
    assert.equal(isValidSignature(secret, body, documented.toUpperCase().replace('SHA256=', 'sha256=')), true, 'hex in capitals');
  });

  it('refuses another secret, another body, another algorithm and malformed headers', () => {
    assert.equal(isValidSignature('another secret', body, documented), false);
    assert.equal(isValidSignature(secret, Buffer.from('Hello, World?'), documented), false);
    for (const header of [
      '',
      'sha256=',
      documented.slice(0, -2),
      `${documented}00`,
      documented.replace('sha256=', 'sha1='),
      documented.slice(7),
    ]) {
      assert.equal(isValidSignature(secret, body, header), false, header);
    }
  });

  it('accepts exactly the signature of the exact bytes', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (key, a, b) => {
        const bytesA = Buffer.from(a);
        const bytesB = Buffer.from(b);
        assert.equal(isValidSignature(key, bytesA, signatureOf(key, bytesA)), true);
        assert.equal(isValidSignature(key, bytesB, signatureOf(key, bytesA)), bytesA.equals(bytesB));
      }),
    );
  });
});
