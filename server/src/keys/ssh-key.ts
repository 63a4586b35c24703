import { createHash } from 'node:crypto';

export type ParsedKey = { type: string; bits: number; blob: Buffer; comment: string; fingerprint: string; normalized: string };

const ECDSA_BITS: Record<string, number> = { nistp256: 256, nistp384: 384, nistp521: 521 };
const MIN_RSA_BITS = 2048;

/**
 * Parses one OpenSSH public key line ("type base64 [comment]") and checks what the base64 blob says
 * against the type it claims. Returns the reason when the key is not acceptable.
 */
export function parseSshKey(line: string): ParsedKey | { error: string } {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || parts[0] === '') return { error: 'is not an OpenSSH public key (expected "type base64 [comment]")' };
  const [type, encoded, ...rest] = parts as [string, string, ...string[]];
  if (type === 'ssh-dss') return { error: 'uses DSA, which OpenSSH no longer accepts; use ed25519' };
  if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$/.test(type)) {
    return { error: `has unsupported type "${type.slice(0, 40)}"; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa` };
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return { error: 'has a key body that is not base64' };
  const blob = Buffer.from(encoded, 'base64');
  const reader = new Reader(blob);
  try {
    const innerType = reader.string().toString('latin1');
    if (innerType !== type) return { error: `says "${type}" but its body is a "${innerType.slice(0, 40)}" key` };
    let bits: number;
    if (type === 'ssh-ed25519') {
      if (reader.string().length !== 32) return { error: 'has an ed25519 key that is not 32 bytes' };
      bits = 256;
    } else if (type === 'ssh-rsa') {
      const exponent = reader.string();
      const modulus = reader.string();
      if (exponent.length === 0 || modulus.length === 0) return { error: 'has an empty RSA exponent or modulus' };
      bits = bitLength(modulus);
      if (bits < MIN_RSA_BITS) return { error: `is an RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are required` };
    } else {
      const curve = reader.string().toString('latin1');
      if (`ecdsa-sha2-${curve}` !== type) return { error: `names curve "${curve.slice(0, 20)}" inside a ${type} key` };
      const point = reader.string();
      bits = ECDSA_BITS[curve] as number;
      const coordinateBytes = Math.ceil(bits / 8);
      if (point[0] !== 4 || point.length !== 1 + 2 * coordinateBytes) return { error: 'has a malformed ECDSA point' };
    }
    if (!reader.isAtEnd()) return { error: 'has extra bytes after the key' };
    const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    const comment = rest.join(' ').slice(0, 200);
    return { type, bits, blob, comment, fingerprint, normalized: `${type} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}` };
  } catch {
    return { error: 'has a truncated key body' };
  }
}

class Reader {
  private offset = 0;
  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  string(): Buffer {
    if (this.offset + 4 > this.buffer.length) throw new Error('truncated');
    const length = this.buffer.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.buffer.length) throw new Error('truncated');
    this.offset = start + length;
    return this.buffer.subarray(start, start + length);
  }

  isAtEnd() {
    return this.offset === this.buffer.length;
  }
}

function bitLength(unsigned: Buffer): number {
  let index = 0;
  while (index < unsigned.length && unsigned[index] === 0) index++;
  if (index === unsigned.length) return 0;
  return (unsigned.length - index - 1) * 8 + (32 - Math.clz32(unsigned[index] as number));
}
