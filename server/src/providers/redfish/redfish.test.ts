import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MachineAccess, ProviderError } from '../types.ts';
import { MockupReplayServer } from './fixtures/mockup-replay-server.ts';
import { planReset, RedfishProvider } from './redfish-provider.ts';

const MOCKUPS = new URL('./fixtures/dmtf-mockups/', import.meta.url).pathname;
const RACKMOUNT = join(MOCKUPS, 'public-rackmount1');
const TELEMETRY = join(MOCKUPS, 'public-telemetry-excerpt');
const SYSTEM = '/redfish/v1/Systems/437XR1138R2';
const PASSWORD = 'replay-secret-Pw1';

const provider = new RedfishProvider({ attempts: 3, backoffMs: 1, timeoutMs: 3_000 });

function access(url: string, overrides: Partial<MachineAccess> = {}): MachineAccess {
  return {
    machineId: 'm-1',
    provider: 'redfish',
    url,
    username: 'admin',
    password: PASSWORD,
    caPem: null,
    isInsecure: false,
    systemPath: null,
    ...overrides,
  };
}

/** Reads a mockup value with jq, independently of the client under test. */
function jq(file: string, filter: string): string {
  return execFileSync('jq', ['-r', filter, join(RACKMOUNT, file, 'index.json')], { encoding: 'utf8' }).trim();
}

