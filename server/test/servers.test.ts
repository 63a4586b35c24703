/**
 * Servers and their workflows on a real PostgreSQL, without QEMU: grant enforcement and bad input at
 * create, visibility, double allocation under concurrent creates, the metadata token's scope, reaping
 * by termination_time and by a grant's end, and a BMC that answers 500s or hangs.
 *
 * The machines are behind real Redfish services over loopback HTTP: the lab's virtual BMC with
 * MemoryMachine stand-ins (power changes instantly, nothing boots; they record every start) and the
 * DMTF public-rackmount1 mockup replayed with injected faults. Machines phone home through the real
 * boot and metadata service (its Fastify app, called in-process), with the token its iPXE script
 * carries, as a booted OS would.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createBootServer } from '../src/boot/boot.server.ts';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { createLabProvider } from '../src/providers/lab/lab-provider.ts';
import { systemPath, VirtualBmc } from '../src/providers/lab/virtual-bmc.ts';
import { MemoryMachine } from '../src/providers/lab/virtual-machine.ts';
import { MockupReplayServer } from '../src/providers/redfish/fixtures/mockup-replay-server.ts';
import { RedfishProvider } from '../src/providers/redfish/redfish-provider.ts';
import type { Provider } from '../src/providers/types.ts';
import { createTestApp, type TestUser } from './harness.ts';

const RACKMOUNT = new URL('../src/providers/redfish/fixtures/dmtf-mockups/public-rackmount1/', import.meta.url).pathname;
const RACKMOUNT_SYSTEM = '/redfish/v1/Systems/437XR1138R2';
const BMC_PASSWORD = `bmc-${randomBytes(6).toString('hex')}`;
const REDFISH_ATTEMPTS = 3;
const REDFISH_TIMEOUT_MS = 1_500;
const STEP_TIMEOUT_MS = 2_500;
const BOOT_URL = 'http://boot.surplus.test:8081';

const secretKey = randomBytes(32);
const secrets = new SecretBox(secretKey);

// The lab's Redfish virtual BMC over loopback HTTP, its machines stand-ins that answer at once.
const memoryMachines = Array.from({ length: 40 }, (_, index) => new MemoryMachine({ id: `mem-${index + 1}` }));
const virtualBmc = new VirtualBmc({ machines: memoryMachines, username: 'admin', password: BMC_PASSWORD });
await virtualBmc.listen();
after(() => virtualBmc.close());

const t = await createTestApp({
  secretKey,
  providers: new Map<string, Provider>([
    ['lab', createLabProvider({ attempts: 2, backoffMs: 1, timeoutMs: 5_000 })],
    ['redfish', new RedfishProvider({ attempts: REDFISH_ATTEMPTS, backoffMs: 20, timeoutMs: REDFISH_TIMEOUT_MS })],
  ]),
  provisioning: { bootUrl: BOOT_URL, bootTimeoutSeconds: 600, stepTimeoutMs: STEP_TIMEOUT_MS, labSshHost: '127.0.0.1' },
});

// The boot and metadata service, as machines on the provisioning network reach it.
const artifactsDir = mkdtempSync(join(tmpdir(), 'surplus-servers-test-'));
after(() => rmSync(artifactsDir, { recursive: true, force: true }));
mkdirSync(join(artifactsDir, 'lab_live'));
writeFileSync(join(artifactsDir, 'lab_live', 'vmlinuz'), 'kernel');
writeFileSync(join(artifactsDir, 'lab_live', 'initrd.gz'), 'initrd');
const boot = await createBootServer({
  bootUrl: BOOT_URL,
  labBootUrl: BOOT_URL,
  artifactsDir,
  logger: false,
  servers: t.services.servers,
  serversRepository: t.services.serversRepository,
  catalog: t.services.catalog,
  db: t.db,
});
await boot.ready();
after(() => boot.close());

const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
assert.equal(
  (
    await t.call('POST', '/api/v1/programs', {
      as: admin.token,
      body: { slug: 'srv', name: 'Servers program', budget_cents_per_year: 1_000_000_000 },
    })
  ).status,
  201,
);

// ── factories ──────────────────────────────────────────────────────────────────────────────────────

let counter = 0;
const letters = (n: number) => {
  let out = '';
  for (let rest = n; out.length < 3; rest = Math.floor(rest / 26)) out += String.fromCharCode(97 + (rest % 26));
  return out;
};

/** A metro of its own, so no other test's machines are in its pool. */
async function metro(): Promise<string> {
  counter++;
  const code = `t${letters(counter)}`;
  const response = await t.call('PUT', `/api/v1/catalog/metros/${code}`, { as: admin.token, body: { name: `Test ${code}` } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return code;
}

function sshKey(comment: string) {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} ${comment}`;
}

let memoryIndex = 0;
/** An available machine behind the virtual BMC (one MemoryMachine of its own). */
async function labMachine(metroCode: string, plan = 'lab.vm.x86') {
  const memory = memoryMachines[memoryIndex++];
  assert.ok(memory, 'out of memory machines: raise the count above');
  const id = crypto.randomUUID();
  const mac = `02:5f:00:00:${(memoryIndex >> 8).toString(16).padStart(2, '0')}:${(memoryIndex & 255).toString(16).padStart(2, '0')}`;
  const row = await t.db
    .insertInto('machines')
    .values({
      id,
      hostname: `srv-${memoryIndex}-${randomBytes(2).toString('hex')}`,
      plan_slug: plan,
      metro_code: metroCode,
      mac_addresses: [mac],
      bmc_provider: 'lab',
      bmc_url: virtualBmc.url,
      bmc_username: 'admin',
      bmc_password_encrypted: secrets.seal(BMC_PASSWORD, `machine:${id}:bmc`),
      bmc_system_path: systemPath(memory.info.id),
      state: 'available',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await t.db.insertInto('machine_macs').values({ mac, machine_id: id }).execute();
  return { row, memory, mac };
}

type Granted = { owner: TestUser; project: { id: string; slug: string }; grant: { id: string } };

/** A project whose owner has an SSH key, with an approved grant on the given terms. */
async function grantedProject(terms: { plans: string[]; metros: string[]; maxServers?: number }): Promise<Granted> {
  const owner = await t.user();
  assert.equal((await t.call('POST', '/api/v1/me/ssh-keys', { as: owner.token, body: { public_key: sshKey(owner.email) } })).status, 201);
  const project = await t.project(owner);
  const requested = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'srv',
      project: project.slug,
      purpose: 'ci_cd',
      description: 'CI',
      resources: [{ plan: terms.plans[0], quantity: 1, metro: terms.metros[0], operating_system: 'lab_live' }],
      end_on: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  assert.equal(requested.status, 201, JSON.stringify(requested.body));
  const approved = await t.call('POST', `/api/v1/requests/${requested.body.id}/approve`, {
    as: reviewer.token,
    body: {
      max_servers: terms.maxServers ?? 5,
      allowed_plans: terms.plans,
      allowed_metros: terms.metros,
      monthly_credit_cents: 10_000_000,
    },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  return { owner, project, grant: approved.body.grant };
}

function createServer(as: TestUser, body: Record<string, unknown>) {
  return t.call('POST', '/api/v1/servers', { as: as.token, body: { plan: 'lab.vm.x86', operating_system: 'lab_live', ...body } });
}

async function server(id: string, as: TestUser = admin) {
  const response = await t.call('GET', `/api/v1/servers/${id}`, { as: as.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function machineRow(id: string) {
  return t.db.selectFrom('machines').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** What the machine's iPXE request gets from the boot service, and the metadata token in it. */
async function ipxeFor(mac: string): Promise<{ script: string; token: string | null }> {
  const response = await boot.inject({ method: 'GET', url: `/boot/ipxe?mac=${mac}` });
  assert.equal(response.statusCode, 200);
  const token = /\/metadata\/([A-Za-z0-9_-]+)/.exec(response.body)?.[1] ?? null;
  return { script: response.body, token };
}

async function metadata(token: string, path: string) {
  const response = await boot.inject({ method: 'GET', url: `/metadata/${token}/${path}` });
  return { status: response.statusCode, body: response.body };
}

/** The booted OS reports in, with the token its kernel command line carries. */
async function phoneHome(mac: string): Promise<string> {
  const { token } = await ipxeFor(mac);
  assert.ok(token, 'the iPXE script carries a metadata token');
  const response = await boot.inject({ method: 'POST', url: `/metadata/${token}/phone-home` });
  assert.equal(response.statusCode, 200, response.body);
  return JSON.parse(response.body).outcome;
}

async function runJob(name: string) {
  await sql`select graphile_worker.add_job(${name}, '{}'::json)`.execute(t.db);
  await t.runJobs();
}

/** A server made active on its own machine: created, provisioned by the worker, phoned home. */
async function activeServer(granted: Granted, metroCode: string, body: Record<string, unknown> = {}) {
  const machine = await labMachine(metroCode);
  const created = await createServer(granted.owner, { project: granted.project.slug, metro: metroCode, ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await t.runJobs();
  assert.equal(await phoneHome(machine.mac), 'active');
  const found = await server(created.body.id);
  assert.equal(found.state, 'active', found.state_reason);
  return { server: found, machine };
}

const codeOf = (response: { body: { error?: { code?: string } } }) => response.body.error?.code;

// ── tests ──────────────────────────────────────────────────────────────────────────────────────────

describe('provisioning through the workflow', () => {
  it('allocates, sets a one-time network boot, powers on, and goes active on phone-home; delete wipes and frees the machine', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const machine = await labMachine(code);

    const created = await createServer(granted.owner, { project: granted.project.slug, metro: code, hostname: 'ci-runner-1' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'queued');
    assert.equal(created.body.ssh, null);
    // The answer is the server as created, as GET shows it before the provision starts.
    const { timeline: createdTimeline, ...createdView } = created.body;
    const { timeline: queuedTimeline, ...queuedView } = await server(created.body.id);
    assert.deepEqual(createdView, queuedView);
    assert.deepEqual(createdTimeline, queuedTimeline);
    assert.deepEqual(
      createdTimeline.map((event: { step: string; actor: string }) => [event.step, event.actor]),
      [['queued', granted.owner.email]],
    );
    await t.runJobs();

    let found = await server(created.body.id);
    assert.equal(found.state, 'provisioning');
    assert.equal(found.progress_percent, 30);
    assert.deepEqual(found.machine, { id: machine.row.id, hostname: machine.row.hostname });
    assert.equal((await machineRow(machine.row.id)).state, 'allocated');
    assert.deepEqual(machine.memory.boots, ['n'], 'the machine started once, from the network');
    const actions = await t.db
      .selectFrom('bmc_actions')
      .select(['idempotency_key', 'action', 'provider', 'outcome'])
      .where('machine_id', '=', machine.row.id)
      .orderBy('idempotency_key')
      .execute();
    assert.deepEqual(
      actions.map((a) => [a.idempotency_key.replace(/:boot-pxe:[0-9a-f]+$/, ':boot-pxe'), a.action, a.provider, a.outcome]),
      [
        [`${found.id}:g0:boot-pxe`, 'boot:pxe', 'lab', 'done'],
        [`${found.id}:g0:power-cycle`, 'power:on', 'lab', 'done'],
      ],
    );

    // The machine netboots: its script boots the OS with its metadata URL; it reads its keys and reports.
    const { script, token } = await ipxeFor(machine.mac);
    assert.match(script, /^#!ipxe\nkernel http:\/\/boot\.surplus\.test:8081\/boot\/artifacts\/lab_live\/vmlinuz\?server=[0-9a-f-]+ /);
    assert.match(script, /surplus\.metadata=http:\/\/boot\.surplus\.test:8081\/metadata\/[A-Za-z0-9_-]+\ninitrd .*\nboot\n$/);
    assert.equal((await boot.inject({ method: 'GET', url: `/boot/artifacts/lab_live/vmlinuz?server=${found.id}` })).body, 'kernel');
    const keys = await metadata(token as string, 'public-keys');
    assert.equal(keys.status, 200);
    assert.match(keys.body, new RegExp(`^ssh-ed25519 \\S+ ${granted.owner.email.replace('.', '\\.')}\\n$`));
    assert.equal(await phoneHome(machine.mac), 'active');

    found = await server(created.body.id);
    assert.equal(found.state, 'active');
    assert.equal(found.progress_percent, 100);
    assert.ok(found.activated_at);
    assert.deepEqual(
      found.timeline.map((event: { step: string; progress_percent: number }) => [event.step, event.progress_percent]),
      [
        ['queued', 0],
        ['allocated', 10],
        ['boot_override', 20],
        ['power_cycle', 30],
        ['netboot', 40],
        ['kernel', 60],
        ['metadata', 80],
        ['phone_home', 100],
      ],
    );

    // Delete: the machine netboots the wipe task, which phones home with the next generation's token.
    const deleted = await t.call('DELETE', `/api/v1/servers/${found.id}`, { as: granted.owner.token });
    assert.equal(deleted.status, 202);
    assert.equal(deleted.body.state, 'deprovisioning');
    await t.runJobs();
    assert.equal((await machineRow(machine.row.id)).state, 'wiping');
    const wipe = await ipxeFor(machine.mac);
    assert.match(wipe.script, /surplus\.task=wipe/);
    assert.notEqual(wipe.token, token);
    assert.equal(await phoneHome(machine.mac), 'wiped');
    found = await server(created.body.id);
    assert.equal(found.state, 'deleted');
    const freed = await machineRow(machine.row.id);
    assert.deepEqual([freed.state, freed.server_id], ['available', null]);
    assert.deepEqual(machine.memory.boots, ['n', 'n']);
  });

  it('writes its bookkeeping (BMC actions, progress steps) with commits that do not wait for the disk, and state changes with ones that do', async () => {
    assert.equal((await sql<{ s: string }>`select current_setting('synchronous_commit') as s`.execute(t.bookkeepingDb)).rows[0]?.s, 'off');
    assert.equal((await sql<{ s: string }>`select current_setting('synchronous_commit') as s`.execute(t.db)).rows[0]?.s, 'on');
    // What each write's transaction would do at commit, noted by a trigger for this test only.
    await sql`create table commit_modes (tbl text, what text, mode text)`.execute(t.db);
    await sql`create function note_commit_mode() returns trigger language plpgsql as $$
      begin
        insert into commit_modes values (tg_table_name, coalesce(to_jsonb(new) ->> 'step', to_jsonb(new) ->> 'outcome'), current_setting('synchronous_commit'));
        return null;
      end $$`.execute(t.db);
    await sql`create trigger note_commit_mode after insert or update on server_events for each row execute function note_commit_mode()`.execute(
      t.db,
    );
    await sql`create trigger note_commit_mode after insert or update on bmc_actions for each row execute function note_commit_mode()`.execute(
      t.db,
    );
    try {
      const code = await metro();
      const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
      const machine = await labMachine(code);
      const created = await createServer(granted.owner, { project: granted.project.slug, metro: code });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await t.runJobs();
      const { script, token } = await ipxeFor(machine.mac);
      await boot.inject({ method: 'GET', url: /^kernel (\S+)/m.exec(script)?.[1]?.replace(/^https?:\/\/[^/]+/, '') as string });
      await metadata(token as string, 'public-keys');
      assert.equal(await phoneHome(machine.mac), 'active');
      const { rows } = await sql<{ tbl: string; what: string; mode: string }>`select * from commit_modes`.execute(t.db);
      const modes = rows.map((row) => `${row.tbl} ${row.what}: ${row.mode}`).sort();
      assert.deepEqual(modes, [
        'bmc_actions done: off',
        'bmc_actions done: off',
        'bmc_actions started: off',
        'bmc_actions started: off',
        'server_events allocated: on',
        'server_events boot_override: off',
        'server_events kernel: off',
        'server_events metadata: off',
        'server_events netboot: off',
        'server_events phone_home: on',
        'server_events power_cycle: off',
        'server_events queued: on',
      ]);
    } finally {
      await sql`drop trigger note_commit_mode on server_events`.execute(t.db);
      await sql`drop trigger note_commit_mode on bmc_actions`.execute(t.db);
      await sql`drop function note_commit_mode()`.execute(t.db);
      await sql`drop table commit_modes`.execute(t.db);
    }
  });
});

describe('grant enforcement at create', () => {
  let code: string;
  let otherMetro: string;
  let granted: Granted;
  before(async () => {
    code = await metro();
    otherMetro = await metro();
    granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code], maxServers: 1 });
    await labMachine(code);
    await labMachine(code);
    await labMachine(code, 't3.small.x86');
    await labMachine(otherMetro);
  });

  it('refuses a plan the grant does not allow with 403, naming the plans it allows', async () => {
    const response = await createServer(granted.owner, { project: granted.project.slug, metro: code, plan: 't3.small.x86' });
    assert.equal(response.status, 403);
    assert.equal(codeOf(response), 'ERR_GRANT_LIMIT');
    assert.match(response.body.error.message, new RegExp(`allows plans lab\\.vm\\.x86 in metros ${code}; not t3\\.small\\.x86 in ${code}`));
  });

  it('refuses a metro the grant does not allow with 403, naming the metros it allows', async () => {
    const response = await createServer(granted.owner, { project: granted.project.slug, metro: otherMetro });
    assert.equal(response.status, 403);
    assert.equal(codeOf(response), 'ERR_GRANT_LIMIT');
    assert.match(response.body.error.message, new RegExp(`in metros ${code}; not lab\\.vm\\.x86 in ${otherMetro}`));
  });

  it('refuses more concurrent servers than the grant allows with 403 and the numbers', async () => {
    const first = await createServer(granted.owner, { project: granted.project.slug, metro: code });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await createServer(granted.owner, { project: granted.project.slug, metro: code });
    assert.equal(second.status, 403);
    assert.equal(codeOf(second), 'ERR_GRANT_LIMIT');
    assert.equal(second.body.error.message, 'The grant allows 1 concurrent server(s); the project has 1.');
    const rows = await t.db.selectFrom('servers').select('id').where('project_id', '=', granted.project.id).execute();
    assert.equal(rows.length, 1, 'the refused create wrote nothing');
  });

  it('counts creates sent at once one after the other: exactly the allowed number is created, the rest refused', async () => {
    const burst = await grantedProject({ plans: ['lab.vm.x86'], metros: [code], maxServers: 2 });
    await labMachine(code);
    await labMachine(code);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => createServer(burst.owner, { project: burst.project.slug, metro: code })),
    );
    assert.deepEqual(responses.map((response) => response.status).sort(), [201, 201, 403, 403, 403, 403]);
    for (const refused of responses.filter((response) => response.status === 403))
      assert.equal(refused.body.error.message, 'The grant allows 2 concurrent server(s); the project has 2.');
    const rows = await t.db.selectFrom('servers').select('id').where('project_id', '=', burst.project.id).execute();
    assert.equal(rows.length, 2);

    // The grant says how many are in use, as the check counted them (the web shows it beside the list).
    const inUse = async () => {
      const grant = await t.call('GET', `/api/v1/grants/${burst.grant.id}`, { as: burst.owner.token });
      const listed = await t.call('GET', `/api/v1/grants?project=${burst.project.slug}`, { as: burst.owner.token });
      assert.equal(listed.body.items[0].servers_in_use, grant.body.servers_in_use);
      return grant.body.servers_in_use;
    };
    assert.equal(await inUse(), 2);
    // A failed server no longer counts.
    await t.db
      .updateTable('servers')
      .set({ state: 'failed' })
      .where('id', '=', rows[0]?.id as string)
      .execute();
    assert.equal(await inUse(), 1);
  });

  it('refuses a project without a grant with 403', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const response = await createServer(owner, { project: project.slug, metro: code });
    assert.equal(response.status, 403);
    assert.equal(codeOf(response), 'ERR_NO_GRANT');
  });

  it('answers 409 when no machine of the plan is available in the metro', async () => {
    const empty = await metro();
    const other = await grantedProject({ plans: ['lab.vm.x86'], metros: [empty] });
    const response = await createServer(other.owner, { project: other.project.slug, metro: empty });
    assert.equal(response.status, 409);
    assert.equal(codeOf(response), 'ERR_NO_CAPACITY');
    assert.match(response.body.error.message, new RegExp(`No lab\\.vm\\.x86 machine is available in ${empty}`));
    assert.equal((await t.db.selectFrom('servers').select('id').where('project_id', '=', other.project.id).execute()).length, 0);
  });

  it('lets only project members create servers, and hides the project from strangers', async () => {
    const stranger = await t.user();
    const response = await createServer(stranger, { project: granted.project.slug, metro: code });
    assert.equal(response.status, 404);
  });
});

describe('bad input at create: 400 naming the field, nothing written', () => {
  let code: string;
  let granted: Granted;
  before(async () => {
    code = await metro();
    granted = await grantedProject({ plans: ['lab.vm.x86', 'c3.large.arm64'], metros: [code] });
    await labMachine(code);
    await labMachine(code, 'c3.large.arm64');
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'an ipxe_script_url that is not http(s)',
      { operating_system: 'custom_ipxe', ipxe_script_url: 'ftp://boot.example/x.ipxe' },
      'ipxe_script_url',
      /http\(s\) URL/,
    ],
    [
      'a file: ipxe_script_url',
      { operating_system: 'custom_ipxe', ipxe_script_url: 'file:///etc/passwd' },
      'ipxe_script_url',
      /http\(s\) URL/,
    ],
    [
      'an inline iPXE script without #!ipxe',
      { operating_system: 'custom_ipxe', ipxe_script: 'kernel http://x/vmlinuz\nboot' },
      'ipxe_script',
      /#!ipxe/,
    ],
    [
      'an inline iPXE script over 64 KiB',
      { operating_system: 'custom_ipxe', ipxe_script: `#!ipxe\n${'echo x\n'.repeat(10_000)}` },
      'ipxe_script',
      /64 KiB/,
    ],
    ['custom_ipxe with neither a URL nor a script', { operating_system: 'custom_ipxe' }, 'ipxe_script_url', /required for custom_ipxe/],
    ['a hostname with an underscore', { hostname: 'ci_runner' }, 'hostname', /RFC 1123/],
    ['a hostname starting with a dash', { hostname: '-runner' }, 'hostname', /RFC 1123/],
    ['a hostname of 64 characters', { hostname: 'a'.repeat(64) }, 'hostname', /RFC 1123/],
    ['a dotted hostname', { hostname: 'runner.example.org' }, 'hostname', /RFC 1123/],
    ['userdata over 64 KiB', { userdata: 'x'.repeat(64 * 1024 + 1) }, 'userdata', /64 KiB/],
    [
      'an OS not offered for the plan’s architecture',
      { plan: 'c3.large.arm64', operating_system: 'freebsd_13' },
      'operating_system',
      /not offered for aarch64/,
    ],
    [
      'an OS only for x86_64 on an arm64 plan (the lab image)',
      { plan: 'c3.large.arm64', operating_system: 'lab_live' },
      'operating_system',
      /not offered for aarch64/,
    ],
    ['an unknown OS', { operating_system: 'plan9' }, 'operating_system', /unknown operating system/],
    [
      'an OS with no boot artifacts for the plan’s architecture',
      { operating_system: 'debian_12' },
      'operating_system',
      /^Debian 12 \(bookworm\) has no boot artifacts for x86_64 on this Surplus/,
    ],
    ['an unknown plan', { plan: 'x9.huge' }, 'plan', /unknown plan/],
    ['a malformed SSH key', { ssh_keys: ['ssh-ed25519 not-base64!'] }, 'ssh_keys[0]', /base64/],
    ['a termination_time that is not a timestamp', { termination_time: 'tomorrow' }, 'termination_time', /./],
  ];
  for (const [name, body, field, message] of cases) {
    it(name, async () => {
      const response = await createServer(granted.owner, { project: granted.project.slug, metro: code, ...body });
      assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
      const fields = (response.body.error.fields ?? []) as { field: string; message: string }[];
      const named = fields.find((entry) => entry.field === field);
      assert.ok(named, `expected a field error for ${field}, got ${JSON.stringify(fields)}`);
      assert.match(named.message, message);
    });
  }

  it('accepts the limits themselves: a 64 KiB inline script, 64 KiB of userdata, a 63-character hostname', async () => {
    const script = `#!ipxe\n${'#'.repeat(64 * 1024 - 8)}\n`;
    assert.equal(script.length, 64 * 1024);
    const response = await createServer(granted.owner, {
      project: granted.project.slug,
      metro: code,
      operating_system: 'custom_ipxe',
      ipxe_script: script,
      userdata: 'u'.repeat(64 * 1024),
      hostname: `h${'a'.repeat(61)}z`,
    });
    assert.equal(response.status, 201, JSON.stringify(response.body).slice(0, 300));
  });

  it('wrote no server for any refused create', async () => {
    const rows = await t.db.selectFrom('servers').select('hostname').where('project_id', '=', granted.project.id).execute();
    assert.deepEqual(
      rows.map((row) => row.hostname),
      [`h${'a'.repeat(61)}z`],
    );
  });
});

