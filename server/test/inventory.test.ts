import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { bmcContext } from '../src/inventory/inventory.service.ts';
import { MockupReplayServer } from '../src/providers/redfish/fixtures/mockup-replay-server.ts';
import { RedfishProvider } from '../src/providers/redfish/redfish-provider.ts';
import type { Connection, Feature, MachineAccess, MachineFacts, ProbeResult, Provider } from '../src/providers/types.ts';
import { ProviderError } from '../src/providers/types.ts';
import { createTestApp, type TestUser } from './harness.ts';

const RACKMOUNT = new URL('../src/providers/redfish/fixtures/dmtf-mockups/public-rackmount1/', import.meta.url).pathname;
const SYSTEM_DIR = join(RACKMOUNT, 'Systems/437XR1138R2');
const PASSWORD = 'Bmc-Secret-7f3a9c';

/**
 * TEST STAND-IN for a provider whose answers a test scripts by BMC URL: used where the outcome, not
 * the Redfish wire protocol, is under test (maintenance, CSV import). Registered as 'lab'.
 */
class ScriptedProvider implements Provider {
  readonly name = 'lab';
  readonly features: readonly Feature[] = ['power', 'inspect'];
  private readonly answers = new Map<string, { facts: MachineFacts } | { error: ProviderError }>();
  probes = 0;

  succeed(url: string, facts: Partial<MachineFacts> = {}) {
    this.answers.set(url, {
      facts: {
        manufacturer: 'Scripted',
        model: 'S1',
        serial: null,
        cpu: { model: 'vCPU', sockets: 1, cores: 2 },
        memoryGb: 4,
        nics: [],
        powerState: 'off',
        systemPath: '/redfish/v1/Systems/1',
        ...facts,
      },
    });
  }

  refuse(url: string, kind: ProviderError['kind'], message: string) {
    this.answers.set(url, { error: new ProviderError('lab', kind, message) });
  }

  async probe(access: MachineAccess): Promise<ProbeResult> {
    this.probes++;
    const answer = this.answers.get(access.url ?? '');
    if (!answer) return { isSupported: false, error: new ProviderError('lab', 'retryable', `${access.url}: connection refused`) };
    if ('error' in answer) return { isSupported: false, error: answer.error };
    return { isSupported: true, detail: `scripted BMC at ${access.url}` };
  }

  async connect(access: MachineAccess): Promise<Connection> {
    const answer = this.answers.get(access.url ?? '');
    if (!answer || 'error' in answer) throw new ProviderError('lab', 'retryable', 'no answer');
    return { provider: 'lab', inspect: { inspect: async () => answer.facts }, close: async () => {} };
  }
}

const scripted = new ScriptedProvider();
const t = await createTestApp({
  providers: new Map<string, Provider>([
    ['redfish', new RedfishProvider({ attempts: 1, backoffMs: 1, timeoutMs: 3_000 })],
    ['lab', scripted],
  ]),
  probeTimeoutMs: 15_000,
});

