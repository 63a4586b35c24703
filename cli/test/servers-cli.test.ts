/**
 * `surplus machines` and `surplus servers`, the real CLI as a child process against Surplus listening
 * on a real port with a real PostgreSQL. No QEMU here: machines sit behind a provider stand-in (below)
 * that answers like a BMC, and the test plays the machine's phone-home through the servers service,
 * which is what the boot service calls when a netbooted machine reports in.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type {
  Connection,
  Feature,
  MachineAccess,
  PowerAction,
  PowerState,
  ProbeResult,
  Provider,
} from '../../server/src/providers/types.ts';
import { createTestApp, type TestUser } from '../../server/test/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * TEST STAND-IN for a machine's BMC, registered as the 'lab' provider: it answers probes for the URLs
 * it was told about, keeps each machine's power state, and remembers the one-time boot device. The
 * Redfish wire protocol is tested elsewhere; here the CLI and the workflows around it are.
 */
class StandInBmc implements Provider {
  readonly name = 'lab';
  readonly features: readonly Feature[] = ['power', 'boot', 'inspect'];
  private readonly machines = new Map<string, { mac: string; power: PowerState; nextBoot: string | null }>();

  add(url: string, mac: string) {
    this.machines.set(url, { mac, power: 'off', nextBoot: null });
  }

  power(url: string): PowerState | undefined {
    return this.machines.get(url)?.power;
  }

  async probe(access: MachineAccess): Promise<ProbeResult> {
    if (!this.machines.has(access.url ?? '')) throw new Error(`stand-in: no BMC at ${access.url}`);
    return { isSupported: true, detail: `stand-in BMC at ${access.url}` };
  }

  async connect(access: MachineAccess): Promise<Connection> {
    const machine = this.machines.get(access.url ?? '');
    if (!machine) throw new Error(`stand-in: no BMC at ${access.url}`);
    const results: Record<PowerAction, PowerState> = { on: 'on', off: 'off', soft_off: 'off', cycle: 'on', reset: 'on' };
    return {
      provider: 'lab',
      power: {
        powerState: async () => machine.power,
        setPower: async (action) => {
          machine.power = results[action];
        },
      },
      boot: {
        setOneTimeBoot: async (device) => {
          machine.nextBoot = device;
        },
      },
      inspect: {
        inspect: async () => ({
          manufacturer: 'Stand-in',
          model: 'SI-1',
          serial: `SI-${machine.mac.slice(-5).replace(':', '')}`,
          cpu: { model: 'Xeon E-2278G', sockets: 1, cores: 8 },
          memoryGb: 32,
          nics: [{ mac: machine.mac, speedMbps: 10_000 }],
          powerState: machine.power,
          systemPath: '/redfish/v1/Systems/1',
        }),
      },
      close: async () => {},
    };
  }
}

const bmc = new StandInBmc();
const t = await createTestApp({ providers: new Map<string, Provider>([['lab', bmc]]) });
// The installed systems the tests create servers with get boot artifacts, as an admin would configure
// them (a create with an OS Surplus cannot boot is refused).
await t.db
  .updateTable('operating_systems')
  .set({ artifacts: JSON.stringify({ kernel_url: 'https://mirror.example/vmlinuz', initrd_url: 'https://mirror.example/initrd' }) })
  .where('slug', 'in', ['ubuntu_22_04', 'debian_12'])
  .execute();
let url = '';
const homes: string[] = [];
const work = await mkdtemp(join(tmpdir(), 'surplus-servers-cli-'));

before(async () => {
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await Promise.all([...homes, work].map((dir) => rm(dir, { recursive: true, force: true })));
});

type Run = { code: number | null; stdout: string; stderr: string };

