import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MachineAccess, ProviderError } from '../types.ts';
import { createLabProvider } from './lab-provider.ts';
import { systemPath, VirtualBmc } from './virtual-bmc.ts';
import { MemoryMachine } from './virtual-machine.ts';

// The BMC's Redfish surface with stand-in machines (no QEMU); server/test/lab-bmc.test.ts runs real QEMU.
const PASSWORD = 'lab-bmc-test-Pw';
const provider = createLabProvider({ attempts: 2, backoffMs: 1, timeoutMs: 5_000 });
const signal = () => AbortSignal.timeout(10_000);

describe('lab virtual BMC, driven by the Redfish provider', () => {
  const one = new MemoryMachine({ id: 'lab-1', mac: '52:54:00:5c:00:01', cpus: 2, memoryMiB: 1536 });
  const two = new MemoryMachine({ id: 'lab-2', mac: '52:54:00:5c:00:02' });
  const bmc = new VirtualBmc({ machines: [one, two], username: 'admin', password: PASSWORD });
  let url = '';
  before(async () => {
    url = await bmc.listen();
  });
  after(() => bmc.close());

  const access = (overrides: Partial<MachineAccess> = {}): MachineAccess => ({
    machineId: 'lab-1',
    provider: 'lab',
    url,
    username: 'admin',
    password: PASSWORD,
    caPem: null,
    isInsecure: false,
    systemPath: systemPath('lab-1'),
    ...overrides,
  });

  const rejection = async (promise: Promise<unknown> | undefined) => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof ProviderError);
      return error;
    }
    assert.fail('expected a rejection');
  };

  test('the probe logs in with a session; without a system path it names the systems to choose from', async () => {
    const result = await provider.probe(access(), signal());
    assert.ok(result.isSupported, result.isSupported ? '' : result.error.message);
    assert.match(
      result.detail,
      /^Redfish 1\.6\.0 at http:\/\/127\.0\.0\.1:\d+, session login; system \/redfish\/v1\/Systems\/lab-1 \(QEMU/,
    );
    assert.match(result.detail, /boot targets None, Pxe, Hdd/);

    const ambiguous = await provider.probe(access({ systemPath: null }), signal());
    assert.ok(!ambiguous.isSupported);
    assert.equal(ambiguous.error.kind, 'invalid');
    assert.match(
      ambiguous.error.message,
      /manages 2 systems \(\/redfish\/v1\/Systems\/lab-1, \/redfish\/v1\/Systems\/lab-2\): give the system path/,
    );
  });

  test('boot once from PXE, then a power cycle of the off machine powers it on into a network boot', async () => {
    const connection = await provider.connect(access(), signal());
    await connection.boot?.setOneTimeBoot('pxe', signal());
    assert.deepEqual(one.bootOverride(), { enabled: 'Once', target: 'Pxe' });
    await connection.power?.setPower('cycle', signal());
    assert.equal(await connection.power?.powerState(signal()), 'on');
    assert.deepEqual(one.resets, ['On']);
    assert.deepEqual(one.boots, ['n']);
    // Once is used up by that boot; a reset goes back to the normal order.
    assert.equal(one.bootOverride().enabled, 'Disabled');
    await connection.power?.setPower('reset', signal());
    await connection.power?.setPower('cycle', signal());
    assert.deepEqual(one.resets, ['On', 'ForceRestart', 'PowerCycle']);
    assert.deepEqual(one.boots, ['n', 'default', 'default']);
    await connection.power?.setPower('soft_off', signal());
    assert.equal(await connection.power?.powerState(signal()), 'off');
    await connection.power?.setPower('off', signal());
    assert.deepEqual(one.resets.at(-1), 'GracefulShutdown');
    await connection.close();
    assert.deepEqual(two.resets, []);
  });

  test('inspect reports the machine’s MAC, CPUs and memory', async () => {
    const connection = await provider.connect(access(), signal());
    const facts = await connection.inspect?.inspect(signal());
    await connection.close();
    assert.deepEqual(facts, {
      manufacturer: 'QEMU',
      model: 'Surplus lab machine (QEMU x86_64)',
      serial: 'lab-1',
      cpu: { model: 'QEMU Virtual CPU', sockets: 1, cores: 2 },
      memoryGb: 1.5,
      nics: [{ mac: '52:54:00:5c:00:01', speedMbps: null }],
      powerState: 'off',
      systemPath: '/redfish/v1/Systems/lab-1',
    });
  });

  test('what a lab machine cannot do is unsupported', async () => {
    const connection = await provider.connect(access(), signal());
    const http = await rejection(connection.boot?.setOneTimeBoot('uefi_http', signal()));
    assert.equal(http.kind, 'unsupported');
    assert.match(http.message, /cannot boot once from UefiHttp: its boot override targets are None, Pxe, Hdd/);
    const media = await rejection(connection.media?.insertMedia('http://boot.example/ipxe.iso', signal()));
    assert.equal(media.kind, 'unsupported');
    await connection.close();
  });

  test('a wrong password is unauthorized, over sessions and over basic auth', async () => {
    const result = await provider.probe(access({ password: 'wrong' }), signal());
    assert.ok(!result.isSupported);
    assert.equal(result.error.kind, 'unauthorized');

    const basic = await fetch(`${url}/redfish/v1/Systems`, { headers: { authorization: `Basic ${btoa('admin:wrong')}` } });
    assert.equal(basic.status, 401);
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic/);
    const good = await fetch(`${url}/redfish/v1/Systems`, { headers: { authorization: `Basic ${btoa(`admin:${PASSWORD}`)}` } });
    assert.equal(good.status, 200);
    assert.equal(((await good.json()) as { 'Members@odata.count': number })['Members@odata.count'], 2);
  });

  test('a session ends with its DELETE', async () => {
    const login = await fetch(`${url}/redfish/v1/SessionService/Sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserName: 'admin', Password: PASSWORD }),
    });
    assert.equal(login.status, 201);
    const token = login.headers.get('x-auth-token') ?? '';
    const location = login.headers.get('location') ?? '';
    assert.match(location, /^\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f]+$/);
    assert.equal((await fetch(`${url}/redfish/v1/Systems`, { headers: { 'x-auth-token': token } })).status, 200);
    assert.equal((await fetch(`${url}${location}`, { method: 'DELETE', headers: { 'x-auth-token': token } })).status, 204);
    assert.equal((await fetch(`${url}/redfish/v1/Systems`, { headers: { 'x-auth-token': token } })).status, 401);
  });

  test('PATCH needs a current ETag; values outside the allowed lists are refused with Base registry messages', async () => {
    const auth = { authorization: `Basic ${btoa(`admin:${PASSWORD}`)}`, 'content-type': 'application/json' };
    const path = `${url}/redfish/v1/Systems/lab-2`;
    const body = JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } });
    assert.equal((await fetch(path, { method: 'PATCH', headers: auth, body })).status, 428);
    const etag = (await fetch(path, { headers: auth })).headers.get('etag') ?? '';
    assert.equal((await fetch(path, { method: 'PATCH', headers: { ...auth, 'if-match': '"stale"' }, body })).status, 412);
    assert.equal((await fetch(path, { method: 'PATCH', headers: { ...auth, 'if-match': etag }, body })).status, 204);
    assert.deepEqual(two.bootOverride(), { enabled: 'Continuous', target: 'Hdd' });

    const current = (await fetch(path, { headers: auth })).headers.get('etag') ?? '';
    const bad = await fetch(path, {
      method: 'PATCH',
      headers: { ...auth, 'if-match': current },
      body: JSON.stringify({ Boot: { BootSourceOverrideTarget: 'Floppy' } }),
    });
    assert.equal(bad.status, 400);
    const error = (await bad.json()) as { error: { '@Message.ExtendedInfo': { MessageId: string }[] } };
    assert.equal(error.error['@Message.ExtendedInfo'][0]?.MessageId, 'Base.1.8.PropertyValueNotInList');

    const reset = await fetch(`${path}/Actions/ComputerSystem.Reset`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ ResetType: 'GracefulRestart' }),
    });
    assert.equal(reset.status, 400);
    assert.equal(
      ((await reset.json()) as typeof error).error['@Message.ExtendedInfo'][0]?.MessageId,
      'Base.1.8.ActionParameterValueNotInList',
    );
    const missing = await fetch(`${url}/redfish/v1/Systems/lab-9`, { headers: auth });
    assert.equal(missing.status, 404);
  });
});
