import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * The metadata token of one (re)installation: derived, not stored, so the boot service can put it on
 * the kernel command line; only its digest is kept to find the server when a machine presents it.
 */
export class ProvisionTokens {
  // Imported once as a KeyObject rather than again from a Buffer on every call.
  private readonly key: KeyObject;

  constructor(secretKey: Buffer) {
    this.key = createSecretKey(createHmac('sha256', secretKey).update('surplus provision tokens v1').digest());
  }

  token(serverId: string, generation: number): string {
    return createHmac('sha256', this.key).update(`${serverId}:${generation}`).digest('base64url');
  }

  digest(token: string): Buffer {
    return createHash('sha256').update(token).digest();
  }
}
