import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox } from './secret-box.ts';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and the ciphertext does not contain the secret', () => {
    const sealed = box.seal('hunter2-webhook-secret', 'program:1:github');
    assert.equal(box.open(sealed, 'program:1:github'), 'hunter2-webhook-secret');
    assert.ok(!sealed.includes(Buffer.from('hunter2')));
  });

  it('refuses a ciphertext moved to another context, tampered with, or sealed under another key', () => {
    const sealed = box.seal('secret', 'program:1:github');
    assert.throws(() => box.open(sealed, 'program:2:github'));
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    assert.throws(() => box.open(tampered, 'program:1:github'));
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'program:1:github'));
  });

  it('seals the same secret differently each time', () => {
    assert.notDeepEqual(box.seal('same', 'c'), box.seal('same', 'c'));
  });
});