describe('visibility', () => {
  it("answers 404 for another project's server: read, act, delete and list", async () => {
    const code = await metro();
    const mine = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const theirs = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    await labMachine(code);
    const created = await createServer(theirs.owner, { project: theirs.project.slug, metro: code });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal((await t.call('GET', `/api/v1/servers/${id}`, { as: mine.owner.token })).status, 404);
    assert.equal((await t.call('POST', `/api/v1/servers/${id}/actions`, { as: mine.owner.token, body: { type: 'reboot' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/servers/${id}`, { as: mine.owner.token })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/servers?project=${theirs.project.slug}`, { as: mine.owner.token })).status, 404);
    const listed = await t.call('GET', '/api/v1/servers', { as: mine.owner.token });
    assert.deepEqual(listed.body.items, []);
    assert.equal((await server(id)).state, 'queued', 'nothing happened to it');
    // Its own members see it; staff see it with its machine.
    assert.equal((await t.call('GET', `/api/v1/servers/${id}`, { as: theirs.owner.token })).status, 200);
  });
});

describe('double allocation', () => {
  it('gives one machine to exactly one of many servers created and provisioned at once', async () => {
    const code = await metro();
    const machine = await labMachine(code);
    const projects = await Promise.all(Array.from({ length: 8 }, () => grantedProject({ plans: ['lab.vm.x86'], metros: [code] })));
    const responses = await Promise.all(projects.map((p) => createServer(p.owner, { project: p.project.slug, metro: code })));
    // Every create saw the one available machine (capacity is checked, not reserved, at create).
    for (const response of responses) assert.ok([201, 409].includes(response.status), JSON.stringify(response.body));
    const ids = responses.filter((r) => r.status === 201).map((r) => r.body.id as string);
    assert.ok(ids.length >= 2, `expected concurrent creates to race (${ids.length} created)`);

    // The provision steps of all of them, at once.
    const outcomes = await Promise.all(ids.map((id) => t.services.servers.provision(id, 0, false)));
    assert.equal(outcomes.filter((outcome) => outcome === 'waiting for phone-home').length, 1, outcomes.join(', '));

    const rows = await t.db.selectFrom('servers').select(['id', 'state', 'state_reason', 'machine_id']).where('id', 'in', ids).execute();
    const holders = rows.filter((row) => row.machine_id !== null);
    assert.equal(holders.length, 1);
    const winner = holders[0] as (typeof rows)[number];
    assert.equal(winner.machine_id, machine.row.id);
    assert.equal(winner.state, 'provisioning');
    const after = await machineRow(machine.row.id);
    assert.deepEqual([after.state, after.server_id], ['allocated', winner.id]);
    for (const row of rows.filter((r) => r.id !== winner.id)) {
      assert.equal(row.state, 'failed');
      assert.equal(row.state_reason, `no lab.vm.x86 machine available in ${code}`);
    }
    const allocations = await t.db
      .selectFrom('machine_events')
      .select('reason')
      .where('machine_id', '=', machine.row.id)
      .where('to_state', '=', 'allocated')
      .execute();
    assert.equal(allocations.length, 1);
    assert.deepEqual(machine.memory.boots, ['n'], 'the machine was started once');
  });
});

describe('a provision run again (after a crash)', () => {
  it('keeps the machine it took: one allocation on the machine, one allocated step and audit entry, the power cycle not repeated', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const machine = await labMachine(code);
    const spare = await labMachine(code);
    const created = await createServer(granted.owner, { project: granted.project.slug, metro: code });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;

    assert.equal(await t.services.servers.provision(id, 0, false), 'waiting for phone-home');
    assert.equal(await t.services.servers.provision(id, 0, false), 'waiting for phone-home');
    assert.equal(await t.services.servers.provision(id, 1, false), 'superseded');

    const row = await t.db
      .selectFrom('servers')
      .select(['state', 'machine_id', 'progress_percent'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.state, row.progress_percent], ['provisioning', 30]);
    const held = row.machine_id === machine.row.id ? machine : spare;
    const other = held === machine ? spare : machine;
    assert.deepEqual([(await machineRow(held.row.id)).state, (await machineRow(other.row.id)).state], ['allocated', 'available']);
    const allocations = await t.db
      .selectFrom('machine_events')
      .select(['machine_id', 'reason'])
      .where('machine_id', 'in', [machine.row.id, spare.row.id])
      .where('to_state', '=', 'allocated')
      .execute();
    assert.deepEqual(allocations, [{ machine_id: held.row.id, reason: `server ${created.body.hostname}` }]);
    const steps = await t.db
      .selectFrom('server_events')
      .select(['step', 'from_state', 'to_state', 'note'])
      .where('server_id', '=', id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      steps.map((event) => [event.step, event.from_state, event.to_state]),
      [
        ['queued', null, 'queued'],
        ['allocated', 'queued', 'provisioning'],
        ['boot_override', 'provisioning', 'provisioning'],
        ['power_cycle', 'provisioning', 'provisioning'],
      ],
    );
    assert.equal(steps[1]?.note, `machine ${held.row.hostname} allocated`);
    const audits = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_label', 'project_id', 'summary'])
      .where('target_id', '=', id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audits.map((audit) => audit.action),
      ['server.created', 'server.provisioning'],
    );
    assert.deepEqual(audits[1], {
      action: 'server.provisioning',
      actor_label: 'system',
      project_id: granted.project.id,
      summary: { from: 'queued', to: 'provisioning', note: `machine ${held.row.hostname} allocated` },
    });
    // The boot override is set again (same effect); the power cycle, done under its key, is not repeated.
    assert.deepEqual(held.memory.boots, ['n']);
  });
});

describe('metadata scope', () => {
  it("reads only the presenting server's own metadata: another token, an old one or a server id get 404", async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const a = await activeServer(granted, code, { hostname: 'alpha', userdata: '#!/bin/sh\necho alpha\n' });
    const b = await activeServer(granted, code, { hostname: 'bravo', ssh_keys: [sshKey('bravo-only')] });
    const tokenA = (await ipxeFor(a.machine.mac)).token as string;
    const tokenB = (await ipxeFor(b.machine.mac)).token as string;
    assert.notEqual(tokenA, tokenB);

    assert.deepEqual(await metadata(tokenA, 'instance-id'), { status: 200, body: a.server.id });
    assert.deepEqual(await metadata(tokenA, 'latest/meta-data/hostname'), { status: 200, body: 'alpha' });
    assert.deepEqual(await metadata(tokenA, 'user-data'), { status: 200, body: '#!/bin/sh\necho alpha\n' });
    assert.deepEqual(await metadata(tokenB, 'hostname'), { status: 200, body: 'bravo' });
    assert.match((await metadata(tokenB, 'public-keys')).body, /bravo-only/);
    const json = await metadata(tokenA, 'meta-data.json');
    assert.equal(JSON.parse(json.body).instance_id, a.server.id);
    assert.doesNotMatch(json.body, new RegExp(b.server.id));
    assert.doesNotMatch((await metadata(tokenA, 'public-keys')).body, /bravo-only/);

    // What a machine could guess: another server's id, a token one character off.
    for (const guess of [b.server.id, `${tokenA.slice(0, -1)}${tokenA.endsWith('A') ? 'B' : 'A'}`, 'latest', '']) {
      for (const path of ['instance-id', 'hostname', 'public-keys', 'user-data', 'meta-data.json']) {
        const response = await metadata(guess, path);
        assert.equal(response.status, 404, `${guess}/${path}: ${response.body}`);
      }
    }
    const forged = await boot.inject({ method: 'POST', url: `/metadata/${b.server.id}/phone-home` });
    assert.equal(forged.statusCode, 404);

    // A reinstall is a new generation with a new token; the old one reads nothing any more.
    const reinstall = await t.call('POST', `/api/v1/servers/${a.server.id}/actions`, {
      as: granted.owner.token,
      body: { type: 'reinstall' },
    });
    assert.equal(reinstall.status, 202, JSON.stringify(reinstall.body));
    await t.runJobs();
    const tokenA2 = (await ipxeFor(a.machine.mac)).token as string;
    assert.notEqual(tokenA2, tokenA);
    assert.equal((await metadata(tokenA, 'instance-id')).status, 404);
    assert.deepEqual(await metadata(tokenA2, 'instance-id'), { status: 200, body: a.server.id });
    assert.equal((await boot.inject({ method: 'POST', url: `/metadata/${tokenA}/phone-home` })).statusCode, 404);
    assert.equal((await server(a.server.id)).state, 'reinstalling', 'the old token did not finish the reinstall');
    assert.equal(await phoneHome(a.machine.mac), 'active');
    assert.equal((await server(b.server.id)).state, 'active');
  });
});

