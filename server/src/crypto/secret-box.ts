import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets kept in the database (webhook secrets, BMC passwords) with AES-256-GCM under a key
 * derived from the deployment's secret key. A stolen database dump alone reveals none of them.
 * Layout: version (1 byte) | IV (12) | tag (16) | ciphertext.
 */
export class SecretBox {
  // A KeyObject, imported once: a Buffer key is imported again on every call (a BMC password is
  // opened for every BMC request of every workflow).
  private readonly key: KeyObject;

  constructor(secretKey: Buffer) {
    if (secretKey.length !== 32) throw new Error('the secret key must be 32 bytes');
    this.key = createSecretKey(Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'surplus secret box v1', 32)));
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    // The context (e.g. "program:<id>:github") is authenticated: a ciphertext moved to another row fails to open.
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
  }

  open(sealed: Buffer, context: string): string {
    if (sealed[0] !== VERSION) throw new Error('unknown secret box version');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