/** A shell signed in as `user` through SURPLUS_URL/SURPLUS_TOKEN, with a home directory of its own. */
async function signedInAs(user: TestUser) {
  const home = await mkdtemp(join(tmpdir(), 'surplus-servers-cli-home-'));
  homes.push(home);
  const run = (args: string[], options: { input?: string; path?: string } = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: {
          PATH: options.path ?? process.env.PATH ?? '',
          HOME: home,
          XDG_CONFIG_HOME: join(home, 'config'),
          SURPLUS_URL: url,
          SURPLUS_TOKEN: user.token,
        },
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
  const ok = async (args: string[], options: { input?: string; path?: string } = {}) => {
    const result = await run(args, options);
    assert.equal(result.code, 0, `surplus ${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  const json = async (args: string[]) => JSON.parse((await ok([...args, '--json'])).stdout);
  return { run, ok, json };
}

const unique = () => randomBytes(3).toString('hex');
let macCounter = 0;
const mac = () => `02:5f:00:00:${(++macCounter).toString(16).padStart(2, '0')}:01`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** What the boot service does when a netbooted machine reports in with its provisioning token. */
async function phoneHome(serverId: string, address: string | null) {
  const row = await t.db.selectFrom('servers').select(['id', 'provision_generation']).where('id', '=', serverId).executeTakeFirstOrThrow();
  return t.services.servers.phoneHome(t.services.servers.tokenFor(row), address);
}

/** A program, a project owned by `owner` and an approved request: a grant for c3.small.x86 in Dallas. */
async function grantFor(owner: TestUser, maxServers: number) {
  const admin = await t.user({ roles: ['admin'] });
  const programSlug = `osp-${unique()}`;
  const program = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug: programSlug, name: 'Open Source Partners', budget_cents_per_year: 100_000_000 },
  });
  assert.equal(program.status, 201, JSON.stringify(program.body));
  const project = await t.project(owner);
  const request = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: programSlug,
      project: project.slug,
      purpose: 'ci_cd',
      description: 'CI runners on bare metal',
      resources: [{ plan: 'c3.small.x86', quantity: maxServers, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: inDays(90),
      submit: true,
    },
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, {
    as: admin.token,
    body: { max_servers: maxServers },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.deepEqual(approved.body.grant.allowed_plans, ['c3.small.x86']);
  return { project, grant: approved.body.grant };
}

describe('surplus machines', () => {
  let operator: Awaited<ReturnType<typeof signedInAs>>;
  const hostname = `dal-node-${unique()}`;
  const bmcUrl = `http://bmc-${unique()}.standin.test`;
  const nic = mac();

  before(async () => {
    operator = await signedInAs(await t.user({ roles: ['operator'] }));
  });

  it('enrolls a machine behind a BMC, which the probe makes available with its facts; the password is never shown', async () => {
    bmc.add(bmcUrl, nic);
    const enrolled = await operator.json([
      'machines',
      'enroll',
      '--hostname',
      hostname,
      '--plan',
      'c3.small.x86',
      '--metro',
      'da',
      '--provider',
      'lab',
      '--bmc-url',
      bmcUrl,
      '--bmc-username',
      'admin',
      '--bmc-password',
      'Bmc-Secret-77',
      '--location',
      'DAL1 rack 2 U7',
    ]);
    assert.equal(enrolled.hostname, hostname);
    assert.equal(enrolled.state, 'enrolling');
    assert.equal(enrolled.has_bmc_password, true);
    assert.ok(!JSON.stringify(enrolled).includes('Bmc-Secret-77'));

    await t.runJobs();
    const shown = await operator.ok(['machines', 'show', hostname]);
    assert.match(shown.stdout, /State:\s+available/);
    assert.match(shown.stdout, /Model:\s+Stand-in SI-1/);
    assert.match(shown.stdout, /CPU:\s+Xeon E-2278G, 8 cores/);
    assert.match(shown.stdout, /Memory:\s+32 GB/);
    assert.match(shown.stdout, new RegExp(`MACs:\\s+${nic}`));
    assert.match(shown.stdout, /BMC password:\s+set \(stored encrypted\)/);
    assert.match(shown.stdout, /enrolling → available/);
    assert.ok(!shown.stdout.includes('Bmc-Secret-77'));

    const listed = await operator.ok(['machines', 'list', '--state', 'available', '--plan', 'c3.small.x86']);
    assert.match(listed.stdout, /^HOSTNAME\s+STATE\s+PLAN\s+METRO\s+BMC\s+SERVER\s+CHANGED\s+ID$/m);
    assert.match(listed.stdout, new RegExp(`^${hostname}\\s+available\\s+c3.small.x86\\s+da\\s+lab ${bmcUrl}\\s+-`, 'm'));
    assert.match(listed.stderr, /Fleet: \d+ machines? \(.*\d+ available/);
  });

  it('imports a CSV: a dry run names each bad line and imports nothing; the fixed file imports', async () => {
    const file = join(work, 'machines.csv');
    const good = `man-${unique()}`;
    await writeFile(
      file,
      [
        'hostname,plan,metro,bmc_provider,macs,location',
        `${good},m3.small.x86,am,manual,${mac()},AMS1 U1`,
        'bad_host,m3.small.x86,am,manual,zz:zz,',
      ].join('\n'),
    );
    const refused = await operator.run(['machines', 'import', file, '--dry-run']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /1 line has errors; nothing was imported\./);
    assert.match(refused.stderr, /line 3: hostname: must be an RFC 1123 host name/);
    assert.match(refused.stderr, /line 3: macs: .*not a MAC address/);
    assert.equal((await t.db.selectFrom('machines').select('id').where('hostname', '=', good).execute()).length, 0);

    await writeFile(file, ['hostname,plan,metro,bmc_provider,macs,location', `${good},m3.small.x86,am,manual,${mac()},AMS1 U1`].join('\n'));
    const dry = await operator.ok(['machines', 'import', file, '--dry-run']);
    assert.match(dry.stderr, /Dry run: every line is valid; 1 machine would be imported\./);
    assert.match(dry.stdout, new RegExp(`^2\\s+${good}\\s+-\\s+-$`, 'm'));
    const imported = await operator.json(['machines', 'import', file]);
    assert.equal(imported.dry_run, false);
    assert.equal(imported.count, 1);
    assert.equal(imported.machines[0].hostname, good);
    assert.equal(imported.machines[0].state, 'available', 'a manual machine has no BMC to probe');

    // Maintenance with its reason, then back to the pool (at once: nothing to probe).
    const parked = await operator.ok(['machines', 'maintenance', good, '--reason', 'DIMM B2 reports ECC errors']);
    assert.equal(parked.stdout.trim(), `${good} is in maintenance: DIMM B2 reports ECC errors`);
    const refusedAgain = await operator.run(['machines', 'maintenance', good, '--reason', 'again']);
    assert.equal(refusedAgain.code, 1);
    assert.match(refusedAgain.stderr, /only available or failed machines go to maintenance/);
    const back = await operator.json(['machines', 'available', good]);
    assert.equal(back.state, 'available');
    assert.deepEqual(
      back.events.map((event: { to_state: string }) => event.to_state),
      ['available', 'maintenance', 'available'],
    );
  });

  it('answers people without the operator role, unknown machines and bad options with the CLI’s exit codes', async () => {
    const someone = await signedInAs(await t.user());
    const refused = await someone.run(['machines', 'list', '--json']);
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stderr).error.code, 'ERR_FORBIDDEN');
    const missing = await operator.run(['machines', 'show', 'no-such-machine']);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /no machine named no-such-machine/);
    const badState = await operator.run(['machines', 'list', '--state', 'sleeping']);
    assert.equal(badState.code, 2);
    assert.match(badState.stderr, /unknown state sleeping; choose enrolling, available/);
  });

  it('lists the steps waiting for an operator and confirms one, once', async () => {
    // A step the manual provider filed for a machine by hand (what a workflow does on such a machine),
    // on a machine out of the pool so no server of the other tests lands on it.
    const machineId = crypto.randomUUID();
    const hostname = `by-hand-${randomBytes(3).toString('hex')}`;
    await t.db
      .insertInto('machines')
      .values({ id: machineId, hostname, plan_slug: 'c3.small.x86', metro_code: 'da', bmc_provider: 'manual', state: 'maintenance' })
      .execute();
    const key = `cli-test:${machineId}:boot-pxe`;
    await t.db
      .insertInto('bmc_actions')
      .values({
        idempotency_key: key,
        machine_id: machineId,
        action: 'boot:pxe',
        provider: 'manual',
        outcome: 'pending',
        detail: JSON.stringify({ instruction: 'Make the machine boot once from the network (PXE).' }),
      })
      .execute();
    const tasks = await operator.json(['machines', 'tasks', '--json']);
    const mine = tasks.items.find((task: { id: string }) => task.id === key);
    assert.deepEqual([mine?.machine.hostname, mine?.action, mine?.server], [hostname, 'boot:pxe', null]);
    const table = await operator.ok(['machines', 'tasks']);
    assert.match(table.stdout, new RegExp(`${hostname}\\s+-\\s+Make the machine boot once from the network`));

    const confirmed = await operator.ok(['machines', 'confirm', key, '--note', 'F12']);
    assert.equal(confirmed.stdout.trim(), `Confirmed on ${hostname}: Make the machine boot once from the network (PXE).`);
    const again = await operator.run(['machines', 'confirm', key, '--json']);
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stderr).error.code, 'ERR_CONFLICT');
    const unknown = await operator.run(['machines', 'confirm', 'no-such-step', '--json']);
    assert.notEqual(unknown.code, 0);
    assert.equal(JSON.parse(unknown.stderr).error.code, 'ERR_NOT_FOUND');
    assert.equal(
      (await operator.json(['machines', 'tasks', '--json'])).items.some((task: { id: string }) => task.id === key),
      false,
    );
  });
});

