import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const dir = mkdtempSync(join(tmpdir(), 'surplus-keys-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let keyCounter = 0;

/** A fresh key from ssh-keygen: its public line and the fingerprint ssh-keygen reports. */
function keygen(args: string[] = ['-t', 'ed25519'], comment = 'alice@laptop') {
  keyCounter++;
  const file = join(dir, `key${keyCounter}`);
  execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', comment, '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1] as string;
  return { line, fingerprint };
}

async function keyRows(user: TestUser) {
  return t.db.selectFrom('ssh_keys').selectAll().where('user_id', '=', user.id).execute();
}

describe('SSH keys', () => {
  it('adds a key with its fingerprint and lists it', async () => {
    const user = await t.user();
    const key = keygen();
    const added = await t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: `${key.line}\n` } });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.type, 'ssh-ed25519');
    assert.equal(added.body.bits, 256);
    assert.equal(added.body.fingerprint, key.fingerprint);
    assert.equal(added.body.label, 'alice@laptop');
    assert.equal(added.body.public_key, key.line);
    const listed = await t.call('GET', '/api/v1/me/ssh-keys', { as: user.token });
    assert.deepEqual(listed.body.items, [added.body]);
    const [row] = await keyRows(user);
    assert.equal(row?.fingerprint_sha256, key.fingerprint);
  });

  it('takes the label given over the comment, and ECDSA and RSA keys', async () => {
    const user = await t.user();
    const ecdsa = keygen(['-t', 'ecdsa', '-b', '384']);
    const rsa = keygen(['-t', 'rsa', '-b', '2048'], '');
    const first = await t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: ecdsa.line, label: 'work' } });
    assert.equal(first.body.label, 'work');
    assert.equal(first.body.bits, 384);
    const second = await t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: rsa.line } });
    assert.equal(second.status, 201);
    assert.equal(second.body.label, 'ssh-rsa key');
    assert.equal(second.body.bits, 2048);
    assert.equal(second.body.fingerprint, rsa.fingerprint);
  });

  it('shows each user only their own keys', async () => {
    const alice = await t.user();
    const bob = await t.user();
    await t.call('POST', '/api/v1/me/ssh-keys', { as: alice.token, body: { public_key: keygen().line } });
    assert.deepEqual((await t.call('GET', '/api/v1/me/ssh-keys', { as: bob.token })).body.items, []);
  });

  it('refuses the same key twice for one user with 409, but two users may share a key', async () => {
    const user = await t.user();
    const other = await t.user();
    const key = keygen();
    await t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: key.line } });
    const again = await t.call('POST', '/api/v1/me/ssh-keys', {
      as: user.token,
      body: { public_key: `${key.line.split(' ').slice(0, 2).join(' ')} other comment` },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'ERR_DUPLICATE_KEY');
    assert.deepEqual(again.body.error.fields, [{ field: 'public_key', message: 'is already added' }]);
    assert.equal((await keyRows(user)).length, 1);
    assert.equal((await t.call('POST', '/api/v1/me/ssh-keys', { as: other.token, body: { public_key: key.line } })).status, 201);
  });

  it('adds a key sent several times at once exactly once', async () => {
    const user = await t.user();
    const key = keygen();
    const responses = await Promise.all(
      [0, 1, 2, 3].map(() => t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: key.line } })),
    );
    assert.deepEqual(responses.map((response) => response.status).sort(), [201, 409, 409, 409]);
    assert.equal((await keyRows(user)).length, 1);
  });

  it('rejects invalid keys with 400 naming public_key and the reason, and stores nothing', async () => {
    const user = await t.user();
    const weak = keygen(['-t', 'rsa', '-b', '1024']);
    const dsa = keygen(['-t', 'dsa']);
    const good = keygen();
    const [type, body] = good.line.split(' ') as [string, string];
    for (const [publicKey, reason] of [
      [weak.line, 'is an RSA key of 1024 bits; at least 2048 are required'],
      [dsa.line, 'uses DSA, which OpenSSH no longer accepts; use ed25519'],
      ['garbage', 'is not an OpenSSH public key (expected "type base64 [comment]")'],
      [`${type} ${body.slice(0, 30)}`, 'has a truncated key body'],
      [`ssh-rsa ${body}`, 'says "ssh-rsa" but its body is a "ssh-ed25519" key'],
      [`${good.line}\n${keygen().line}`, 'must be exactly one key (one line)'],
    ] as const) {
      const response = await t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: publicKey } });
      assert.equal(response.status, 400, publicKey);
      assert.equal(response.body.error.code, 'ERR_VALIDATION');
      assert.deepEqual(response.body.error.fields, [{ field: 'public_key', message: reason }]);
      assert.equal(response.body.error.message, `public_key: ${reason}`);
    }
    assert.deepEqual(await keyRows(user), []);
  });

  it('removes a key; removing it again or someone else’s answers 404', async () => {
    const user = await t.user();
    const other = await t.user();
    const added = await t.call('POST', '/api/v1/me/ssh-keys', { as: user.token, body: { public_key: keygen().line } });
    const theirs = await t.call('DELETE', `/api/v1/me/ssh-keys/${added.body.id}`, { as: other.token });
    assert.equal(theirs.status, 404);
    assert.equal((await keyRows(user)).length, 1);
    assert.equal((await t.call('DELETE', `/api/v1/me/ssh-keys/${added.body.id}`, { as: user.token })).status, 204);
    assert.deepEqual(await keyRows(user), []);
    assert.equal((await t.call('DELETE', `/api/v1/me/ssh-keys/${added.body.id}`, { as: user.token })).status, 404);
    assert.deepEqual((await t.call('GET', '/api/v1/me/ssh-keys', { as: user.token })).body.items, []);
  });

  it("lists every member's keys with their owners to the project's members and staff, and to no one else", async () => {
    const owner = await t.user({ name: 'Olga Owner' });
    const member = await t.user({ name: 'Mo Member' });
    const outsider = await t.user();
    const operator = await t.user({ roles: ['operator'] });
    const project = await t.project(owner);
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    const ownerKey = await t.call('POST', '/api/v1/me/ssh-keys', { as: owner.token, body: { public_key: keygen().line } });
    const memberKey = await t.call('POST', '/api/v1/me/ssh-keys', { as: member.token, body: { public_key: keygen().line } });
    await t.call('POST', '/api/v1/me/ssh-keys', { as: outsider.token, body: { public_key: keygen().line } });
    for (const who of [owner, member, operator]) {
      const listed = await t.call('GET', `/api/v1/projects/${project.slug}/ssh-keys`, { as: who.token });
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.deepEqual(listed.body.items, [
        { ...memberKey.body, owner: { id: member.id, name: 'Mo Member' } },
        { ...ownerKey.body, owner: { id: owner.id, name: 'Olga Owner' } },
      ]);
    }
    const refused = await t.call('GET', `/api/v1/projects/${project.slug}/ssh-keys`, { as: outsider.token });
    assert.equal(refused.status, 404);
  });

  it('answers 400 naming id for a malformed key id', async () => {
    const user = await t.user();
    const response = await t.call('DELETE', '/api/v1/me/ssh-keys/12', { as: user.token });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.fields[0].field, 'id');
  });
});
