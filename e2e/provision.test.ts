/**
 * Provisioning end to end on real lab machines: `node server/src/main.ts` with SURPLUS_LAB_MACHINES=2
 * (QEMU machines behind Surplus's Redfish virtual BMC, netbooting through iPXE from the boot service).
 * A member of the demo project, with an SSH key, creates servers on the demo grant; the machines
 * netboot the lab image, which installs the keys from the metadata service and phones home; `ssh`
 * with the member's key runs commands; reboot and reinstall netboot again; delete wipes the machine
 * and returns it to the pool. The second server exists to show the metadata token's scope: the token
 * on one server's kernel command line reads that server's metadata and nothing else.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { unwrap } from '@surplus/api-client';
import { demoMember, labDeployment, type ServerDetail, signIn, ssh, waitForServer } from './lab.ts';

const BOOT_TIMEOUT_MS = 300_000;

const lab = await labDeployment({ labMachines: 2 });
await lab.start();
const adminApi = await signIn(lab.url, lab.admin.email, lab.admin.password);
const member = await demoMember(lab, adminApi, 'maintainer');
const bootPort = new URL(lab.bootUrl).port;

after(() => {
  if (process.env.E2E_DEBUG) console.log(lab.consoles());
});

async function labMachines() {
  const page = await unwrap(adminApi.GET('/api/v1/machines', { params: { query: { metro: 'lab' } } }));
  return page.items.sort((a, b) => a.hostname.localeCompare(b.hostname));
}

const isActive = (server: ServerDetail) => {
  if (server.state === 'failed') throw new Error(`server ${server.hostname} failed: ${server.state_reason}`);
  return server.state === 'active';
};

function active(id: string, what = 'active') {
  return waitForServer(member.api, id, isActive, { timeoutMs: BOOT_TIMEOUT_MS, deployment: lab, what });
}

/** The metadata token the running OS got on its kernel command line (iPXE put it there). */
async function kernelToken(server: ServerDetail): Promise<string> {
  const cmdline = await ssh(server.ssh as NonNullable<ServerDetail['ssh']>, member.keyPath, 'cat /proc/cmdline');
  const match = new RegExp(`surplus\\.metadata=http://10\\.0\\.2\\.2:${bootPort}/metadata/([A-Za-z0-9_-]+)`).exec(cmdline);
  assert.ok(match, `no metadata URL on the kernel command line: ${cmdline}`);
  return match[1] as string;
}

async function metadata(token: string, path: string) {
  const response = await fetch(`${lab.bootUrl}/metadata/${token}/${path}`);
  return { status: response.status, body: await response.text() };
}

function stepsAfter(server: ServerDetail, index: number) {
  return server.timeline.slice(index).map((event) => event.step);
}

