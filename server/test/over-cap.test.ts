/**
 * The over-cap power-off end to end, on a real PostgreSQL with the lab's Redfish virtual BMC over
 * loopback HTTP (a MemoryMachine behind it: power changes at once, nothing boots). A server is
 * provisioned through the workflow and phones home through the boot service; traffic reported
 * through the batch API pushes its grant over the monthly credit; the usage_alerts run tells the
 * owner, and once the program's notice is over (the job's clock is passed in, as other tests do)
 * the server is powered off through the BMC by the server_power job — exactly once, however often
 * or concurrently the job runs.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createBootServer } from '../src/boot/boot.server.ts';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { createLabProvider } from '../src/providers/lab/lab-provider.ts';
import { systemPath, VirtualBmc } from '../src/providers/lab/virtual-bmc.ts';
import { MemoryMachine } from '../src/providers/lab/virtual-machine.ts';
import type { Provider } from '../src/providers/types.ts';
import { createTestApp } from './harness.ts';

const BMC_PASSWORD = `bmc-${randomBytes(6).toString('hex')}`;
const BOOT_URL = 'http://boot.surplus.test:8081';
const HOUR_MS = 3_600_000;
const secretKey = randomBytes(32);
const secrets = new SecretBox(secretKey);

const memory = new MemoryMachine({ id: 'cap-1' });
const virtualBmc = new VirtualBmc({ machines: [memory], username: 'admin', password: BMC_PASSWORD });
await virtualBmc.listen();
after(() => virtualBmc.close());

const t = await createTestApp({
  secretKey,
  providers: new Map<string, Provider>([['lab', createLabProvider({ attempts: 2, backoffMs: 1, timeoutMs: 5_000 })]]),
  provisioning: { bootUrl: BOOT_URL, bootTimeoutSeconds: 600, stepTimeoutMs: 2_500, labSshHost: '127.0.0.1' },
});

const artifactsDir = mkdtempSync(join(tmpdir(), 'surplus-over-cap-test-'));
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

/** The machine's power as its BMC reports it over Redfish. */
async function bmcPowerState(): Promise<string> {
  const response = await fetch(`${virtualBmc.url}${systemPath(memory.info.id)}`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${BMC_PASSWORD}`).toString('base64')}` },
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { PowerState: string }).PowerState;
}

