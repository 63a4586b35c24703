import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidSignature, signBody } from './signature.ts';

describe('webhook signatures', () => {
  it('matches the example in GitHub’s webhook documentation', () => {
    // docs.github.com, "Validating webhook deliveries": the secret and payload given there, and the signature it prints.
    assert.equal(
      signBody("It's a Secret to Everybody", 'Hello, World!'),
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('accepts its own signature and refuses another secret, another body, or a missing header', () => {
    const body = JSON.stringify({ event: 'grant.created', data: { id: 'x' } });
    const header = signBody('s1', body);
    assert.equal(isValidSignature('s1', body, header), true);
    assert.equal(isValidSignature('s1', Buffer.from(body), header), true);
    assert.equal(isValidSignature('s2', body, header), false);
    assert.equal(isValidSignature('s1', `${body} `, header), false);
    assert.equal(isValidSignature('s1', body, undefined), false);
    assert.equal(isValidSignature('s1', body, header.slice(0, -1)), false);
  });
});