describe('the servers list', () => {
  it('comes in pages, newest first, with limit and cursor like the other lists', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code], maxServers: 3 });
    const ids: string[] = [];
    for (const hostname of ['page-a', 'page-b', 'page-c']) {
      await labMachine(code);
      const created = await createServer(granted.owner, { project: granted.project.slug, metro: code, hostname });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.push(created.body.id);
    }
    const list = (query: string) => t.call('GET', `/api/v1/servers?project=${granted.project.slug}&${query}`, { as: granted.owner.token });
    const first = await list('limit=2');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      first.body.items.map((item: { hostname: string }) => item.hostname),
      ['page-c', 'page-b'],
    );
    assert.ok(first.body.next_cursor);
    const second = await list(`limit=2&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      second.body.items.map((item: { id: string }) => item.id),
      [ids[0]],
    );
    assert.equal(second.body.next_cursor, null);
    const all = await list('');
    assert.deepEqual([all.body.items.length, all.body.next_cursor], [3, null]);

    const badCursor = await list('cursor=not-a-cursor');
    assert.equal(badCursor.status, 400);
    assert.match(JSON.stringify(badCursor.body), /cursor/);
    const badLimit = await list('limit=0');
    assert.equal(badLimit.status, 400);
    assert.match(JSON.stringify(badLimit.body), /limit/);
  });
});

describe('reinstall', () => {
  const act = (id: string, as: TestUser, body: Record<string, unknown>) =>
    t.call('POST', `/api/v1/servers/${id}/actions`, { as: as.token, body });

  it('without preserve_data erases the disks first (surplus.wipe=1 on the kernel command line, on the timeline); with it, not', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const { server: active, machine } = await activeServer(granted, code);

    const wiped = await act(active.id, granted.owner, { type: 'reinstall' });
    assert.equal(wiped.status, 202, JSON.stringify(wiped.body));
    assert.equal(wiped.body.timeline.at(-1).note, 'reinstall with lab_live, wiping the disks first');
    await t.runJobs();
    const { script } = await ipxeFor(machine.mac);
    assert.match(script, /surplus\.metadata=\S+ surplus\.wipe=1\n/);
    const netboot = (await server(active.id)).timeline.findLast((event: { step: string }) => event.step === 'netboot');
    assert.match(netboot.note, /surplus\.wipe=1: the disks are erased first$/);
    assert.equal(await phoneHome(machine.mac), 'active');

    const kept = await act(active.id, granted.owner, { type: 'reinstall', preserve_data: true });
    assert.equal(kept.status, 202, JSON.stringify(kept.body));
    assert.equal(kept.body.timeline.at(-1).note, 'reinstall with lab_live, keeping data');
    await t.runJobs();
    assert.doesNotMatch((await ipxeFor(machine.mac)).script, /surplus\.wipe/);
    assert.equal(await phoneHome(machine.mac), 'active');
  });

  it('of a failed server takes a machine from the pool again, unless it should keep data or none is free', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const { server: active, machine: first } = await activeServer(granted, code);
    // Its next boot never phones home: the watchdog fails it and parks the machine.
    assert.equal((await act(active.id, granted.owner, { type: 'reinstall' })).status, 202);
    await t.runJobs();
    const generation = (
      await t.db.selectFrom('servers').select('provision_generation').where('id', '=', active.id).executeTakeFirstOrThrow()
    ).provision_generation;
    assert.equal(await t.services.servers.watchdog(active.id, generation, false), 'timed out');
    const failed = await server(active.id);
    assert.deepEqual([failed.state, failed.machine], ['failed', null]);
    assert.equal((await machineRow(first.row.id)).state, 'maintenance');

    const noMachine = await act(active.id, granted.owner, { type: 'reinstall' });
    assert.equal(noMachine.status, 409);
    assert.equal(codeOf(noMachine), 'ERR_NO_CAPACITY');
    assert.match(noMachine.body.error.message, new RegExp(`No lab\\.vm\\.x86 machine is available in ${code}`));

    const second = await labMachine(code);
    const keepData = await act(active.id, granted.owner, { type: 'reinstall', preserve_data: true });
    assert.equal(keepData.status, 409);
    assert.match(keepData.body.error.message, /no longer has its machine, so its data cannot be kept/);

    const again = await act(active.id, granted.owner, { type: 'reinstall' });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.body.state, 'reinstalling');
    await t.runJobs();
    const reallocated = await server(active.id);
    assert.deepEqual(reallocated.machine, { id: second.row.id, hostname: second.row.hostname });
    assert.equal(await phoneHome(second.mac), 'active');
    assert.equal((await server(active.id)).state, 'active');
  });

  it('says "an" before a state that starts with a vowel', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const { server: active } = await activeServer(granted, code);
    assert.equal((await act(active.id, granted.owner, { type: 'power_off' })).status, 202);
    await t.runJobs();
    assert.equal((await server(active.id)).state, 'inactive');
    const refused = await act(active.id, granted.owner, { type: 'reboot' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.message, 'An inactive server cannot reboot.');
  });
});

describe('reaping', () => {
  it('deprovisions a server past its termination_time and returns the machine to the pool', async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const terminationTime = new Date(Date.now() + 1_500).toISOString();
    const { server: active, machine } = await activeServer(granted, code, { termination_time: terminationTime });
    assert.equal(active.termination_time, terminationTime);
    await runJob('servers_reap');
    assert.equal((await server(active.id)).state, 'active', 'not yet due');

    await new Promise((resolve) => setTimeout(resolve, Date.parse(terminationTime) - Date.now() + 100));
    await runJob('servers_reap');
    const reaped = await server(active.id);
    assert.equal(reaped.state, 'deprovisioning');
    assert.equal((await machineRow(machine.row.id)).state, 'wiping');
    assert.equal(await phoneHome(machine.mac), 'wiped');
    assert.equal((await server(active.id)).state, 'deleted');
    assert.equal((await machineRow(machine.row.id)).state, 'available');
    const requested = (await server(active.id)).timeline.find((event: { to_state: string }) => event.to_state === 'deprovisioning');
    assert.deepEqual([requested.actor, requested.note], ['system', 'delete requested']);
  });

  it("reclaims a grant's servers when the grant ends (grant_ended), and refuses new ones", async () => {
    const code = await metro();
    const granted = await grantedProject({ plans: ['lab.vm.x86'], metros: [code] });
    const first = await activeServer(granted, code);
    const second = await activeServer(granted, code);
    const revoked = await t.call('POST', `/api/v1/grants/${granted.grant.id}/revoke`, {
      as: admin.token,
      body: { reason: 'crypto mining' },
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    await t.runJobs();
    for (const { server: s, machine } of [first, second]) {
      assert.equal((await server(s.id)).state, 'deprovisioning');
      assert.equal((await machineRow(machine.row.id)).state, 'wiping');
      assert.equal(await phoneHome(machine.mac), 'wiped');
      assert.equal((await server(s.id)).state, 'deleted');
      assert.equal((await machineRow(machine.row.id)).state, 'available');
    }
    const again = await createServer(granted.owner, { project: granted.project.slug, metro: code });
    assert.equal(again.status, 403);
    assert.equal(codeOf(again), 'ERR_NO_GRANT');
  });
});

describe('a BMC that fails (the DMTF rackmount mockup replayed with injected faults)', () => {
  const replay = new MockupReplayServer({ mockupDir: RACKMOUNT, username: 'admin', password: BMC_PASSWORD });
  let code: string;
  let granted: Granted;
  let machineId: string;
  const operator = () => admin;

  before(async () => {
    await replay.start();
    code = await metro();
    granted = await grantedProject({ plans: ['m3.small.x86'], metros: [code], maxServers: 3 });
    const enrolled = await t.call('POST', '/api/v1/machines', {
      as: operator().token,
      body: {
        hostname: `rack-${randomBytes(2).toString('hex')}`,
        plan: 'm3.small.x86',
        metro: code,
        bmc_provider: 'redfish',
        bmc_url: replay.url,
        bmc_username: 'admin',
        bmc_password: BMC_PASSWORD,
      },
    });
    assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
    machineId = enrolled.body.id;
    await t.runJobs();
    assert.equal((await machineRow(machineId)).state, 'available', (await machineRow(machineId)).state_reason ?? '');
  });
  after(() => replay.close());

  const patches = () => replay.requests.filter((r) => r.method === 'PATCH' && r.path === RACKMOUNT_SYSTEM).length;

  async function provisionAgainstFaultyBmc() {
    const created = await createServer(granted.owner, {
      project: granted.project.slug,
      metro: code,
      plan: 'm3.small.x86',
      operating_system: 'lab_live',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await t.runJobs();
    return { id: created.body.id as string };
  }

  async function assertJobsSettled(serverId: string) {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from graphile_worker.jobs where queue_name = ${`server:${serverId}`}`.execute(t.db);
    assert.equal(Number(rows[0]?.n), 0, 'no job left to retry or wait');
  }

  it('answering 500: the boot override is tried a bounded number of times, then the server fails and the machine goes to maintenance', async () => {
    // As many 500s as the client has attempts: one more attempt would get through.
    replay.fail('PATCH', RACKMOUNT_SYSTEM, REDFISH_ATTEMPTS, 500);
    const before = patches();
    const { id } = await provisionAgainstFaultyBmc();
    const failed = await server(id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.state_reason, new RegExp(`^bmc: PATCH ${RACKMOUNT_SYSTEM} on ${replay.url.replace(/[.]/g, '\\.')} answered 500`));
    assert.equal(failed.machine, null);
    const machine = await machineRow(machineId);
    assert.equal(machine.state, 'maintenance');
    assert.equal(machine.server_id, null);
    assert.equal(machine.state_reason, failed.state_reason);
    assert.equal(patches() - before, REDFISH_ATTEMPTS, 'the PATCH was tried exactly as often as the client allows');
    const action = await t.db
      .selectFrom('bmc_actions')
      .selectAll()
      .where('idempotency_key', 'like', `${id}:g0:boot-pxe:%`)
      .executeTakeFirstOrThrow();
    assert.equal(action.outcome, 'failed');
    assert.equal(action.detail.error_kind, 'retryable');
    await assertJobsSettled(id);
    await t.runJobs();
    assert.equal(patches() - before, REDFISH_ATTEMPTS, 'nothing retries it later');
    assert.equal((await server(id)).state, 'failed');
  });

  it('hanging: the step gives up at its timeout, the server fails naming the BMC and the machine goes to maintenance', async () => {
    // The operator returns the machine to the pool: it is probed again and is available.
    const back = await t.call('POST', `/api/v1/machines/${machineId}/available`, { as: operator().token });
    assert.equal(back.status, 202, JSON.stringify(back.body));
    await t.runJobs();
    assert.equal((await machineRow(machineId)).state, 'available');
    replay.fail('PATCH', RACKMOUNT_SYSTEM, 100, 'hang');
    const before = patches();
    const { id } = await provisionAgainstFaultyBmc();
    const failed = await server(id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.state_reason, new RegExp(`^bmc: .*PATCH ${RACKMOUNT_SYSTEM} on ${replay.url.replace(/[.]/g, '\\.')}`));
    assert.match(failed.state_reason, new RegExp(`^bmc: the BMC did not answer within ${STEP_TIMEOUT_MS} ms`));
    const machine = await machineRow(machineId);
    assert.equal(machine.state, 'maintenance');
    assert.equal(machine.state_reason, failed.state_reason);
    const attempts = patches() - before;
    assert.ok(attempts >= 1 && attempts <= REDFISH_ATTEMPTS, `${attempts} PATCH attempts`);
    await assertJobsSettled(id);
  });
});
