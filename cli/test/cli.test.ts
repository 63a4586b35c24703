/**
 * The real `surplus` command, run as a child process against Surplus listening on a real port with a
 * real PostgreSQL. Each test signs in from its own empty home directory.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestUser } from '../../server/test/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const t = await createTestApp();
let url = '';
const homes: string[] = [];

before(async () => {
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

type Run = { code: number | null; stdout: string; stderr: string };

/** One machine: a home directory of its own, and no SURPLUS_* variables unless a test sets them. */
async function machine() {
  const home = await mkdtemp(join(tmpdir(), 'surplus-cli-'));
  homes.push(home);
  const configFile = join(home, 'config', 'surplus', 'config.json');
  const run = (args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'config'), ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
  /** Runs a command that must succeed and parses its --json output. */
  const json = async (args: string[], options: { env?: Record<string, string>; input?: string } = {}) => {
    const result = await run([...args, '--json'], options);
    assert.equal(result.code, 0, `surplus ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  return { home, configFile, run, json };
}

async function signedInMachine(user: TestUser) {
  const m = await machine();
  await m.json(['login', '--url', url, '--token', user.token]);
  return m;
}

describe('surplus CLI', () => {
  it('signs in with email and password, keeps only a new API token in a private file, and says who is signed in', async () => {
    const user = await t.user({ name: 'Ada Lovelace' });
    const m = await machine();
    const sessionsOf = (id: string) => t.db.selectFrom('sessions').select('csrf_token').where('user_id', '=', id).execute();
    const sessionsBefore = await sessionsOf(user.id);

    const login = await m.run(['login', '--url', url, '--email', user.email, '--password', user.password]);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`Signed in to ${url} as Ada Lovelace <${user.email}>`));

    assert.equal((await stat(m.configFile)).mode & 0o777, 0o600);
    assert.equal((await stat(join(m.home, 'config', 'surplus'))).mode & 0o777, 0o700);
    const text = await readFile(m.configFile, 'utf8');
    assert.ok(!text.includes(user.password), 'the config file must not hold the password');
    const config = JSON.parse(text);
    assert.equal(config.url, url);
    assert.match(config.token, /^sps_/);

    const tokens = await t.call('GET', '/api/v1/me/tokens', { as: config.token });
    assert.equal(tokens.status, 200);
    const made = tokens.body.items.find((token: { id: string }) => token.id === config.token_id);
    assert.equal(made.name, `cli on ${hostname()}`);
    // The session used to make the token is ended, not left behind (the factory's sign-up made the other).
    assert.deepEqual(await sessionsOf(user.id), sessionsBefore);

    const me = await m.json(['whoami']);
    assert.equal(me.user.email, user.email);
    assert.equal(me.via, 'token');
    const whoami = await m.run(['whoami']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /Name:\s+Ada Lovelace/);
    assert.match(whoami.stdout, new RegExp(`Email:\\s+${user.email}`));
  });

  it('reads the password from stdin with --password -', async () => {
    const user = await t.user();
    const m = await machine();
    const me = await m.json(['login', '--url', url, '--email', user.email, '--password', '-'], { input: `${user.password}\n` });
    assert.equal(me.user.id, user.id);
  });

  it('rejects a wrong password with exit 1 and stores nothing', async () => {
    const user = await t.user();
    const m = await machine();
    const result = await m.run(['login', '--url', url, '--email', user.email, '--password', 'not-it']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: The email or password is wrong\./);
    await assert.rejects(stat(m.configFile), { code: 'ENOENT' });
  });

  it('creates, lists and shows projects', async () => {
    const owner = await t.user();
    const m = await signedInMachine(owner);

    const created = await m.json([
      'projects',
      'create',
      '--name',
      'Flatcar Linux',
      '--repo',
      'git@github.com:flatcar/Flatcar.git',
      '--license',
      'Apache-2.0 OR MIT',
      '--slug',
      `flatcar-${owner.id.slice(0, 8)}`,
      '--description',
      'A container OS.',
      '--foundation',
      'CNCF',
      '--public',
    ]);
    assert.equal(created.repository.url, 'https://github.com/flatcar/Flatcar');
    assert.equal(created.license.is_osi_approved, true);
    assert.equal(created.my_role, 'owner');
    assert.equal(created.foundation, 'CNCF');
    assert.equal(created.is_public, true);

    const list = await m.json(['projects', 'list']);
    assert.deepEqual(
      list.items.map((p: { id: string }) => p.id),
      [created.id],
    );
    assert.equal(list.next_cursor, null);

    const table = await m.run(['projects', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.trimEnd().split('\n');
    assert.match(header ?? '', /^SLUG\s+NAME\s+REPOSITORY\s+LICENCE\s+ROLE\s+MEMBERS\s+CREATED$/);
    assert.match(
      row ?? '',
      new RegExp(`^${created.slug}\\s+Flatcar Linux\\s+github.com/flatcar/Flatcar\\s+Apache-2.0 OR MIT\\s+owner\\s+1\\s+just now$`),
    );
    assert.equal(header?.indexOf('NAME'), row?.indexOf('Flatcar Linux'), 'columns line up');

    assert.deepEqual(await m.json(['projects', 'show', created.slug]), created);
    const shown = await m.run(['projects', 'show', created.slug]);
    assert.match(shown.stdout, /Repository:\s+https:\/\/github.com\/flatcar\/Flatcar/);
    assert.match(shown.stdout, /Licence:\s+Apache-2.0 OR MIT \(OSI-approved\)/);
    assert.match(shown.stdout, / {2}A container OS\./);

    const search = await m.json(['projects', 'list', '--search', 'no-such-thing']);
    assert.deepEqual(search.items, []);
  });

  it('follows cursors across pages up to --limit', async () => {
    const owner = await t.user();
    for (let i = 0; i < 203; i++) await t.project(owner);
    const m = await signedInMachine(owner);

    const all = await m.json(['projects', 'list', '--limit', '500']);
    assert.equal(all.items.length, 203);
    assert.equal(new Set(all.items.map((p: { id: string }) => p.id)).size, 203);
    assert.equal(all.next_cursor, null);

    const some = await m.json(['projects', 'list', '--limit', '201']);
    assert.deepEqual(some.items, all.items.slice(0, 201));
    assert.ok(some.next_cursor, 'a cursor to the rest');
    const rest = await t.call('GET', `/api/v1/projects?cursor=${some.next_cursor}`, { as: owner.token });
    assert.deepEqual(rest.body.items, all.items.slice(201));

    const few = await m.run(['projects', 'list', '--limit', '2']);
    assert.equal(few.stdout.trimEnd().split('\n').length, 3);
    assert.match(few.stderr, /More projects exist; raise --limit/);
  });

  it('invites members, lists them and removes one', async () => {
    const owner = await t.user({ name: 'Owner' });
    const invitee = await t.user({ name: 'Grace Hopper' });
    const project = await t.project(owner);
    const m = await signedInMachine(owner);

    const created = await m.json(['members', 'invite', '--project', project.slug, '--email', invitee.email, '--role', 'member']);
    assert.equal(created.invitation.email, invitee.email);
    assert.equal(created.invitation.state, 'pending');
    const byLogin = await m.run(['members', 'invite', '--project', project.slug, '--github', 'octocat', '--role', 'owner']);
    assert.equal(byLogin.code, 0, byLogin.stderr);
    assert.match(byLogin.stdout, new RegExp(`Invited @octocat to ${project.slug} as owner`));

    const accepted = await t.call('POST', `/api/v1/invitations/${created.invitation.id}/accept`, { as: invitee.token });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));

    const list = await m.json(['members', 'list', '--project', project.slug]);
    const roles = Object.fromEntries(
      list.items.map((member: { user: { email: string }; role: string }) => [member.user.email, member.role]),
    );
    assert.deepEqual(roles, { [owner.email]: 'owner', [invitee.email]: 'member' });
    const table = await m.run(['members', 'list', '--project', project.slug]);
    assert.match(table.stdout, /^NAME\s+EMAIL\s+GITHUB\s+ROLE\s+JOINED\s+USER ID$/m);
    assert.match(table.stdout, new RegExp(`^Grace Hopper\\s+${invitee.email}\\s+-\\s+member\\s+just now\\s+${invitee.id}$`, 'm'));

    const removed = await m.json(['members', 'remove', '--project', project.slug, invitee.email]);
    assert.equal(removed.user.id, invitee.id);
    const after = await m.json(['members', 'list', '--project', project.slug]);
    assert.deepEqual(
      after.items.map((member: { user: { id: string } }) => member.user.id),
      [owner.id],
    );

    const both = await m.run(['members', 'invite', '--project', project.slug]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give exactly one of --email or --github/);
    const stranger = await m.run(['members', 'remove', '--project', project.slug, 'nobody@example.org']);
    assert.equal(stranger.code, 4);
  });

  it('adds, lists and removes an SSH key made by ssh-keygen, and never sends a private key', async () => {
    const user = await t.user();
    const m = await signedInMachine(user);
    const keyFile = join(m.home, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'laptop', '-f', keyFile]);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];

    const added = await m.json(['keys', 'add', `${keyFile}.pub`]);
    assert.equal(added.fingerprint, fingerprint);
    assert.equal(added.label, 'laptop');
    assert.equal(added.type, 'ssh-ed25519');

    const list = await m.json(['keys', 'list']);
    assert.deepEqual(list.items, [added]);
    const table = await m.run(['keys', 'list']);
    assert.match(
      table.stdout,
      new RegExp(`^${added.id}\\s+laptop\\s+ssh-ed25519\\s+256\\s+${fingerprint?.replace(/[+/]/g, '\\$&')}\\s+just now$`, 'm'),
    );

    const secret = await m.run(['keys', 'add', keyFile]);
    assert.equal(secret.code, 2);
    assert.match(secret.stderr, /is a private key/);

    const duplicate = await m.run(['keys', 'add', '-', '--label', 'again'], { input: await readFile(`${keyFile}.pub`, 'utf8') });
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /^error: public_key: you already added the key SHA256:/);

    const removed = await m.json(['keys', 'remove', added.id]);
    assert.equal(removed.id, added.id);
    assert.deepEqual((await m.json(['keys', 'list'])).items, []);
    assert.equal((await m.run(['keys', 'remove', added.id])).code, 4);
  });

  it('creates a token whose secret works, lists it, and revokes it', async () => {
    const user = await t.user();
    const m = await signedInMachine(user);

    const created = await m.json(['tokens', 'create', '--name', 'ci', '--expires-in-days', '10']);
    assert.match(created.secret, /^sps_/);
    assert.equal(created.token.name, 'ci');
    const days = (Date.parse(created.token.expires_at) - Date.now()) / 86_400_000;
    assert.ok(days > 9 && days <= 10, `expires in ${days} days`);

    const other = await machine();
    const env = { SURPLUS_URL: url, SURPLUS_TOKEN: created.secret };
    assert.equal((await other.json(['whoami'], { env })).user.id, user.id);

    const plain = await m.run(['tokens', 'create', '--name', 'script']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^sps_\S+\n$/, 'only the secret on stdout');
    assert.match(plain.stderr, /never shows it again/);

    const list = await m.json(['tokens', 'list']);
    assert.deepEqual(list.items.map((token: { name: string }) => token.name).sort(), ['ci', 'script', 'test']);
    const table = await m.run(['tokens', 'list']);
    assert.match(table.stdout, /^ID\s+NAME\s+PREFIX\s+CREATED\s+LAST USED\s+EXPIRES\s+STATE$/m);
    assert.match(table.stdout, /\s+test\s+.*active \(this CLI\)$/m);
    assert.match(table.stdout, /\s+ci\s+sps_\S+…\s+just now\s+just now\s+in 1 week\s+active$/m);

    const revoked = await m.json(['tokens', 'revoke', created.token.id]);
    assert.ok(revoked.revoked_at);
    const refused = await other.run(['whoami'], { env });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /not valid, expired or revoked/);
    assert.equal((await m.run(['tokens', 'revoke', '00000000-0000-4000-8000-000000000000'])).code, 4);
  });

  it('works from SURPLUS_URL and SURPLUS_TOKEN without a config file', async () => {
    const user = await t.user();
    const project = await t.project(user);
    const m = await machine();
    const env = { SURPLUS_URL: url, SURPLUS_TOKEN: user.token };
    const list = await m.json(['projects', 'list'], { env });
    assert.deepEqual(
      list.items.map((p: { slug: string }) => p.slug),
      [project.slug],
    );
    const whoami = await m.run(['whoami'], { env });
    assert.match(whoami.stdout, /Token:\s+from SURPLUS_TOKEN/);
    await assert.rejects(stat(m.configFile), { code: 'ENOENT' });
  });

  it('sends a stored token only to the URL it was made for', async () => {
    const user = await t.user();
    const m = await signedInMachine(user);
    // The same server under another name: if the token went along, the call would succeed.
    const elsewhere = url.replace('127.0.0.1', 'localhost');
    const result = await m.run(['whoami'], { env: { SURPLUS_URL: elsewhere } });
    assert.equal(result.code, 3);
    assert.match(result.stderr, new RegExp(`signed in to ${url}, not ${elsewhere}`));
  });

  it('logs out: revokes the stored token and forgets it', async () => {
    const user = await t.user();
    const token = (await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'laptop' } })).body;
    const m = await machine();
    await m.json(['login', '--url', url, '--token', token.secret]);

    const result = await m.json(['logout']);
    assert.equal(result.revoked_token.id, token.token.id);
    assert.ok(result.revoked_token.revoked_at);
    await assert.rejects(stat(m.configFile), { code: 'ENOENT' });
    assert.equal((await t.call('GET', '/api/v1/me', { as: token.secret })).status, 401);
    assert.equal((await m.run(['whoami'])).code, 3);
  });

  it('prints the field error and request id for a bad licence and exits 1', async () => {
    const user = await t.user();
    const m = await signedInMachine(user);
    const args = ['projects', 'create', '--name', 'Bad', '--repo', 'https://github.com/example/bad', '--license', 'Apache-2.0 AND'];

    const text = await m.run(args);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /^error: license: is not a valid SPDX expression/);
    assert.match(text.stderr, /request id: \S+/);

    const json = await m.run([...args, '--json']);
    assert.equal(json.code, 1);
    assert.equal(json.stdout, '');
    const { error } = JSON.parse(json.stderr);
    assert.equal(error.code, 'ERR_VALIDATION');
    assert.equal(error.fields[0].field, 'license');
    assert.ok(error.request_id);
    const projects = await t.call('GET', '/api/v1/projects', { as: user.token });
    assert.deepEqual(projects.body.items, []);
  });

  it('exits 4 for an unknown project, 3 without a config, 2 for bad usage, and names the URL it cannot reach', async () => {
    const user = await t.user();
    const m = await signedInMachine(user);

    const missing = await m.run(['projects', 'show', 'no-such-project']);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /^error: .*not found/i);
    assert.equal((await m.run(['members', 'list', '--project', 'no-such-project'])).code, 4);

    const fresh = await machine();
    const unsigned = await fresh.run(['projects', 'list', '--json']);
    assert.equal(unsigned.code, 3);
    assert.equal(JSON.parse(unsigned.stderr).error.code, 'ERR_NOT_SIGNED_IN');

    assert.equal((await m.run(['projects', 'list', '--limit', 'many'])).code, 2);
    assert.equal((await m.run(['projects', 'frobnicate'])).code, 2);
    assert.equal((await m.run(['members', 'invite', '--project', 'x', '--email', 'a@example.org', '--role', 'boss'])).code, 2);
    assert.equal((await fresh.run(['login', '--url', 'not a url', '--token', 'x'])).code, 2);

    // A port nothing listens on: take one from a server we close again.
    const closed = await createClosedPortUrl();
    const unreachable = await fresh.run(['login', '--url', closed, '--token', 'sps_x']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`cannot reach Surplus at ${closed}/api/v1/me: .*ECONNREFUSED`));
  });
});

async function createClosedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}
