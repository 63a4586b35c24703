import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type ParsedKey, parseSshKey } from './ssh-key.ts';

// Keys come from the real ssh-keygen so the parser is checked against what users paste, and the
// fingerprints against what `ssh-keygen -l` tells them.
const KINDS = [
  { name: 'ed25519', args: ['-t', 'ed25519'], type: 'ssh-ed25519', bits: 256 },
  { name: 'ecdsa-256', args: ['-t', 'ecdsa', '-b', '256'], type: 'ecdsa-sha2-nistp256', bits: 256 },
  { name: 'ecdsa-384', args: ['-t', 'ecdsa', '-b', '384'], type: 'ecdsa-sha2-nistp384', bits: 384 },
  { name: 'ecdsa-521', args: ['-t', 'ecdsa', '-b', '521'], type: 'ecdsa-sha2-nistp521', bits: 521 },
  { name: 'rsa-2048', args: ['-t', 'rsa', '-b', '2048'], type: 'ssh-rsa', bits: 2048 },
  { name: 'rsa-4096', args: ['-t', 'rsa', '-b', '4096'], type: 'ssh-rsa', bits: 4096 },
  { name: 'rsa-1024', args: ['-t', 'rsa', '-b', '1024'], type: 'ssh-rsa', bits: 1024 },
  { name: 'dsa', args: ['-t', 'dsa'], type: 'ssh-dss', bits: 1024 },
] as const;

type Generated = { line: string; keygenBits: number; keygenFingerprint: string };

const dir = mkdtempSync(join(tmpdir(), 'surplus-ssh-key-test-'));
const keys = new Map<string, Generated>();