const work = mkdtempSync(join(tmpdir(), 'surplus-inventory-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const bmcs: MockupReplayServer[] = [];
after(() => Promise.all(bmcs.map((server) => server.close())));

/** The mockup replay fixture (loopback HTTP or HTTPS) serving a DMTF mockup folder. */
async function bmc(options: { mockupDir?: string; tls?: { key: string; cert: string } } = {}) {
  const server = new MockupReplayServer({ mockupDir: RACKMOUNT, username: 'admin', password: PASSWORD, ...options });
  await server.start();
  bmcs.push(server);
  return server;
}

/**
 * A copy of the DMTF mockup whose NICs and serial number are this copy's own, so that several test
 * machines can enroll without reporting each other's MACs (which the probe refuses).
 */
let copies = 0;
function mockupCopy() {
  copies++;
  const dir = join(work, `mockup-${copies}`);
  cpSync(RACKMOUNT, dir, { recursive: true });
  const nics = join(dir, 'Systems/437XR1138R2/EthernetInterfaces');
  const renamed = new Map<string, string>();
  for (const entry of readdirSync(nics, { recursive: true }) as string[]) {
    if (!entry.endsWith('index.json')) continue;
    const file = join(nics, entry);
    const text = readFileSync(file, 'utf8').replace(/\b(?:[0-9A-F]{2}:){5}[0-9A-F]{2}\b/gi, (mac) => {
      const key = mac.toLowerCase();
      if (!renamed.has(key))
        renamed.set(key, `02:5e:00:${copies.toString(16).padStart(2, '0')}:00:${renamed.size.toString(16).padStart(2, '0')}`);
      return renamed.get(key) as string;
    });
    writeFileSync(file, text);
  }
  const systemFile = join(dir, 'Systems/437XR1138R2/index.json');
  writeFileSync(systemFile, readFileSync(systemFile, 'utf8').replace('"SerialNumber": "437XR1138R2"', `"SerialNumber": "COPY-${copies}"`));
  return dir;
}

let counter = 0;
function hostname(prefix = 'node') {
  counter++;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A unicast MAC no other test uses. */
function mac() {
  counter++;
  return `02:aa:${[counter >> 16, (counter >> 8) & 255, counter & 255, 7].map((n) => n.toString(16).padStart(2, '0')).join(':')}`;
}

let operator: TestUser;
before(async () => {
  operator = await t.user({ roles: ['operator'] });
});

async function enroll(body: Record<string, unknown>, as = operator) {
  return t.call('POST', '/api/v1/machines', { as: as.token, body: { plan: 'm3.small.x86', metro: 'am', ...body } });
}

async function machine(id: string) {
  const response = await t.call('GET', `/api/v1/machines/${id}`, { as: operator.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

/** Enrolls a machine behind the scripted provider and probes it: an available machine. */
async function availableMachine(overrides: Record<string, unknown> = {}) {
  const url = `http://scripted-${counter++}.bmc.test`;
  scripted.succeed(url, { nics: [{ mac: mac(), speedMbps: 10_000 }] });
  const created = await enroll({ hostname: hostname(), bmc_provider: 'lab', bmc_url: url, ...overrides });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await t.runJobs();
  const found = await machine(created.body.id);
  assert.equal(found.state, 'available', found.state_reason);
  return found;
}

function readJson(file: string) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('who may see and change the inventory', () => {
  it('answers 401 to anonymous callers and 403 to people without the operator role; operators and admins get in', async () => {
    const anonymous = await t.call('GET', '/api/v1/machines');
    assert.equal(anonymous.status, 401);
    assert.equal((await t.call('POST', '/api/v1/machines/import', { rawBody: 'x', headers: { 'content-type': 'text/csv' } })).status, 401);
    for (const roles of [[], ['reviewer']] as const) {
      const someone = await t.user({ roles: [...roles] });
      const list = await t.call('GET', '/api/v1/machines', { as: someone.token });
      assert.equal(list.status, 403, JSON.stringify(list.body));
      const created = await enroll({ hostname: hostname(), bmc_provider: 'manual' }, someone);
      assert.equal(created.status, 403);
      const imported = await t.call('POST', '/api/v1/machines/import', {
        as: someone.token,
        rawBody: 'hostname,plan,metro,bmc_provider\nx,m3.small.x86,am,manual\n',
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(imported.status, 403);
    }
    const admin = await t.user({ roles: ['admin'] });
    assert.equal((await t.call('GET', '/api/v1/machines', { as: admin.token })).status, 200);
    assert.equal((await t.call('GET', '/api/v1/machines', { as: operator.token })).status, 200);
  });
});

describe('enrolling a machine with a Redfish BMC (the DMTF public-rackmount1 mockup, replayed)', () => {
  let server: MockupReplayServer;
  let machineId: string;
  const given = mac().toUpperCase().replaceAll(':', '-');

  before(async () => {
    server = await bmc();
  });

  it('stores the machine as enrolling with its probe queued, the password sealed and never shown', async () => {
    const created = await enroll({
      hostname: 'Rack1-Node01',
      location: 'AMS1 row 3 rack 12 U20',
      macs: [given],
      bmc_provider: 'redfish',
      bmc_url: server.url,
      bmc_username: 'admin',
      bmc_password: PASSWORD,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    machineId = created.body.id;
    assert.equal(created.body.hostname, 'rack1-node01');
    assert.equal(created.body.state, 'enrolling');
    assert.deepEqual(created.body.macs, [given.toLowerCase().replaceAll('-', ':')]);
    assert.equal(created.body.has_bmc_password, true);
    assert.equal(created.body.facts, null);
    assert.deepEqual(
      created.body.events.map((event: { from_state: string | null; to_state: string; actor: string }) => [
        event.from_state,
        event.to_state,
        event.actor,
      ]),
      [[null, 'enrolling', operator.email]],
    );
    assert.ok(!JSON.stringify(created.body).includes(PASSWORD));

    const row = await t.db.selectFrom('machines').selectAll().where('id', '=', machineId).executeTakeFirstOrThrow();
    const sealed = row.bmc_password_encrypted as Buffer;
    assert.ok(!sealed.includes(Buffer.from(PASSWORD)), 'the row holds the password in clear');
    assert.equal(t.services.secrets.open(sealed, bmcContext(machineId)), PASSWORD);
    // Sealed under this machine's id: the same bytes copied to another machine do not open.
    assert.throws(() => t.services.secrets.open(sealed, bmcContext('00000000-0000-0000-0000-000000000000')));
    const jobs = await sql<{
      n: string;
    }>`select count(*) as n from graphile_worker.jobs where task_identifier = 'machine_enroll' and key = ${`machine_enroll:${machineId}`}`.execute(
      t.db,
    );
    assert.equal(jobs.rows[0]?.n, '1');
  });

  it('probes the BMC, stores the facts it reports, adds the MACs it finds and makes the machine available', async () => {
    await t.runJobs();
    const found = await machine(machineId);
    assert.equal(found.state, 'available', found.state_reason);
    const system = readJson(join(SYSTEM_DIR, 'index.json'));
    assert.equal(found.facts.provider, 'redfish');
    assert.equal(found.facts.manufacturer, system.Manufacturer);
    assert.equal(found.facts.model, system.Model);
    assert.equal(found.facts.serial, system.SerialNumber);
    assert.equal(found.facts.memory_gb, system.MemorySummary.TotalSystemMemoryGiB);
    assert.equal(found.facts.power_state, system.PowerState.toLowerCase());
    assert.equal(found.facts.system_path, '/redfish/v1/Systems/437XR1138R2');
    assert.match(
      found.facts.probe_detail,
      /^Redfish 1\.15\.0 at http:\/\/127\.0\.0\.1:\d+, session login; system \/redfish\/v1\/Systems\/437XR1138R2/,
    );
    // The serial the operator left out, and the system path, come from the BMC.
    assert.equal(found.serial, system.SerialNumber);
    assert.equal(found.bmc_system_path, '/redfish/v1/Systems/437XR1138R2');
    const reported = readJson(join(SYSTEM_DIR, 'EthernetInterfaces/12446A3B0411/index.json')).MACAddress.toLowerCase();
    assert.ok(found.facts.nics.some((nic: { mac: string }) => nic.mac === reported));
    assert.ok(found.macs.includes(reported), `${reported} not in ${found.macs}`);
    assert.ok(found.macs.includes(given.toLowerCase().replaceAll('-', ':')));
    const byMac = await t.db.selectFrom('machine_macs').select('machine_id').where('mac', '=', reported).executeTakeFirst();
    assert.equal(byMac?.machine_id, machineId);
    const last = found.events.at(-1);
    assert.deepEqual([last.from_state, last.to_state, last.actor], ['enrolling', 'available', 'system']);
    assert.match(last.reason, /^BMC probe ok — redfish: Redfish 1\.15\.0 .*; Contoso 3500, \d+ cores, 96 GB, \d+ NICs, power on$/);
    // The probe logged in with the password it opened.
    assert.ok(
      server.requests.some((request) => request.method === 'POST' && (request.body as { Password?: string })?.Password === PASSWORD),
    );
  });

  it('keeps the password out of every audit entry and every answer', async () => {
    const audit = await sql<{ summary: string }>`select summary::text as summary from audit_events where target_id = ${machineId}`.execute(
      t.db,
    );
    assert.ok(audit.rows.length >= 2);
    for (const row of audit.rows) assert.ok(!row.summary.includes(PASSWORD), row.summary);
    const list = await t.call('GET', '/api/v1/machines?q=rack1-node01', { as: operator.token });
    assert.ok(!JSON.stringify(list.body).includes(PASSWORD));
    assert.equal(list.body.items[0].has_bmc_password, true);
    assert.equal('bmc_password' in list.body.items[0], false);
  });

  it('fails a second machine behind the same BMC, naming the machine that has its MACs', async () => {
    const twin = await enroll({
      hostname: hostname('twin'),
      bmc_provider: 'redfish',
      bmc_url: server.url,
      bmc_username: 'admin',
      bmc_password: PASSWORD,
    });
    assert.equal(twin.status, 201);
    await t.runJobs();
    const found = await machine(twin.body.id);
    assert.equal(found.state, 'failed');
    assert.match(found.state_reason, new RegExp(`belongs to machine rack1-node01 \\(${machineId}\\): is this BMC enrolled twice`));
    assert.deepEqual(found.macs, []);
  });
});

describe('probe failures: the machine fails with the precise reason', () => {
  it('wrong credentials: failed with "credentials: …"; a new password re-probes it into the pool', async () => {
    const server = await bmc({ mockupDir: mockupCopy() });
    const created = await enroll({
      hostname: hostname(),
      bmc_provider: 'redfish',
      bmc_url: server.url,
      bmc_username: 'admin',
      bmc_password: 'wrong-password-1',
    });
    await t.runJobs();
    const failed = await machine(created.body.id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.state_reason, /^credentials: /);
    assert.ok(!failed.state_reason.includes('wrong-password-1'));

    const fixed = await t.call('PATCH', `/api/v1/machines/${created.body.id}`, { as: operator.token, body: { bmc_password: PASSWORD } });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.equal(fixed.body.state, 'enrolling');
    assert.match(fixed.body.events.at(-1).reason, /^BMC settings changed by .*: probing the BMC$/);
    await t.runJobs();
    const found = await machine(created.body.id);
    assert.equal(found.state, 'available', found.state_reason);
    assert.match(found.serial, /^COPY-/);
    const audit = await sql<{
      summary: string;
    }>`select summary::text as summary from audit_events where target_id = ${created.body.id}`.execute(t.db);
    assert.ok(audit.rows.every((row) => !row.summary.includes(PASSWORD) && !row.summary.includes('wrong-password-1')));
    assert.ok(
      audit.rows.some((row) => row.summary.includes('"bmc_password"')),
      'the update names the changed field',
    );
  });

  it('an untrusted certificate: failed with "TLS: …"; the BMC’s CA lets the probe through', async () => {
    const dir = join(work, 'tls');
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
        '2',
        '-subj',
        '/CN=bmc.test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        `${dir}-key.pem`,
        '-out',
        `${dir}-cert.pem`,
      ],
      { stdio: 'ignore' },
    );
    const tls = { key: readFileSync(`${dir}-key.pem`, 'utf8'), cert: readFileSync(`${dir}-cert.pem`, 'utf8') };
    const server = await bmc({ mockupDir: mockupCopy(), tls });
    const created = await enroll({
      hostname: hostname(),
      bmc_provider: 'redfish',
      bmc_url: server.url,
      bmc_username: 'admin',
      bmc_password: PASSWORD,
    });
    await t.runJobs();
    const failed = await machine(created.body.id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.state_reason, /^TLS: .*self-signed/);

    const trusted = await t.call('PATCH', `/api/v1/machines/${created.body.id}`, { as: operator.token, body: { bmc_ca_pem: tls.cert } });
    assert.equal(trusted.status, 200, JSON.stringify(trusted.body));
    await t.runJobs();
    const found = await machine(created.body.id);
    assert.equal(found.state, 'available', found.state_reason);
    assert.equal(found.bmc_ca_pem, tls.cert);
  });

  it('not a Redfish service: failed with "unsupported service: …"', async () => {
    const web = createServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    after(() => new Promise((resolve) => web.close(resolve)));
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    const created = await enroll({
      hostname: hostname(),
      bmc_provider: 'redfish',
      bmc_url: url,
      bmc_username: 'admin',
      bmc_password: PASSWORD,
    });
    await t.runJobs();
    const found = await machine(created.body.id);
    assert.equal(found.state, 'failed');
    assert.equal(found.state_reason, `unsupported service: no Redfish service at ${url}: GET /redfish/v1/ answered 404`);
  });

  it('nothing listening: failed with "unreachable: …"', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const created = await enroll({
      hostname: hostname(),
      bmc_provider: 'redfish',
      bmc_url: `https://127.0.0.1:${port}`,
      bmc_username: 'admin',
      bmc_password: PASSWORD,
      bmc_insecure: true,
    });
    await t.runJobs();
    const found = await machine(created.body.id);
    assert.equal(found.state, 'failed');
    assert.match(found.state_reason, /^unreachable: .*connection refused/);
  });

  it('a serial number other than the one enrolled: failed, naming both', async () => {
    const url = 'http://serial.bmc.test';
    scripted.succeed(url, { serial: 'ABC-999' });
    const created = await enroll({ hostname: hostname(), serial: 'ABC-123', bmc_provider: 'lab', bmc_url: url });
    await t.runJobs();
    const found = await machine(created.body.id);
    assert.equal(found.state, 'failed');
    assert.equal(found.state_reason, 'serial mismatch: enrolled as ABC-123, the BMC reports ABC-999: is bmc_url the right BMC?');
  });
});

describe('enrollment rules', () => {
  it('puts manual machines straight into the pool, with nothing to probe', async () => {
    const created = await enroll({ hostname: hostname('manual'), bmc_provider: 'manual', macs: [mac()] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'available');
    assert.match(created.body.events[0].reason, /manual provider/);
    const jobs = await sql<{
      n: string;
    }>`select count(*) as n from graphile_worker.jobs where key = ${`machine_enroll:${created.body.id}`}`.execute(t.db);
    assert.equal(jobs.rows[0]?.n, '0');
  });

  it('refuses a MAC another machine has with 409 naming the MAC and the machine, in any notation', async () => {
    const first = await enroll({ hostname: hostname('owner'), bmc_provider: 'manual', macs: ['02:BB:00:00:00:01'] });
    assert.equal(first.status, 201);
    const second = await enroll({ hostname: hostname(), bmc_provider: 'manual', macs: [mac(), '02bb.0000.0001'] });
    assert.equal(second.status, 409, JSON.stringify(second.body));
    assert.equal(second.body.error.code, 'ERR_CONFLICT');
    assert.equal(second.body.error.message, `MAC 02:bb:00:00:00:01 belongs to machine ${first.body.hostname} (${first.body.id})`);
    assert.deepEqual(second.body.error.fields, [{ field: 'macs[1]', message: second.body.error.message }]);
    const again = await enroll({ hostname: first.body.hostname, bmc_provider: 'manual' });
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, new RegExp(`${first.body.hostname} is already enrolled \\(machine ${first.body.id}\\)`));
  });

  it('names every bad field with 400 and writes nothing', async () => {
    const before = await t.db.selectFrom('machines').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const response = await enroll({
      hostname: 'node_1.example.com',
      plan: 'no-such-plan',
      macs: ['02:00:00:00:00'],
      bmc_provider: 'redfish',
      bmc_url: 'ftp://10.0.0.5',
      bmc_username: 'root',
    });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.deepEqual(response.body.error.fields.map((field: { field: string }) => field.field).sort(), [
      'bmc_password',
      'bmc_url',
      'hostname',
      'macs.0',
    ]);
    const catalog = await enroll({ hostname: hostname(), plan: 'no-such-plan', metro: 'zz', bmc_provider: 'manual' });
    assert.equal(catalog.status, 400);
    assert.deepEqual(catalog.body.error.fields, [
      { field: 'plan', message: 'unknown plan "no-such-plan"' },
      { field: 'metro', message: 'unknown metro "zz"' },
    ]);
    const after = await t.db.selectFrom('machines').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
  });

  it('answers 404 for a machine that does not exist', async () => {
    const response = await t.call('GET', '/api/v1/machines/00000000-0000-4000-8000-000000000000', { as: operator.token });
    assert.equal(response.status, 404);
  });
});

describe('maintenance and the way back to the pool', () => {
  it('takes an available machine out with a reason, refuses again, and returns it through a fresh probe', async () => {
    const found = await availableMachine();
    const probesBefore = scripted.probes;
    const out = await t.call('POST', `/api/v1/machines/${found.id}/maintenance`, {
      as: operator.token,
      body: { reason: 'replacing a DIMM' },
    });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.equal(out.body.state, 'maintenance');
    assert.equal(out.body.state_reason, 'replacing a DIMM');
    const event = out.body.events.at(-1);
    assert.deepEqual(
      [event.from_state, event.to_state, event.reason, event.actor],
      ['available', 'maintenance', 'replacing a DIMM', operator.email],
    );
    assert.ok(!Number.isNaN(Date.parse(event.occurred_at)));

    const twice = await t.call('POST', `/api/v1/machines/${found.id}/maintenance`, { as: operator.token, body: { reason: 'again' } });
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /is maintenance \(replacing a DIMM\); only available or failed machines go to maintenance/);
    const noReason = await t.call('POST', `/api/v1/machines/${found.id}/maintenance`, { as: operator.token, body: { reason: ' ' } });
    assert.equal(noReason.status, 400);

    // A re-probe in maintenance refreshes the facts and stays there.
    const reprobed = await t.call('POST', `/api/v1/machines/${found.id}/reprobe`, { as: operator.token });
    assert.equal(reprobed.status, 202);
    await t.runJobs();
    const still = await machine(found.id);
    assert.equal(still.state, 'maintenance');
    assert.match(still.events.at(-1).reason, /^reprobe ok — lab: scripted BMC/);

    const back = await t.call('POST', `/api/v1/machines/${found.id}/available`, { as: operator.token });
    assert.equal(back.status, 202, JSON.stringify(back.body));
    assert.equal(back.body.state, 'enrolling');
    await t.runJobs();
    const returned = await machine(found.id);
    assert.equal(returned.state, 'available');
    assert.ok(scripted.probes >= probesBefore + 2);
    assert.deepEqual(
      returned.events.map((e: { to_state: string }) => e.to_state),
      ['enrolling', 'available', 'maintenance', 'maintenance', 'enrolling', 'available'],
    );
    const again = await t.call('POST', `/api/v1/machines/${found.id}/available`, { as: operator.token });
    assert.equal(again.status, 409);
  });

  it('sends a failed machine to maintenance, and back through a probe that fails it again while the BMC still refuses', async () => {
    const url = 'http://refusing.bmc.test';
    scripted.refuse(url, 'unauthorized', `${url} answered 401 to POST /redfish/v1/SessionService/Sessions`);
    const created = await enroll({ hostname: hostname(), bmc_provider: 'lab', bmc_url: url });
    await t.runJobs();
    assert.equal((await machine(created.body.id)).state, 'failed');
    const out = await t.call('POST', `/api/v1/machines/${created.body.id}/maintenance`, {
      as: operator.token,
      body: { reason: 'waiting for the BMC password from the DC' },
    });
    assert.equal(out.status, 200);
    const back = await t.call('POST', `/api/v1/machines/${created.body.id}/available`, { as: operator.token });
    assert.equal(back.status, 202);
    await t.runJobs();
    const found = await machine(created.body.id);
    assert.equal(found.state, 'failed');
    assert.equal(found.state_reason, `credentials: ${url} answered 401 to POST /redfish/v1/SessionService/Sessions`);
  });

  it('refuses maintenance, return, re-probe and a plan change while a server holds the machine, naming the server', async () => {
    const found = await availableMachine();
    const owner = await t.user();
    const project = await t.project(owner);
    const server = await t.db
      .insertInto('servers')
      .values({ project_id: project.id, hostname: 'ci-runner-1', plan_slug: 'm3.small.x86', metro_code: 'am', os_slug: 'debian_12' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.updateTable('machines').set({ state: 'allocated', server_id: server.id }).where('id', '=', found.id).execute();

    const shown = await machine(found.id);
    assert.deepEqual(shown.server, {
      id: server.id,
      hostname: 'ci-runner-1',
      state: 'queued',
      project: { id: project.id, slug: project.slug, name: project.name },
    });
    const attempts = [
      await t.call('POST', `/api/v1/machines/${found.id}/maintenance`, { as: operator.token, body: { reason: 'fan noise' } }),
      await t.call('POST', `/api/v1/machines/${found.id}/available`, { as: operator.token }),
      await t.call('POST', `/api/v1/machines/${found.id}/reprobe`, { as: operator.token }),
      await t.call('PATCH', `/api/v1/machines/${found.id}`, { as: operator.token, body: { plan: 't3.small.x86' } }),
    ];
    for (const attempt of attempts) {
      assert.equal(attempt.status, 409, JSON.stringify(attempt.body));
      assert.match(
        attempt.body.error.message,
        new RegExp(`is allocated to server ci-runner-1 \\(${server.id}, project ${project.slug}\\)`),
      );
    }
    // Where it is can change while it is in use.
    const moved = await t.call('PATCH', `/api/v1/machines/${found.id}`, { as: operator.token, body: { location: 'AMS1 rack 14' } });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.location, 'AMS1 rack 14');
    assert.equal(moved.body.state, 'allocated');
  });
});

describe('updating a machine', () => {
  it('changes plan, metro and location; checks the catalog and the BMC settings as a whole', async () => {
    const found = await availableMachine();
    const changed = await t.call('PATCH', `/api/v1/machines/${found.id}`, {
      as: operator.token,
      body: { plan: 't3.small.x86', metro: 'ny', location: 'NY5 cage 2' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(
      [changed.body.plan, changed.body.metro, changed.body.location, changed.body.state],
      ['t3.small.x86', 'ny', 'NY5 cage 2', 'available'],
    );
    const unknown = await t.call('PATCH', `/api/v1/machines/${found.id}`, { as: operator.token, body: { metro: 'xx' } });
    assert.equal(unknown.status, 400);
    const noUrl = await t.call('PATCH', `/api/v1/machines/${found.id}`, { as: operator.token, body: { bmc_url: null } });
    assert.equal(noUrl.status, 400);
    assert.deepEqual(noUrl.body.error.fields, [{ field: 'bmc_url', message: 'is required for the lab provider' }]);
    const toRedfish = await t.call('PATCH', `/api/v1/machines/${found.id}`, { as: operator.token, body: { bmc_provider: 'redfish' } });
    assert.equal(toRedfish.status, 400);
    assert.deepEqual(
      toRedfish.body.error.fields.map((field: { field: string }) => field.field),
      ['bmc_username', 'bmc_password'],
    );
  });
});

describe('listing the fleet', () => {
  it('filters by state, plan, metro and q (hostname, serial, location or MAC), counts per state and pages by hostname', async () => {
    const tag = `fleet${Math.random().toString(36).slice(2, 6)}`;
    const macs = [mac(), mac(), mac()];
    for (const [index, body] of [
      { plan: 'm3.small.x86', metro: 'am', macs: [macs[0]] },
      { plan: 'm3.small.x86', metro: 'da', macs: [macs[1]] },
      { plan: 't3.small.x86', metro: 'am', macs: [macs[2]] },
    ].entries()) {
      const created = await enroll({ ...body, hostname: `${tag}-${index}`, location: `${tag} rack`, bmc_provider: 'manual' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const held = await t.call('GET', `/api/v1/machines?q=${tag}-1`, { as: operator.token });
    await t.call('POST', `/api/v1/machines/${held.body.items[0].id}/maintenance`, { as: operator.token, body: { reason: 'test' } });

    const list = async (query: string) => (await t.call('GET', `/api/v1/machines?q=${tag}&${query}`, { as: operator.token })).body;
    const all = await list('');
    assert.deepEqual(
      all.items.map((item: { hostname: string }) => item.hostname),
      [`${tag}-0`, `${tag}-1`, `${tag}-2`],
    );
    assert.deepEqual(all.counts, { enrolling: 0, available: 2, allocated: 0, wiping: 0, maintenance: 1, failed: 0, total: 3 });
    const inMaintenance = await list('state=maintenance');
    assert.deepEqual(
      inMaintenance.items.map((item: { hostname: string }) => item.hostname),
      [`${tag}-1`],
    );
    assert.equal(inMaintenance.counts.total, 3, 'counts ignore the state filter');
    assert.equal((await list('plan=t3.small.x86')).items.length, 1);
    assert.equal((await list('metro=am')).counts.total, 2);
    const byMac = await t.call('GET', `/api/v1/machines?q=${macs[2]}`, { as: operator.token });
    assert.deepEqual(
      byMac.body.items.map((item: { hostname: string }) => item.hostname),
      [`${tag}-2`],
    );
    const first = await list('limit=2');
    assert.equal(first.items.length, 2);
    const second = await list(`limit=2&cursor=${first.next_cursor}`);
    assert.deepEqual(
      second.items.map((item: { hostname: string }) => item.hostname),
      [`${tag}-2`],
    );
    assert.equal(second.next_cursor, null);
    const badCursor = await t.call('GET', '/api/v1/machines?cursor=nonsense', { as: operator.token });
    assert.equal(badCursor.status, 400);
    const badState = await t.call('GET', '/api/v1/machines?state=sleeping', { as: operator.token });
    assert.equal(badState.status, 400);
  });
});

describe('CSV import', () => {
  const header = 'hostname,serial,plan,metro,location,macs,bmc_provider,bmc_url,bmc_username,bmc_password,bmc_insecure';

  async function importCsv(text: string, query = '') {
    return t.call('POST', `/api/v1/machines/import${query}`, {
      as: operator.token,
      rawBody: text,
      headers: { 'content-type': 'text/csv' },
    });
  }

  async function machineCount() {
    const row = await t.db.selectFrom('machines').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('imports every line in one go, each with its probe, after a dry run that writes nothing', async () => {
    const tag = `csv${Math.random().toString(36).slice(2, 6)}`;
    const urls = [`http://${tag}-a.bmc.test`, `http://${tag}-b.bmc.test`];
    scripted.succeed(urls[0] as string, { nics: [{ mac: mac(), speedMbps: 1000 }] });
    scripted.succeed(urls[1] as string, { nics: [{ mac: mac(), speedMbps: 1000 }] });
    const [a, b, c] = [mac(), mac(), mac()];
    const text = [
      header,
      `${tag}-a,SN-1,m3.small.x86,am,"AMS1, rack 3",${a} ${b},lab,${urls[0]},admin,${PASSWORD},false`,
      `${tag}-b,,m3.small.x86,am,AMS1 rack 4,${c},lab,${urls[1]},admin,${PASSWORD},`,
      `${tag}-c,,t3.small.x86,da,,,manual,,,,`,
      '',
    ].join('\r\n');
    const before = await machineCount();
    const dry = await importCsv(text, '?dry_run=true');
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body, {
      dry_run: true,
      count: 3,
      machines: [
        { line: 2, hostname: `${tag}-a`, id: null, state: null },
        { line: 3, hostname: `${tag}-b`, id: null, state: null },
        { line: 4, hostname: `${tag}-c`, id: null, state: null },
      ],
    });
    assert.equal(await machineCount(), before);

    const imported = await importCsv(text);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.count, 3);
    assert.deepEqual(
      imported.body.machines.map((m: { state: string }) => m.state),
      ['enrolling', 'enrolling', 'available'],
    );
    assert.equal(await machineCount(), before + 3);
    await t.runJobs();
    const listed = await t.call('GET', `/api/v1/machines?q=${tag}`, { as: operator.token });
    assert.deepEqual(
      listed.body.items.map((m: { hostname: string; state: string }) => [m.hostname, m.state]),
      [
        [`${tag}-a`, 'available'],
        [`${tag}-b`, 'available'],
        [`${tag}-c`, 'available'],
      ],
    );
    const first = listed.body.items[0];
    assert.equal(first.location, 'AMS1, rack 3');
    assert.equal(first.has_bmc_password, true);
    assert.ok(first.macs.includes(a) && first.macs.includes(b) && first.macs.length === 3);
    const row = await t.db.selectFrom('machines').select('bmc_password_encrypted').where('id', '=', first.id).executeTakeFirstOrThrow();
    assert.ok(!(row.bmc_password_encrypted as Buffer).includes(Buffer.from(PASSWORD)));
  });

  it('refuses a file with 3 bad lines, listing exactly those lines, and writes no machine at all', async () => {
    const existing = await enroll({ hostname: hostname('taken'), bmc_provider: 'manual' });
    const tag = `bad${Math.random().toString(36).slice(2, 6)}`;
    const text = [
      header,
      `${tag}-1,,m3.small.x86,am,,${mac()},manual,,,,`,
      `${tag}-2,,m3.small.x86,am,,02:00:zz:00:00:01,manual,,,,`,
      `${tag}-3,,m3.small.x86,am,,,manual,,,,`,
      `${tag}-4,,m3.small.x86,am,,,redfish,file:///etc/passwd,root,${PASSWORD},`,
      `${tag}-5,,m3.small.x86,am,,,manual,,,,`,
      `${existing.body.hostname},,m3.small.x86,am,,,manual,,,,`,
      `${tag}-7,,m3.small.x86,am,,,manual,,,,`,
    ].join('\n');
    const before = await machineCount();
    const response = await importCsv(text);
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'ERR_VALIDATION');
    assert.equal(response.body.error.message, '3 lines have errors; nothing was imported.');
    assert.deepEqual(response.body.error.fields, [
      { field: 'line 3: macs', message: '"02:00:zz:00:00:01" is not a MAC address (write it as aa:bb:cc:dd:ee:ff)' },
      { field: 'line 5: bmc_url', message: 'must be an http(s) URL, not file:' },
      { field: 'line 7: hostname', message: `${existing.body.hostname} is already enrolled (machine ${existing.body.id})` },
    ]);
    assert.ok(!JSON.stringify(response.body).includes(PASSWORD));
    assert.equal(await machineCount(), before);
  });

  it('finds duplicates within the file and unknown plans and metros, line by line', async () => {
    const tag = `dup${Math.random().toString(36).slice(2, 6)}`;
    const shared = mac();
    const text = [
      'hostname,plan,metro,macs,bmc_provider',
      `${tag}-1,m3.small.x86,am,${shared},manual`,
      `${tag}-1,m3.small.x86,am,,manual`,
      `${tag}-3,m3.small.x86,am,${shared.toUpperCase()},manual`,
      `${tag}-4,m9.huge,mars,,manual`,
    ].join('\n');
    const response = await importCsv(text);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body.error.fields, [
      { field: 'line 3: hostname', message: `${tag}-1 repeats line 2` },
      { field: 'line 4: macs', message: `${shared} repeats line 2` },
      { field: 'line 5: plan', message: 'unknown plan "m9.huge"' },
      { field: 'line 5: metro', message: 'unknown metro "mars"' },
    ]);
  });

  it('says what is wrong with the file itself, and takes CSV only on this route', async () => {
    const noHeader = await importCsv('node1,m3.small.x86,am,manual\n');
    assert.equal(noHeader.status, 400);
    assert.match(noHeader.body.error.fields[0].field, /^line 1$/);
    const quote = await importCsv('hostname,plan,metro,bmc_provider\n"node1,m3.small.x86,am,manual\n');
    assert.equal(quote.status, 400);
    assert.deepEqual(quote.body.error.fields, [{ field: 'line 2', message: 'a quoted field opened on line 2 is never closed' }]);
    const json = await t.call('POST', '/api/v1/machines/import', { as: operator.token, body: { hostname: 'x' } });
    assert.equal(json.status, 415);
    const csvElsewhere = await t.call('POST', '/api/v1/machines', {
      as: operator.token,
      rawBody: 'hostname\nx\n',
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(csvElsewhere.status, 415);
  });
});

describe('the lab pool’s machines', () => {
  it('enrolls them like any machine, then follows their BMC and SSH port across restarts without repeating itself', async () => {
    const tag = `lab${Math.random().toString(36).slice(2, 6)}`;
    const first = `http://${tag}-1.bmc.test`;
    scripted.succeed(first, { systemPath: `/redfish/v1/Systems/${tag}` });
    const enrollment = {
      hostname: tag,
      macAddresses: [mac()],
      bmcProvider: 'lab' as const,
      bmcUrl: first,
      bmcUsername: 'admin',
      bmcPassword: 'lab-password-1',
      bmcSystemPath: `/redfish/v1/Systems/${tag}`,
      isLab: true as const,
      labSshPort: 42022,
    };
    assert.deepEqual(await t.services.inventory.syncLab([enrollment]), { enrolled: [tag], updated: [] });
    await t.runJobs();
    const listed = await t.call('GET', `/api/v1/machines?q=${tag}`, { as: operator.token });
    const found = listed.body.items[0];
    assert.deepEqual(
      [found.state, found.is_lab, found.plan, found.metro, found.bmc_provider],
      ['available', true, 'lab.vm.x86', 'lab', 'lab'],
    );

    assert.deepEqual(await t.services.inventory.syncLab([enrollment]), { enrolled: [], updated: [] });
    const moved = `http://${tag}-2.bmc.test`;
    scripted.succeed(moved, { systemPath: `/redfish/v1/Systems/${tag}` });
    assert.deepEqual(await t.services.inventory.syncLab([{ ...enrollment, bmcUrl: moved, labSshPort: 42023 }]), {
      enrolled: [],
      updated: [tag],
    });
    await t.runJobs();
    const after = await machine(found.id);
    assert.equal(after.bmc_url, moved);
    assert.equal(after.state, 'available');
    assert.deepEqual(
      after.events.map((event: { to_state: string }) => event.to_state),
      ['enrolling', 'available', 'enrolling', 'available'],
    );
    const row = await t.db.selectFrom('machines').select('lab_ssh_port').where('id', '=', found.id).executeTakeFirstOrThrow();
    assert.equal(row.lab_ssh_port, 42023);
  });
});
