import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A bearer secret: what the user holds, and the digest we keep. */
export function newSecret(prefix: string): { secret: string; hash: Buffer } {
  const secret = `${prefix}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: digest(secret) };
}

export function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export const API_TOKEN_PREFIX = 'sps_';
export const SESSION_PREFIX = 'spc_';