async function replay(options: Partial<ConstructorParameters<typeof MockupReplayServer>[0]> = {}) {
  const server = new MockupReplayServer({ mockupDir: RACKMOUNT, username: 'admin', password: PASSWORD, ...options });
  await server.start();
  after(() => server.close());
  return server;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${error}`);
    return error;
  }
  assert.fail('expected a rejection');
}

const signal = () => AbortSignal.timeout(20_000);

describe('Redfish client against the DMTF public-rackmount1 mockup (replayed by a test fixture)', () => {
  test('discovers the service root, logs in with a session, uses its token, keeps it for the next call and deletes it on close', async () => {
    const server = await replay();
    const own = new RedfishProvider({ attempts: 3, backoffMs: 1, timeoutMs: 3_000 });
    const connection = await own.connect(access(server.url), signal());
    assert.equal(await connection.power?.powerState(signal()), 'on');
    await connection.close();
    // The next call to the same BMC and user: no service root, no login, no system lookup again.
    const again = await own.connect(access(server.url), signal());
    assert.equal(await again.power?.powerState(signal()), 'on');
    await again.close();
    assert.equal(server.requests.filter((r) => r.method === 'DELETE').length, 0);
    await own.close();

    const logins = server.requests.filter((r) => r.method === 'POST' && r.path === '/redfish/v1/SessionService/Sessions');
    assert.deepEqual(
      logins.map((r) => r.body),
      [{ UserName: 'admin', Password: PASSWORD }],
    );
    assert.equal(server.requests.filter((r) => r.method === 'GET' && r.path === '/redfish/v1/').length, 1);
    assert.equal(server.requests.filter((r) => r.method === 'GET' && r.path === '/redfish/v1/Systems').length, 1);
    assert.equal(server.requests.filter((r) => r.method === 'GET' && r.path === SYSTEM).length, 2);
    const reads = server.requests.filter((r) => r.method === 'GET' && r.path !== '/redfish/v1/');
    assert.ok(reads.every((r) => typeof r.headers['x-auth-token'] === 'string' && !r.headers.authorization));
    assert.deepEqual(
      server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/redfish/v1/SessionService/Sessions/replay-1'],
    );
  });

  test('a connection reads the system as it opens (confirming a configured path), and its first call takes that read', async () => {
    const server = await replay();
    const own = new RedfishProvider({ attempts: 3, backoffMs: 1, timeoutMs: 3_000 });
    const systemReads = () => server.requests.filter((r) => r.method === 'GET' && r.path === SYSTEM).length;
    const connection = await own.connect(access(server.url, { systemPath: SYSTEM }), signal());
    assert.equal(systemReads(), 1);
    assert.equal(await connection.power?.powerState(signal()), 'on');
    assert.equal(systemReads(), 1);
    // Only the first: a later call on the same connection reads the system as it is then.
    await connection.boot?.setOneTimeBoot('pxe', signal());
    assert.equal(systemReads(), 2);
    await connection.close();
    // The next connection takes the path from the memo and starts reading the system as it opens
    // (its caller records the action meanwhile); its first call takes that read.
    const again = await own.connect(access(server.url, { systemPath: SYSTEM }), signal());
    assert.equal(await again.power?.powerState(signal()), 'on');
    assert.equal(systemReads(), 3);
    await again.close();
    // A connection closed before any call (its action was found done) waits for its read, unused.
    const unused = await own.connect(access(server.url, { systemPath: SYSTEM }), signal());
    await unused.close();
    assert.equal(systemReads(), 4);
    await own.close();
    assert.deepEqual(
      server.writes.filter((r) => r.method === 'PATCH').map((r) => r.body),
      [{ Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' } }],
    );
  });

  test('a session the BMC expired is renewed with one login, also for calls sharing it at once', async () => {
    const server = await replay();
    const own = new RedfishProvider({ attempts: 3, backoffMs: 1, timeoutMs: 3_000 });
    const first = await own.connect(access(server.url), signal());
    await first.close();
    server.expireSessions();
    const [one, two] = await Promise.all([own.connect(access(server.url), signal()), own.connect(access(server.url), signal())]);
    const states = await Promise.all([one?.power?.powerState(signal()), two?.power?.powerState(signal())]);
    await Promise.all([one?.close(), two?.close()]);
    assert.deepEqual(states, ['on', 'on']);
    const logins = server.requests.filter((r) => r.method === 'POST' && r.path === '/redfish/v1/SessionService/Sessions');
    assert.equal(logins.length, 2);
    await own.close();
    assert.deepEqual(
      server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/redfish/v1/SessionService/Sessions/replay-2'],
    );
  });

  test('a call that fails retires its session: logged out, and the next call discovers and logs in afresh', async () => {
    const server = await replay();
    const own = new RedfishProvider({ attempts: 1, backoffMs: 1, timeoutMs: 3_000 });
    const connection = await own.connect(access(server.url), signal());
    server.fail('GET', SYSTEM, 1, 500);
    const error = await rejection(connection.power?.powerState(signal()) ?? Promise.resolve());
    assert.equal(error.kind, 'retryable');
    await connection.close();
    assert.deepEqual(
      server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/redfish/v1/SessionService/Sessions/replay-1'],
    );
    const next = await own.connect(access(server.url), signal());
    assert.equal(await next.power?.powerState(signal()), 'on');
    await next.close();
    await own.close();
    assert.equal(server.requests.filter((r) => r.method === 'GET' && r.path === '/redfish/v1/').length, 2);
    assert.equal(server.requests.filter((r) => r.method === 'GET' && r.path === '/redfish/v1/Systems').length, 2);
  });

  test('with sessionIdleMs 0 every connection logs in and out', async () => {
    const server = await replay();
    const own = new RedfishProvider({ attempts: 1, backoffMs: 1, timeoutMs: 3_000, sessionIdleMs: 0 });
    for (let i = 0; i < 2; i++) {
      const connection = await own.connect(access(server.url), signal());
      assert.equal(await connection.power?.powerState(signal()), 'on');
      await connection.close();
    }
    assert.deepEqual(
      server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/redfish/v1/SessionService/Sessions/replay-1', '/redfish/v1/SessionService/Sessions/replay-2'],
    );
  });

  test('falls back to basic auth when the BMC offers no sessions', async () => {
    const server = await replay({ hasSessions: false });
    const connection = await provider.connect(access(server.url), signal());
    assert.equal(await connection.power?.powerState(signal()), 'on');
    await connection.close();
    const system = server.requests.find((r) => r.method === 'GET' && r.path === SYSTEM);
    assert.equal(system?.headers.authorization, `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`);
    assert.equal(server.requests.filter((r) => r.method === 'DELETE').length, 0);
  });

  test('inspect reports what the mockup says (checked with jq)', async () => {
    const server = await replay();
    const connection = await provider.connect(access(server.url), signal());
    const facts = await connection.inspect?.inspect(signal());
    await connection.close();
    const system = 'Systems/437XR1138R2';
    assert.equal(facts?.manufacturer, jq(system, '.Manufacturer'));
    assert.equal(facts?.model, jq(system, '.Model'));
    assert.equal(facts?.serial, jq(system, '.SerialNumber'));
    assert.equal(facts?.cpu.model, jq(system, '.ProcessorSummary.Model'));
    assert.equal(facts?.cpu.sockets, Number(jq(system, '.ProcessorSummary.Count')));
    assert.equal(facts?.cpu.cores, Number(jq(system, '.ProcessorSummary.CoreCount')));
    assert.equal(facts?.memoryGb, Number(jq(system, '.MemorySummary.TotalSystemMemoryGiB')));
    assert.equal(facts?.powerState, jq(system, '.PowerState').toLowerCase());
    assert.equal(facts?.systemPath, SYSTEM);
    // The two physical NICs; the VLAN (virtual) and the host interface to the BMC are left out.
    const nics = ['12446A3B0411', '12446A3B8890'].map((id) => ({
      mac: jq(`${system}/EthernetInterfaces/${id}`, '.MACAddress').toLowerCase(),
      speedMbps: Number(jq(`${system}/EthernetInterfaces/${id}`, '.SpeedMbps')),
    }));
    assert.deepEqual(facts?.nics, nics);
    assert.equal(jq(`${system}/EthernetInterfaces/VLAN1`, '.EthernetInterfaceType'), 'Virtual');
  });

  test('the probe says what it found', async () => {
    const server = await replay();
    const result = await provider.probe(access(server.url), signal());
    assert.ok(result.isSupported);
    assert.match(result.detail, /Redfish 1\.15\.0 .*session login; system \/redfish\/v1\/Systems\/437XR1138R2 \(Contoso 3500\), power on/);
  });

  test('power actions POST a ResetType the system allows', async () => {
    const server = await replay();
    const connection = await provider.connect(access(server.url), signal());
    // The mockup system is On and allows On, ForceOff, GracefulShutdown, GracefulRestart, ForceRestart, Nmi, ForceOn, PushPowerButton.
    await connection.power?.setPower('on', signal());
    await connection.power?.setPower('off', signal());
    await connection.power?.setPower('soft_off', signal());
    await connection.power?.setPower('cycle', signal());
    await connection.power?.setPower('reset', signal());
    await connection.close();
    const resets = server.writes.filter((r) => r.path.endsWith('/Actions/ComputerSystem.Reset'));
    assert.deepEqual(
      resets.map((r) => r.body),
      [{ ResetType: 'ForceOff' }, { ResetType: 'GracefulShutdown' }, { ResetType: 'ForceRestart' }, { ResetType: 'ForceRestart' }],
    );
    assert.ok(resets.every((r) => r.path === `${SYSTEM}/Actions/ComputerSystem.Reset`));
  });

  test('reset types come from @Redfish.ActionInfo when the action has no inline allowable values', async () => {
    const server = await replay({ mockupDir: TELEMETRY });
    const connection = await provider.connect(access(server.url), signal());
    await connection.power?.setPower('off', signal());
    await connection.close();
    assert.ok(server.requests.some((r) => r.method === 'GET' && r.path === '/redfish/v1/Systems/1/ResetActionInfo'));
    assert.deepEqual(server.writes.find((r) => r.path.endsWith('/Actions/ComputerSystem.Reset'))?.body, { ResetType: 'ForceOff' });
  });

  test('reset type selection follows the allowable values and the power state', () => {
    const all = null;
    assert.deepEqual(planReset('cycle', all, 'on'), { steps: ['PowerCycle'], note: 'PowerCycle' });
    assert.deepEqual(planReset('cycle', ['ForceRestart', 'On'], 'on'), { steps: ['ForceRestart'], note: 'ForceRestart' });
    assert.deepEqual(planReset('cycle', ['ForceOff', 'On'], 'on'), { steps: ['ForceOff', 'On'], note: 'ForceOff+On' });
    assert.deepEqual(planReset('reset', ['PowerCycle', 'ForceOff', 'On'], 'on'), { steps: ['PowerCycle'], note: 'PowerCycle' });
    assert.deepEqual(planReset('cycle', ['On', 'PowerCycle'], 'off'), { steps: ['On'], note: 'On (the machine was off)' });
    assert.deepEqual(planReset('on', ['ForceOn'], 'off'), { steps: ['ForceOn'], note: 'ForceOn' });
    assert.deepEqual(planReset('on', all, 'on'), { steps: [], note: 'already on' });
    assert.deepEqual(planReset('off', all, 'off'), { steps: [], note: 'already off' });
    assert.deepEqual(planReset('off', ['On', 'GracefulShutdown'], 'unknown'), {
      error: 'the system allows ResetType On, GracefulShutdown, not ForceOff (needed to power off)',
    });
    assert.ok('error' in planReset('cycle', ['On', 'Nmi'], 'on'));
  });

  test('one-time boot PATCHes Boot with Once and the target; a target the BMC does not list is unsupported', async () => {
    const server = await replay();
    const connection = await provider.connect(access(server.url), signal());
    await connection.boot?.setOneTimeBoot('pxe', signal());
    await connection.boot?.setOneTimeBoot('disk', signal());
    const error = await rejection(connection.boot?.setOneTimeBoot('uefi_http', signal()) ?? Promise.resolve());
    await connection.close();
    const patches = server.writes.filter((r) => r.method === 'PATCH');
    assert.deepEqual(
      patches.map((r) => [r.path, r.body]),
      [
        [SYSTEM, { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' } }],
        [SYSTEM, { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Hdd' } }],
      ],
    );
    assert.equal(error.kind, 'unsupported');
    assert.match(error.message, /cannot boot once from UefiHttp: its boot override targets are None, Pxe, Cd, Usb, Hdd/);
  });

  test('a BMC that wants If-Match answers 428; the client fetches the ETag and PATCHes once more with it', async () => {
    const server = await replay({ isIfMatchRequired: true });
    const connection = await provider.connect(access(server.url), signal());
    await connection.boot?.setOneTimeBoot('pxe', signal());
    await connection.close();
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 2);
    assert.equal(patches[0]?.headers['if-match'], undefined);
    assert.equal(patches[1]?.headers['if-match'], await server.etagOf(SYSTEM));
  });

  test('once the BMC asked for If-Match, the next PATCH sends the ETag of its own GET at once (no 428, no extra GET)', async () => {
    const server = await replay({ isIfMatchRequired: true });
    const own = new RedfishProvider({ attempts: 1, backoffMs: 1, timeoutMs: 3_000 });
    for (const device of ['pxe', 'disk'] as const) {
      const connection = await own.connect(access(server.url), signal());
      await connection.boot?.setOneTimeBoot(device, signal());
      await connection.close();
    }
    await own.close();
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    assert.deepEqual(
      patches.map((r) => r.headers['if-match'] ?? null),
      [null, await server.etagOf(SYSTEM), await server.etagOf(SYSTEM)],
    );
    assert.equal(server.requests.filter((r) => r.method === 'GET' && r.path === SYSTEM).length, 3);
  });

  test('wrong credentials are unauthorized, and the message names the user but never the password', async () => {
    const server = await replay();
    const error = await rejection(provider.connect(access(server.url, { password: 'not-the-password' }), signal()));
    assert.equal(error.kind, 'unauthorized');
    assert.match(error.message, /refused the user "admin"/);
    assert.doesNotMatch(error.message, /not-the-password/);
    assert.doesNotMatch(String(error.cause), /not-the-password/);

    const basic = await replay({ hasSessions: false });
    const basicError = await rejection(provider.connect(access(basic.url, { password: 'not-the-password' }), signal()));
    assert.equal(basicError.kind, 'unauthorized');
    assert.match(basicError.message, /basic auth/);
  });

  test('a 500 is retried and the read succeeds', async () => {
    const server = await replay();
    server.fail('GET', SYSTEM, 1, 500);
    const connection = await provider.connect(access(server.url), signal());
    assert.equal(await connection.power?.powerState(signal()), 'on');
    await connection.close();
    const answers = server.requests.filter((r) => r.method === 'GET' && r.path === SYSTEM);
    assert.equal(answers.length, 2);
  });

  test('a restart answered 500 is not repeated (the BMC may have acted), a 503 is', async () => {
    const server = await replay();
    const connection = await provider.connect(access(server.url), signal());
    const target = `${SYSTEM}/Actions/ComputerSystem.Reset`;
    server.fail('POST', target, 1, 500);
    const error = await rejection(connection.power?.setPower('reset', signal()) ?? Promise.resolve());
    assert.equal(error.kind, 'retryable');
    assert.match(
      error.message,
      /POST \/redfish\/v1\/Systems\/437XR1138R2\/Actions\/ComputerSystem.Reset on http:\/\/127\.0\.0\.1:\d+ answered 500/,
    );
    assert.equal(server.requests.filter((r) => r.path === target).length, 1);

    server.fail('POST', target, 1, 503);
    await connection.power?.setPower('reset', signal());
    assert.equal(server.requests.filter((r) => r.path === target).length, 3);
    await connection.close();
  });

  test('a BMC that does not answer times out as a retryable error after the bounded attempts', async () => {
    const server = await replay();
    const impatient = new RedfishProvider({ attempts: 2, backoffMs: 1, timeoutMs: 300 });
    const connection = await impatient.connect(access(server.url), signal());
    server.fail('GET', SYSTEM, 5, 'hang');
    const error = await rejection(connection.power?.powerState(signal()) ?? Promise.resolve());
    await connection.close();
    assert.equal(error.kind, 'retryable');
    assert.match(error.message, /GET \/redfish\/v1\/Systems\/437XR1138R2 on http:\/\/127\.0\.0\.1:\d+: no answer within 300 ms/);
    assert.equal(server.requests.filter((r) => r.path === SYSTEM).length, 2);
  });

  test('the caller’s signal cuts a hung request short', async () => {
    const server = await replay();
    const connection = await provider.connect(access(server.url), signal());
    server.fail('GET', SYSTEM, 5, 'hang');
    const error = await rejection(connection.power?.powerState(AbortSignal.timeout(200)) ?? Promise.resolve());
    await connection.close();
    assert.equal(error.kind, 'retryable');
    assert.match(error.message, /cancelled by the caller \(step timeout\)/);
  });

  test('nothing listening is a retryable connection error, and the probe says so', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const result = await provider.probe(access(`http://127.0.0.1:${port}`), signal());
    assert.equal(result.isSupported, false);
    assert.ok(!result.isSupported);
    assert.equal(result.error.kind, 'retryable');
    assert.match(
      result.error.message,
      /GET \/redfish\/v1\/ on http:\/\/127\.0\.0\.1:\d+: cannot reach the BMC: connection refused \(ECONNREFUSED\)/,
    );
  });

  test('a web server without Redfish is unsupported; bad URLs are invalid', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'surplus-no-redfish-'));
    after(() => rmSync(empty, { recursive: true, force: true }));
    const server = await replay({ mockupDir: empty });
    const result = await provider.probe(access(server.url), signal());
    assert.ok(!result.isSupported);
    assert.equal(result.error.kind, 'unsupported');
    assert.match(result.error.message, /no Redfish service at http:\/\/127\.0\.0\.1:\d+: GET \/redfish\/v1\/ answered 404/);

    const ftp = await provider.probe(access('ftp://bmc.example'), signal());
    assert.ok(!ftp.isSupported);
    assert.equal(ftp.error.kind, 'invalid');
    assert.match(ftp.error.message, /must start with https:\/\//);
  });

  test('a configured system path that does not exist is not found, naming the systems there are', async () => {
    const server = await replay();
    const result = await provider.probe(access(server.url, { systemPath: '/redfish/v1/Systems/1' }), signal());
    assert.ok(!result.isSupported);
    assert.equal(result.error.kind, 'not_found');
    assert.equal(result.error.message, `the BMC has no system at /redfish/v1/Systems/1; it lists ${SYSTEM}`);
  });

  test('virtual media: InsertMedia and EjectMedia POST to the targets a Manager’s CD slot advertises', async () => {
    const server = await replay({ mockupDir: TELEMETRY });
    const connection = await provider.connect(access(server.url), signal());
    await connection.media?.insertMedia('http://boot.example/ipxe.iso', signal());
    await connection.close();
    const posts = server.writes.filter((r) => r.method === 'POST' && r.path.includes('VirtualMedia'));
    // CD1 holds another image: ejected first. Its InsertMedia ActionInfo lists Image, Inserted and Writable.
    assert.deepEqual(
      posts.map((r) => [r.path, r.body]),
      [
        ['/redfish/v1/Managers/1/VirtualMedia/CD1/Actions/VM.EjectMedia', {}],
        [
          '/redfish/v1/Managers/1/VirtualMedia/CD1/Actions/VM.InsertMedia',
          { Image: 'http://boot.example/ipxe.iso', Inserted: true, Writable: false },
        ],
      ],
    );
  });

  test('virtual media: a CD slot without actions is unsupported, naming the slot', async () => {
    const server = await replay();
    const connection = await provider.connect(access(server.url), signal());
    const error = await rejection(connection.media?.insertMedia('http://boot.example/ipxe.iso', signal()) ?? Promise.resolve());
    await connection.close();
    assert.equal(error.kind, 'unsupported');
    assert.equal(error.message, `virtual media slot ${SYSTEM}/VirtualMedia/CD1 offers no #VirtualMedia.InsertMedia action`);
  });
});

describe('Redfish over TLS (a self-signed BMC certificate)', () => {
  let dir = '';
  let tls: { key: string; cert: string };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'surplus-bmc-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ].concat(['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an untrusted certificate fails as tls; the CA, or an explicit insecure flag, lets it through', async () => {
    const server = await replay({ tls });
    const untrusted = await provider.probe(access(server.url), signal());
    assert.ok(!untrusted.isSupported);
    assert.equal(untrusted.error.kind, 'tls');
    assert.match(
      untrusted.error.message,
      /TLS failed: its certificate is self-signed and not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); give the BMC’s CA/,
    );

    const trusted = await provider.probe(access(server.url, { caPem: tls.cert }), signal());
    assert.ok(trusted.isSupported, trusted.isSupported ? '' : trusted.error.message);
    const insecure = await provider.probe(access(server.url, { isInsecure: true }), signal());
    assert.ok(insecure.isSupported);
  });
});