before(() => {
  for (const kind of KINDS) {
    const file = join(dir, kind.name);
    execFileSync('ssh-keygen', ['-q', ...kind.args, '-N', '', '-C', `${kind.name} test key`, '-f', file]);
    const line = readFileSync(`${file}.pub`, 'utf8').trim();
    // "256 SHA256:… comment (ED25519)"
    const [bits, fingerprint] = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ');
    keys.set(kind.name, { line, keygenBits: Number(bits), keygenFingerprint: fingerprint as string });
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

function generated(name: string): Generated {
  const key = keys.get(name);
  if (!key) throw new Error(`no generated key ${name}`);
  return key;
}

function accepted(line: string): ParsedKey {
  const parsed = parseSshKey(line);
  if ('error' in parsed) assert.fail(`rejected ${line.slice(0, 40)}…: ${parsed.error}`);
  return parsed;
}

function reason(line: string): string {
  const parsed = parseSshKey(line);
  if (!('error' in parsed)) assert.fail(`accepted ${line.slice(0, 60)}`);
  return parsed.error;
}

function blobOf(line: string): Buffer {
  return Buffer.from(line.split(' ')[1] as string, 'base64');
}

function lineOf(type: string, blob: Buffer): string {
  return `${type} ${blob.toString('base64')}`;
}

/** An SSH wire-format string: a uint32 length and the bytes. */
function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

describe('parseSshKey with keys from ssh-keygen', () => {
  for (const kind of KINDS.filter((k) => !['rsa-1024', 'dsa'].includes(k.name))) {
    it(`accepts ${kind.name} with the type, size and fingerprint ssh-keygen reports`, () => {
      const key = generated(kind.name);
      const parsed = accepted(key.line);
      assert.equal(parsed.type, kind.type);
      assert.equal(parsed.bits, kind.bits);
      assert.equal(parsed.bits, key.keygenBits);
      assert.equal(parsed.fingerprint, key.keygenFingerprint);
      assert.equal(parsed.comment, `${kind.name} test key`);
      assert.equal(parsed.normalized, key.line);
    });
  }

  it('rejects an RSA key of 1024 bits, saying how many bits it has and needs', () => {
    assert.equal(reason(generated('rsa-1024').line), 'is an RSA key of 1024 bits; at least 2048 are required');
  });

  it('rejects DSA keys, naming DSA', () => {
    assert.match(reason(generated('dsa').line), /uses DSA/);
  });

  it('tolerates surrounding whitespace, tabs and a missing comment; keeps spaces inside the comment', () => {
    const [type, body] = generated('ed25519').line.split(' ') as [string, string];
    const bare = accepted(`  ${type}\t${body}  \n`);
    assert.equal(bare.comment, '');
    assert.equal(bare.normalized, `${type} ${body}`);
    assert.equal(accepted(`${type} ${body} alice@laptop  work key`).comment, 'alice@laptop work key');
  });

  it('gives the same fingerprint whatever the comment', () => {
    const [type, body] = generated('ecdsa-384').line.split(' ') as [string, string];
    assert.equal(accepted(`${type} ${body} one`).fingerprint, accepted(`${type} ${body} two`).fingerprint);
  });
});

describe('parseSshKey with bad input', () => {
  it('rejects text that is not "type base64"', () => {
    for (const input of ['', '   ', 'hello', 'ssh-ed25519']) {
      assert.match(reason(input), /is not an OpenSSH public key/, JSON.stringify(input));
    }
  });

  it('rejects unknown key types, naming the type', () => {
    const body = generated('ed25519').line.split(' ')[1] as string;
    assert.match(reason(`ssh-foo ${body}`), /unsupported type "ssh-foo"/);
    assert.match(reason(`sk-ssh-ed25519@openssh.com ${body}`), /unsupported type/);
    // An authorized_keys line with options is not a bare public key.
    assert.match(reason(`restrict,command="true" ${generated('ed25519').line}`), /unsupported type/);
  });

  it('rejects a body that is not base64', () => {
    assert.equal(reason('ssh-ed25519 AAAA$$$$'), 'has a key body that is not base64');
    assert.equal(reason('ssh-ed25519 AAA=A'), 'has a key body that is not base64');
  });

  it('rejects a private key pasted by mistake', () => {
    const privateKey = readFileSync(join(dir, 'ed25519'), 'utf8');
    assert.ok('error' in parseSshKey(privateKey.split('\n')[0] as string));
  });

  it('rejects truncated blobs of every kind', () => {
    for (const kind of KINDS) {
      const blob = blobOf(generated(kind.name).line);
      for (const cut of [1, 4, 5, Math.floor(blob.length / 2), blob.length - 1]) {
        const error = reason(lineOf(kind.type, blob.subarray(0, cut)));
        assert.ok(
          ['has a truncated key body', 'has a malformed ECDSA point', 'has an ed25519 key that is not 32 bytes'].includes(error) ||
            /^is an RSA key of|uses DSA|says "/.test(error),
          `${kind.name} cut at ${cut}: ${error}`,
        );
      }
      if (kind.type !== 'ssh-dss') assert.equal(reason(lineOf(kind.type, blob.subarray(0, blob.length - 1))), 'has a truncated key body');
    }
  });

  it('rejects extra bytes after the key', () => {
    const blob = blobOf(generated('ed25519').line);
    assert.equal(reason(lineOf('ssh-ed25519', Buffer.concat([blob, Buffer.from([0])]))), 'has extra bytes after the key');
  });

  it('rejects a prefix that does not match the type inside the blob', () => {
    assert.equal(reason(lineOf('ssh-rsa', blobOf(generated('ed25519').line))), 'says "ssh-rsa" but its body is a "ssh-ed25519" key');
    assert.equal(
      reason(lineOf('ecdsa-sha2-nistp256', blobOf(generated('ecdsa-384').line))),
      'says "ecdsa-sha2-nistp256" but its body is a "ecdsa-sha2-nistp384" key',
    );
  });

  it('rejects an ECDSA key whose curve name disagrees with its type', () => {
    const blob = blobOf(generated('ecdsa-256').line);
    // type (4 + 19 bytes), curve (4 + 8 bytes), then the point as an SSH string.
    const point = blob.subarray(4 + 19 + 4 + 8);
    const forged = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp384'), point]);
    assert.equal(reason(lineOf('ecdsa-sha2-nistp256', forged)), 'names curve "nistp384" inside a ecdsa-sha2-nistp256 key');
  });

  it('rejects an ECDSA point of the wrong size or not uncompressed', () => {
    const compressed = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(Buffer.alloc(33, 2))]);
    assert.equal(reason(lineOf('ecdsa-sha2-nistp256', compressed)), 'has a malformed ECDSA point');
    const short = Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(Buffer.alloc(64, 4))]);
    assert.equal(reason(lineOf('ecdsa-sha2-nistp256', short)), 'has a malformed ECDSA point');
  });

  it('rejects an ed25519 key that is not 32 bytes and an RSA key with an empty modulus', () => {
    const ed = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31, 1))]);
    assert.equal(reason(lineOf('ssh-ed25519', ed)), 'has an ed25519 key that is not 32 bytes');
    const rsa = Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([1, 0, 1])), sshString(Buffer.alloc(0))]);
    assert.equal(reason(lineOf('ssh-rsa', rsa)), 'has an empty RSA exponent or modulus');
  });

  it('measures RSA size without the sign byte of the modulus', () => {
    // mpint moduli with the top bit set carry a leading zero byte: 2048 bits are 257 bytes on the wire.
    const modulus = Buffer.concat([Buffer.from([0, 0x80]), Buffer.alloc(255, 1)]);
    const rsa = Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([1, 0, 1])), sshString(modulus)]);
    assert.equal(accepted(lineOf('ssh-rsa', rsa)).bits, 2048);
    const smaller = Buffer.concat([Buffer.from([0x7f]), Buffer.alloc(255, 1)]);
    const rsa2047 = Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([1, 0, 1])), sshString(smaller)]);
    assert.equal(reason(lineOf('ssh-rsa', rsa2047)), 'is an RSA key of 2047 bits; at least 2048 are required');
  });
});

describe('parseSshKey properties', () => {
  it('never throws on arbitrary strings, and answers either a key or a reason', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
        const parsed = parseSshKey(input);
        assert.ok('error' in parsed ? parsed.error.length > 0 : parsed.fingerprint.startsWith('SHA256:'));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary bytes behind a known type', () => {
    const types = KINDS.map((kind) => kind.type);
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 600 }), (type, bytes) => {
        const parsed = parseSshKey(lineOf(type, Buffer.from(bytes)));
        assert.ok('error' in parsed || parsed.type === type);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a real key with one byte changed in its header', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ed25519', 'ecdsa-256', 'ecdsa-521', 'rsa-2048'),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (name, position, delta) => {
          const blob = Buffer.from(blobOf(generated(name).line));
          // The header is the type string and its length prefix: changing any of it must be caught.
          const headerLength = 4 + blob.readUInt32BE(0);
          const index = position % headerLength;
          blob[index] = ((blob[index] as number) + delta) % 256;
          const type = generated(name).line.split(' ')[0] as string;
          assert.ok('error' in parseSshKey(lineOf(type, blob)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
