/**
 * The lab's virtual BMC, checked with two independent Redfish clients from Debian — DMTF's
 * redfishtool and OpenStack Ironic's sushy — and one real QEMU machine: power on starts QEMU with a
 * one-time network boot, iPXE fetches the boot URL, a restarted pool adopts the running QEMU, and
 * ForceOff ends the process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { smokeTest } from '../src/providers/lab/accelerator.ts';
import { LabPool } from '../src/providers/lab/lab-pool.ts';
import { qmp } from '../src/providers/lab/qmp.ts';

const run = promisify(execFile);
// Debian's python3-sushy is installed for the system Python, not for whatever python3 is first on PATH.
const PYTHON = '/usr/bin/python3';

const SUSHY_SCRIPT = `
import json, sys, sushy
url, password = sys.argv[1], sys.argv[2]
root = sushy.Sushy(url, username='admin', password=password)
members = sorted(root.get_system_collection().members_identities)
system = root.get_system('/redfish/v1/Systems/lab-1')
power = system.power_state.value
system.set_system_boot_options(target=sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
system.refresh()
print(json.dumps({'members': members, 'power': power, 'target': system.boot.target.value, 'enabled': system.boot.enabled.value}))
`;

describe('lab virtual BMC with redfishtool, sushy and QEMU', () => {
  const dataDir = join(tmpdir(), `surplus-lab-bmc-${randomBytes(4).toString('hex')}`);
  const bootRequests: string[] = [];
  let bootServer: Server;
  let pool: LabPool;
  let host = '';
  let bootPort = 0;
  const secrets = new SecretBox(randomBytes(32));

  const redfishtool = async (...args: string[]) => {
    const { stdout } = await run('redfishtool', ['-r', host, '-u', 'admin', '-p', pool.credentials.password, '-S', 'Never', ...args]);
    return stdout;
  };

  before(async () => {
    // The boot service stand-in for this test: it records what iPXE fetched and answers a script that ends.
    bootServer = createServer((req, res) => {
      bootRequests.push(decodeURIComponent(req.url ?? ''));
      res.end('#!ipxe\necho surplus lab-bmc test\n');
    });
    await new Promise<void>((resolve) => bootServer.listen(0, '127.0.0.1', resolve));
    bootPort = (bootServer.address() as AddressInfo).port;
    pool = new LabPool({
      dataDir,
      secrets,
      bootUrl: `http://10.0.2.2:${bootPort}/boot?mac={mac}`,
      accelerator: 'tcg',
      memoryMiB: 256,
    });
    await pool.start(2);
    host = new URL(pool.url).host;
  });

  after(async () => {
    await pool?.stop();
    bootServer?.closeAllConnections();
    await new Promise((resolve) => bootServer?.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  test('redfishtool lists the systems', async () => {
    const collection = JSON.parse(await redfishtool('Systems')) as { Members: { '@odata.id': string }[] };
    assert.deepEqual(
      collection.Members.map((m) => m['@odata.id']),
      ['/redfish/v1/Systems/lab-1', '/redfish/v1/Systems/lab-2'],
    );
    const system = JSON.parse(await redfishtool('Systems', '-I', 'lab-2')) as { PowerState: string; Id: string };
    assert.equal(system.Id, 'lab-2');
    assert.equal(system.PowerState, 'Off');
  });

  test('sushy connects, lists the systems, reads the power state and sets a one-time PXE boot', async () => {
    const { stdout } = await run(PYTHON, ['-c', SUSHY_SCRIPT, pool.url, pool.credentials.password]);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'), {
      members: ['/redfish/v1/Systems/lab-1', '/redfish/v1/Systems/lab-2'],
      power: 'Off',
      target: 'Pxe',
      enabled: 'Once',
    });
    assert.deepEqual(pool.machine('lab-1')?.bootOverride(), { enabled: 'Once', target: 'Pxe' });
  });

  test('power on starts QEMU booting once from the network; after a restart the BMC adopts it; redfishtool ForceOff ends it', async () => {
    const machine = pool.machine('lab-1');
    assert.ok(machine);
    await redfishtool('Systems', '-I', 'lab-1', 'reset', 'On');
    const pid = machine.pid;
    assert.ok(pid);

    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    assert.equal(commandLine[commandLine.indexOf('-boot') + 1], 'order=cn,once=n');
    const nic = `user,model=virtio-net-pci,mac=52:54:00:5c:00:01,bootfile=http://10.0.2.2:${bootPort}/boot?mac=52:54:00:5c:00:01`;
    assert.equal(commandLine[commandLine.indexOf('-nic') + 1], `${nic},hostfwd=tcp:127.0.0.1:${pool.machines()[0]?.sshPort}-:22`);
    const [status] = (await qmp(machine.spec.socketPath, [{ execute: 'query-status' }])) as { status: string }[];
    assert.equal(status?.status, 'running');
    // The override was used by this start: Redfish shows it Disabled again.
    const boot = JSON.parse(await redfishtool('Systems', '-I', 'lab-1', '-P', 'Boot')) as { Boot: { BootSourceOverrideEnabled: string } };
    assert.equal(boot.Boot.BootSourceOverrideEnabled, 'Disabled');

    // iPXE in the guest fetches the boot URL with this machine's MAC (firmware + DHCP: seconds under TCG).
    for (let waited = 0; !bootRequests.includes('/boot?mac=52:54:00:5c:00:01') && waited < 180; waited++)
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.ok(bootRequests.includes('/boot?mac=52:54:00:5c:00:01'), `boot requests: ${bootRequests.join(', ')}`);
    assert.equal((JSON.parse(await redfishtool('Systems', '-I', 'lab-1', '-P', 'PowerState')) as { PowerState: string }).PowerState, 'On');

    // Surplus restarts (a new pool on the same data dir, as after a crash): it adopts the running QEMU,
    // keeps the machine's SSH port (held by that QEMU), and can still turn it off.
    const restarted = new LabPool({ dataDir, secrets, bootUrl: 'http://10.0.2.2:9/unused', accelerator: 'tcg', memoryMiB: 256 });
    try {
      await restarted.start(2);
      assert.equal(restarted.machine('lab-1')?.pid, pid);
      assert.equal(restarted.machines()[0]?.sshPort, pool.machines()[0]?.sshPort);
      assert.equal(restarted.credentials.password, pool.credentials.password);
      const restartedHost = new URL(restarted.url).host;
      const off = ['-r', restartedHost, '-u', 'admin', '-p', restarted.credentials.password, '-S', 'Never', 'Systems', '-I', 'lab-1'];
      assert.equal(
        (JSON.parse((await run('redfishtool', [...off, '-P', 'PowerState'])).stdout) as { PowerState: string }).PowerState,
        'On',
      );
      await run('redfishtool', [...off, 'reset', 'ForceOff']);
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
      assert.equal(
        (JSON.parse((await run('redfishtool', [...off, '-P', 'PowerState'])).stdout) as { PowerState: string }).PowerState,
        'Off',
      );
    } finally {
      await restarted.stop();
    }
    // The first pool saw its child exit too.
    for (let waited = 0; machine.pid !== null && waited < 50; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(machine.pid, null);
    assert.equal((JSON.parse(await redfishtool('Systems', '-I', 'lab-1', '-P', 'PowerState')) as { PowerState: string }).PowerState, 'Off');
  });

  test('the BMC password is sealed at rest, in a file only its owner reads', async () => {
    const sealed = await readFile(join(dataDir, 'lab', 'bmc-password.sealed'));
    assert.ok(!sealed.includes(Buffer.from(pool.credentials.password)));
    assert.equal(secrets.open(sealed, 'lab:bmc-password'), pool.credentials.password);
    assert.equal((await stat(join(dataDir, 'lab', 'bmc-password.sealed'))).mode & 0o777, 0o600);
  });

  test('the accelerator smoke test passes for a working accelerator (TCG)', async () => {
    assert.deepEqual(await smokeTest('qemu-system-x86_64', 'tcg', 60_000), { isWorking: true, detail: 'tcg: test guest ran' });
  });
});