describe('a lab server from create to delete', () => {
  let alpha: ServerDetail;
  let bravo: ServerDetail;
  let alphaToken: string;
  let bravoToken: string;

  it('has the lab machines enrolled and available', async () => {
    for (let i = 0; i < 240 && (await labMachines()).some((machine) => machine.state !== 'available'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const machines = await labMachines();
    assert.deepEqual(
      machines.map((machine) => [machine.hostname, machine.state, machine.is_lab, machine.bmc_provider]),
      [
        ['lab-1', 'available', true, 'lab'],
        ['lab-2', 'available', true, 'lab'],
      ],
    );
  });

  it('creates two servers on the demo grant; both netboot and phone home', async () => {
    const create = (hostname: string) =>
      unwrap(
        member.api.POST('/api/v1/servers', {
          // The generated body type lists defaulted fields as required; the API defaults them.
          body: {
            project: 'demo',
            plan: 'lab.vm.x86',
            metro: 'lab',
            operating_system: 'lab_live',
            hostname,
            userdata: '',
            always_pxe: false,
          },
        }),
      );
    const [a, b] = await Promise.all([create('e2e-alpha'), create('e2e-bravo')]);
    assert.equal(a.state, 'queued');
    assert.equal(a.ssh, null);
    [alpha, bravo] = await Promise.all([active(a.id), active(b.id)]);
    const steps = alpha.timeline.map((event) => event.step);
    for (const step of ['queued', 'allocated', 'boot_override', 'power_cycle', 'netboot', 'kernel', 'metadata', 'phone_home'])
      assert.ok(steps.includes(step), `the timeline has ${step}: ${steps.join(', ')}`);
    assert.equal(alpha.progress_percent, 100);
    assert.ok(alpha.activated_at);

    const machines = await labMachines();
    const byServer = new Map(machines.map((machine) => [machine.server?.id, machine]));
    for (const server of [alpha, bravo]) {
      const machine = byServer.get(server.id);
      assert.ok(machine, `a lab machine is allocated to ${server.hostname}`);
      assert.equal(machine.state, 'allocated');
      assert.deepEqual(server.ssh && { host: server.ssh.host, user: server.ssh.user }, { host: '127.0.0.1', user: 'root' });
    }
    assert.notEqual(alpha.ssh?.port, bravo.ssh?.port);
  });

  it("runs commands over SSH with the member's key", async () => {
    const access = alpha.ssh as NonNullable<ServerDetail['ssh']>;
    assert.equal((await ssh(access, member.keyPath, 'hostname')).trim(), 'e2e-alpha');
    assert.equal((await ssh(bravo.ssh as NonNullable<ServerDetail['ssh']>, member.keyPath, 'hostname')).trim(), 'e2e-bravo');
    assert.equal((await ssh(access, member.keyPath, 'cat /root/.ssh/authorized_keys')).trim(), member.publicKey);
    assert.equal((await ssh(access, member.keyPath, 'echo $((6 * 7)) && id -u')).trim(), '42\n0');
  });

  it("scopes metadata to the token on each server's kernel command line", async () => {
    alphaToken = await kernelToken(alpha);
    bravoToken = await kernelToken(bravo);
    assert.notEqual(alphaToken, bravoToken);
    assert.deepEqual(await metadata(alphaToken, 'instance-id'), { status: 200, body: alpha.id });
    assert.deepEqual(await metadata(bravoToken, 'latest/meta-data/hostname'), { status: 200, body: 'e2e-bravo' });

    // From inside alpha, over its provisioning network: its own token reads its own record; bravo's
    // id (or a token one character off) reads nothing.
    const inside = (path: string) =>
      ssh(
        alpha.ssh as NonNullable<ServerDetail['ssh']>,
        member.keyPath,
        `wget -q -O - http://10.0.2.2:${bootPort}/metadata/${path}; echo " exit=$?"`,
      );
    assert.equal((await inside(`${alphaToken}/instance-id`)).trim(), `${alpha.id} exit=0`);
    const offByOne = `${alphaToken.slice(0, -1)}${alphaToken.endsWith('A') ? 'B' : 'A'}`;
    for (const guess of [bravo.id, offByOne]) {
      for (const path of ['instance-id', 'hostname', 'public-keys', 'user-data', 'meta-data.json']) {
        assert.equal((await inside(`${guess}/${path}`)).trim(), 'exit=1', `${guess}/${path} must not answer`);
        assert.equal((await metadata(guess, path)).status, 404);
      }
    }
  });

  it('deletes the second server (its machine is wiped in the background)', async () => {
    const deleted = await unwrap(member.api.DELETE('/api/v1/servers/{id}', { params: { path: { id: bravo.id } } }));
    assert.equal(deleted.state, 'deprovisioning');
  });

  it('reboots: back to active after a new netboot, and SSH works again', async () => {
    const access = alpha.ssh as NonNullable<ServerDetail['ssh']>;
    // The lab OS lives in memory: a file written now is gone after a real reboot.
    await ssh(access, member.keyPath, 'echo before > /root/marker');
    const from = (await unwrap(member.api.GET('/api/v1/servers/{id}', { params: { path: { id: alpha.id } } }))).timeline.length;
    const rebooting = await unwrap(
      member.api.POST('/api/v1/servers/{id}/actions', {
        params: { path: { id: alpha.id } },
        body: { type: 'reboot', preserve_data: false },
      }),
    );
    assert.equal(rebooting.state, 'rebooting');
    alpha = await active(alpha.id, 'active after the reboot');
    const steps = stepsAfter(alpha, from);
    assert.equal(steps[0], 'rebooting');
    assert.ok(steps.includes('netboot') && steps.at(-1) === 'phone_home', steps.join(', '));
    const after = alpha.ssh as NonNullable<ServerDetail['ssh']>;
    assert.equal((await ssh(after, member.keyPath, 'hostname')).trim(), 'e2e-alpha');
    assert.equal((await ssh(after, member.keyPath, 'test -e /root/marker && echo kept || echo gone')).trim(), 'gone');
  });

  it('reinstalls: reinstalling, a new netboot with a new metadata token, active again', async () => {
    const from = (await unwrap(member.api.GET('/api/v1/servers/{id}', { params: { path: { id: alpha.id } } }))).timeline.length;
    const reinstalling = await unwrap(
      member.api.POST('/api/v1/servers/{id}/actions', {
        params: { path: { id: alpha.id } },
        body: { type: 'reinstall', preserve_data: false },
      }),
    );
    assert.equal(reinstalling.state, 'reinstalling');
    alpha = await active(alpha.id, 'active after the reinstall');
    const steps = stepsAfter(alpha, from);
    assert.equal(steps[0], 'reinstalling');
    for (const step of ['allocated', 'boot_override', 'power_cycle', 'netboot', 'kernel', 'metadata', 'phone_home'])
      assert.ok(steps.includes(step), `the reinstall's timeline has ${step}: ${steps.join(', ')}`);
    assert.equal((await ssh(alpha.ssh as NonNullable<ServerDetail['ssh']>, member.keyPath, 'hostname')).trim(), 'e2e-alpha');
    const reinstalledToken = await kernelToken(alpha);
    assert.notEqual(reinstalledToken, alphaToken);
    assert.equal((await metadata(alphaToken, 'instance-id')).status, 404, 'the previous installation’s token reads nothing');
    assert.deepEqual(await metadata(reinstalledToken, 'instance-id'), { status: 200, body: alpha.id });
    alphaToken = reinstalledToken;
  });

  it('deletes: the machines are wiped and back in the pool, the tokens dead', async () => {
    const deleted = await unwrap(member.api.DELETE('/api/v1/servers/{id}', { params: { path: { id: alpha.id } } }));
    assert.equal(deleted.state, 'deprovisioning');
    for (const server of [alpha, bravo]) {
      const gone = await waitForServer(member.api, server.id, (s) => s.state === 'deleted', {
        timeoutMs: BOOT_TIMEOUT_MS,
        deployment: lab,
        what: 'deleted',
      });
      const wiping = gone.timeline.find((event) => event.step === 'wiping');
      assert.ok(wiping, 'the timeline shows the wipe');
      assert.equal(gone.timeline.at(-1)?.note, 'wiped');
      assert.ok(gone.deleted_at);
    }
    const machines = await labMachines();
    assert.deepEqual(
      machines.map((machine) => [machine.hostname, machine.state, machine.server]),
      [
        ['lab-1', 'available', null],
        ['lab-2', 'available', null],
      ],
    );
    for (const token of [alphaToken, bravoToken]) assert.equal((await metadata(token, 'hostname')).status, 404);
    const listed = await unwrap(member.api.GET('/api/v1/servers', { params: { query: { project: 'demo' } } }));
    assert.deepEqual(listed.items, []);
  });
});