describe('surplus servers', () => {
  let owner: TestUser;
  let cli: Awaited<ReturnType<typeof signedInAs>>;
  let project: { slug: string; id: string };
  let serverId = '';
  let machineHostname = '';

  before(async () => {
    owner = await t.user({ name: 'Olive Owner' });
    cli = await signedInAs(owner);
    ({ project } = await grantFor(owner, 2));
    const key = await t.call('POST', '/api/v1/me/ssh-keys', {
      as: owner.token,
      body: { public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl olive@laptop' },
    });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    // Two machines for the grant's two servers.
    const ops = await signedInAs(await t.user({ roles: ['operator'] }));
    for (let i = 0; i < 2; i++) {
      const bmcUrl = `http://bmc-${unique()}.standin.test`;
      bmc.add(bmcUrl, mac());
      await ops.ok([
        'machines',
        'enroll',
        '--hostname',
        `srv-node-${unique()}`,
        '--plan',
        'c3.small.x86',
        '--metro',
        'da',
        '--provider',
        'lab',
        '--bmc-url',
        bmcUrl,
      ]);
    }
    await t.runJobs();
  });

  it('creates a server that prints its id, provisions it on a machine, and shows it with its timeline', async () => {
    const created = await cli.json([
      'servers',
      'create',
      '--project',
      project.slug,
      '--plan',
      'c3.small.x86',
      '--metro',
      'da',
      '--os',
      'ubuntu_22_04',
      '--hostname',
      'ci-runner-1',
    ]);
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.hostname, 'ci-runner-1');
    assert.equal(created.state, 'queued');
    assert.equal(created.ssh, null);
    serverId = created.id;
    const row = await t.db.selectFrom('servers').select('ssh_public_keys').where('id', '=', serverId).executeTakeFirstOrThrow();
    assert.deepEqual(
      row.ssh_public_keys.map((key: string) => key.split(' ')[2]),
      ['olive@laptop'],
      "every member's key by default",
    );

    await t.runJobs();
    const provisioning = await cli.json(['servers', 'show', serverId]);
    assert.equal(provisioning.state, 'provisioning');
    assert.equal(provisioning.progress_percent, 30);
    assert.deepEqual(
      provisioning.timeline.map((event: { step: string }) => event.step),
      ['queued', 'allocated', 'boot_override', 'power_cycle'],
    );
    const machine = await t.db
      .selectFrom('machines')
      .select(['hostname', 'state', 'bmc_url'])
      .where(
        'id',
        '=',
        (await t.db.selectFrom('servers').select('machine_id').where('id', '=', serverId).executeTakeFirstOrThrow()).machine_id,
      )
      .executeTakeFirstOrThrow();
    assert.equal(machine.state, 'allocated');
    assert.equal(bmc.power(machine.bmc_url ?? ''), 'on');
    machineHostname = machine.hostname;

    const listed = await cli.ok(['servers', 'list', '--project', project.slug]);
    assert.match(listed.stdout, /^HOSTNAME\s+STATE\s+PROGRESS\s+PROJECT\s+PLAN\s+METRO\s+OS\s+SSH\s+CREATED\s+ID$/m);
    assert.match(
      listed.stdout,
      new RegExp(`^ci-runner-1\\s+provisioning\\s+30%\\s+${project.slug}\\s+c3.small.x86\\s+da\\s+ubuntu_22_04\\s+-`, 'm'),
    );

    assert.equal(await phoneHome(serverId, '192.0.2.10'), 'active');
    const active = await cli.json(['servers', 'show', 'ci-runner-1']);
    assert.equal(active.id, serverId);
    assert.equal(active.state, 'active');
    assert.deepEqual(active.ssh, { host: '192.0.2.10', port: 22, user: 'root', command: 'ssh root@192.0.2.10' });
    assert.equal(active.timeline.at(-1).to_state, 'active');

    const text = await cli.ok(['servers', 'show', serverId]);
    assert.match(text.stdout, /State:\s+active/);
    assert.match(text.stdout, /SSH:\s+ssh root@192\.0\.2\.10/);
    assert.match(text.stdout, /provisioning → active\s+phone_home\s+100\s+system\s+phoned home/);

    // The operator sees the machine allocated to it.
    const ops = await signedInAs(await t.user({ roles: ['operator'] }));
    const shown = await ops.json(['machines', 'show', machineHostname]);
    assert.equal(shown.state, 'allocated');
    assert.equal(shown.server.hostname, 'ci-runner-1');
  });

  it('runs ssh with the access details, or prints the command', async () => {
    const printed = await cli.ok(['servers', 'ssh', serverId, '--print']);
    assert.equal(printed.stdout, 'ssh -p 22 root@192.0.2.10\n');

    // A stand-in `ssh` first on PATH records how it was called.
    const bin = join(work, 'bin');
    await rm(bin, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    const record = join(work, 'ssh-args.txt');
    await writeFile(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexit 3\n`);
    await chmod(join(bin, 'ssh'), 0o755);
    const ran = await cli.run(['servers', 'ssh', 'ci-runner-1', '--', 'uname', '-a'], { path: `${bin}:${process.env.PATH}` });
    assert.deepEqual((await readFile(record, 'utf8')).trim().split('\n'), ['-p', '22', 'root@192.0.2.10', 'uname', '-a']);
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /ssh exited with status 3/);
  });

  it('powers off and on, reboots, and refuses what the state does not allow', async () => {
    const off = await cli.json(['servers', 'power-off', serverId]);
    assert.equal(off.state, 'powering_off');
    await t.runJobs();
    assert.equal((await cli.json(['servers', 'show', serverId])).state, 'inactive');
    const refused = await cli.run(['servers', 'reboot', serverId]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /An? inactive server cannot reboot/);
    const noSsh = await cli.run(['servers', 'ssh', serverId, '--print']);
    assert.equal(noSsh.code, 1);
    assert.match(noSsh.stderr, /ci-runner-1 cannot be reached over SSH: it is inactive/);
    const on = await cli.ok(['servers', 'power-on', serverId]);
    assert.equal(on.stdout.trim(), 'ci-runner-1 is powering_on.');
    await t.runJobs();
    assert.equal((await cli.json(['servers', 'reboot', serverId])).state, 'rebooting');
    await t.runJobs();
    assert.equal((await cli.json(['servers', 'show', serverId])).state, 'active');
  });

  it('create --wait follows the server with progress lines until it is active', async () => {
    const waiting = cli.run([
      'servers',
      'create',
      '--project',
      project.slug,
      '--plan',
      'c3.small.x86',
      '--metro',
      'da',
      '--os',
      'debian_12',
      '--hostname',
      'ci-runner-2',
      '--wait',
      '--json',
    ]);
    // Play the workflow and the machine while the CLI polls.
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      id = (await t.db.selectFrom('servers').select('id').where('hostname', '=', 'ci-runner-2').executeTakeFirst())?.id;
      if (!id) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(id, 'the server was created');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await t.runJobs();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await phoneHome(id, '192.0.2.11'), 'active');
    const result = await waiting;
    assert.equal(result.code, 0, result.stderr);
    const server = JSON.parse(result.stdout);
    assert.equal(server.id, id);
    assert.equal(server.state, 'active');
    assert.equal(server.ssh.host, '192.0.2.11');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines[0], 'ci-runner-2: queued 0%');
    assert.ok(lines.includes('ci-runner-2: provisioning 30% · power_cycle: powered on'), result.stderr);
    assert.equal(lines.at(-1), 'ci-runner-2: active 100% · phone_home: phoned home');
  });

  it('refuses a third server past the grant, a plan it does not allow, and unknown servers', async () => {
    const base = ['servers', 'create', '--project', project.slug, '--metro', 'da', '--os', 'ubuntu_22_04'];
    const full = await cli.run([...base, '--plan', 'c3.small.x86']);
    assert.equal(full.code, 1);
    assert.match(full.stderr, /The grant allows 2 concurrent server\(s\); the project has 2\./);
    const plan = await cli.run([...base, '--plan', 'm3.small.x86', '--json']);
    assert.equal(plan.code, 1);
    const error = JSON.parse(plan.stderr).error;
    assert.equal(error.code, 'ERR_GRANT_LIMIT');
    assert.match(error.message, /not m3\.small\.x86 in da/);
    const missing = await cli.run(['servers', 'show', '00000000-0000-4000-8000-000000000000']);
    assert.equal(missing.code, 4);
    const outsider = await signedInAs(await t.user());
    assert.equal((await outsider.run(['servers', 'show', serverId])).code, 4);
  });

  it('deletes a server: the machine is wiped and returns to the pool', async () => {
    const deleting = await cli.json(['servers', 'delete', 'ci-runner-1']);
    assert.equal(deleting.state, 'deprovisioning');
    await t.runJobs();
    assert.equal(await phoneHome(serverId, null), 'wiped');
    const gone = await cli.json(['servers', 'show', serverId]);
    assert.equal(gone.state, 'deleted');
    assert.equal(gone.ssh, null);
    const listed = await cli.json(['servers', 'list', '--project', project.slug]);
    assert.deepEqual(
      listed.items.map((server: { hostname: string }) => server.hostname),
      ['ci-runner-2'],
    );
    const withDeleted = await cli.json(['servers', 'list', '--project', project.slug, '--include-deleted']);
    assert.equal(withDeleted.items.length, 2);
    const ops = await signedInAs(await t.user({ roles: ['operator'] }));
    const machine = await ops.json(['machines', 'show', machineHostname]);
    assert.equal(machine.state, 'available');
    assert.equal(machine.server, null);
    assert.deepEqual(machine.events.map((event: { to_state: string }) => event.to_state).slice(-3), ['allocated', 'wiping', 'available']);
  });
});