function sshKey(comment: string) {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} ${comment}`;
}

describe('over the monthly credit under the power_off policy', async () => {
  const admin = await t.user({ roles: ['admin'] });
  const reviewer = await t.user({ roles: ['reviewer'] });
  const owner = await t.user();
  assert.equal((await t.call('POST', '/api/v1/me/ssh-keys', { as: owner.token, body: { public_key: sshKey(owner.email) } })).status, 201);
  const program = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: {
      slug: 'capped',
      name: 'Capped program',
      budget_cents_per_year: 1_000_000_000,
      policy: { metering: { over_cap: 'power_off', over_cap_notice_hours: 1, traffic_cents_per_gb: 100 } },
    },
  });
  assert.equal(program.status, 201, JSON.stringify(program.body));
  assert.equal((await t.call('PUT', '/api/v1/catalog/metros/cap', { as: admin.token, body: { name: 'Cap metro' } })).status, 200);

  const machineId = crypto.randomUUID();
  const mac = '02:5f:00:00:ca:01';
  await t.db
    .insertInto('machines')
    .values({
      id: machineId,
      hostname: 'cap-machine-1',
      plan_slug: 'lab.vm.x86',
      metro_code: 'cap',
      mac_addresses: [mac],
      bmc_provider: 'lab',
      bmc_url: virtualBmc.url,
      bmc_username: 'admin',
      bmc_password_encrypted: secrets.seal(BMC_PASSWORD, `machine:${machineId}:bmc`),
      bmc_system_path: systemPath(memory.info.id),
      state: 'available',
    })
    .execute();
  await t.db.insertInto('machine_macs').values({ mac, machine_id: machineId }).execute();

  const project = await t.project(owner);
  const requested = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'capped',
      project: project.slug,
      purpose: 'hosting',
      description: 'A mirror.',
      resources: [{ plan: 'lab.vm.x86', quantity: 1, metro: 'cap', operating_system: 'lab_live' }],
      end_on: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  assert.equal(requested.status, 201, JSON.stringify(requested.body));
  const approved = await t.call('POST', `/api/v1/requests/${requested.body.id}/approve`, {
    as: reviewer.token,
    body: { max_servers: 2, allowed_plans: ['lab.vm.x86'], allowed_metros: ['cap'], monthly_credit_cents: 1_000 },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const grantId: string = approved.body.grant.id;

  // Provisioned through the workflow: allocated, one-time network boot and power on through the BMC, phone-home.
  const created = await t.call('POST', '/api/v1/servers', {
    as: owner.token,
    body: { project: project.slug, plan: 'lab.vm.x86', metro: 'cap', operating_system: 'lab_live' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const serverId: string = created.body.id;
  await t.runJobs();
  const ipxe = await boot.inject({ method: 'GET', url: `/boot/ipxe?mac=${mac}` });
  const token = /\/metadata\/([A-Za-z0-9_-]+)/.exec(ipxe.body)?.[1];
  assert.ok(token, ipxe.body);
  assert.equal((await boot.inject({ method: 'POST', url: `/metadata/${token}/phone-home` })).statusCode, 200);
  const server = async () => (await t.call('GET', `/api/v1/servers/${serverId}`, { as: owner.token })).body;
  assert.equal((await server()).state, 'active');
  assert.equal(await bmcPowerState(), 'On');
  const resetsBefore = memory.resets.length;

  // The job's clock: the notice is one hour; the runs stay inside one UTC month.
  const nowMs = Date.now();
  const monthEndMs = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth() + 1, 1);
  const t0 = monthEndMs - nowMs > 3 * HOUR_MS ? nowMs : nowMs - 4 * HOUR_MS;

  // 12 GB out at 100 cents a GB: 1,200 cents against a credit of 1,000.
  const ingested = await t.call('POST', '/api/v1/usage/traffic', {
    as: owner.token,
    rawBody: `{"id":"cap-1","server":"${serverId}","time":"${new Date(t0).toISOString()}","bytes_in":0,"bytes_out":12000000000}\n`,
    headers: { 'content-type': 'application/x-ndjson' },
  });
  assert.equal(ingested.status, 200, JSON.stringify(ingested.body));

  const ownerNotices = async () =>
    (
      await t.db
        .selectFrom('notifications')
        .select(['title', 'body'])
        .where('user_id', '=', owner.id)
        .where('kind', 'in', ['grant.usage_alert', 'server.powered_off'])
        .orderBy('created_at')
        .execute()
    ).map((row) => `${row.title}: ${row.body}`);
  const ownerEmails = async () =>
    (await t.db.selectFrom('emails').select('subject').where('to_address', '=', owner.email).execute()).map((row) => row.subject);
  const powerOffEvents = async () =>
    (await server()).timeline.filter((event: { to_state: string }) => event.to_state === 'powering_off' || event.to_state === 'inactive');

  it('tells the owner at 100 % and leaves the server running while the notice lasts', async () => {
    const first = await t.services.metering.runAlerts(new Date(t0));
    assert.deepEqual(first, { alerted: 3, poweredOff: 0 });
    const notices = await ownerNotices();
    assert.equal(notices.length, 1);
    assert.match(notices[0] ?? '', /used 100 % of its monthly credit/);
    assert.match(notices[0] ?? '', /powered off 1 hours after this notice/);
    assert.ok((await ownerEmails()).some((subject) => /used 100 % of its monthly credit/.test(subject)));

    const during = await t.services.metering.runAlerts(new Date(t0 + HOUR_MS - 60_000));
    assert.deepEqual(during, { alerted: 0, poweredOff: 0 });
    await t.runJobs();
    assert.equal((await server()).state, 'active');
    assert.equal(await bmcPowerState(), 'On');
  });

  it('powers the server off through the BMC once the notice is over, exactly once however often the job runs', async () => {
    const after = new Date(t0 + HOUR_MS + 1000);
    // Two runs at once, as two workers might.
    const runs = await Promise.all([t.services.metering.runAlerts(after), t.services.metering.runAlerts(after)]);
    assert.equal(runs[0].poweredOff + runs[1].poweredOff, 1);
    await t.runJobs();

    assert.equal(await bmcPowerState(), 'Off');
    assert.deepEqual(memory.resets.slice(resetsBefore), ['ForceOff']);
    const detail = await server();
    assert.equal(detail.state, 'inactive');
    const events = await powerOffEvents();
    assert.deepEqual(
      events.map((event: { to_state: string; actor: string }) => [event.to_state, event.actor]),
      [
        ['powering_off', 'system'],
        ['inactive', 'system'],
      ],
    );
    assert.match(events[0].note, /used its monthly credit .* \(over-cap policy: power off\)/);
    const { rows } = await sql<{ n: string }>`select count(*) as n from grant_cap_actions where grant_id = ${grantId}`.execute(t.db);
    assert.equal(Number(rows[0]?.n), 1);

    // Later runs in the same month find nothing to do and tell nobody again.
    assert.deepEqual(await t.services.metering.runAlerts(new Date(t0 + 2 * HOUR_MS)), { alerted: 0, poweredOff: 0 });
    await t.runJobs();
    assert.equal((await powerOffEvents()).length, 2);
    assert.equal(memory.resets.length, resetsBefore + 1);
    const notices = await ownerNotices();
    assert.equal(notices.length, 2, 'the 100 % notice and the power-off, once each');
    assert.match(notices[1] ?? '', /was powered off: .* powers running servers off 1 hours after the notice/);
  });
});
