/**
 * A server on a machine without a BMC (the manual provider): each power and boot step is filed for an
 * operator, the workflow waits without failing (no job, no watchdog runs meanwhile), the operator
 * confirms each step through the API, and the server goes on — to active on phone-home, and through
 * the wipe back to the pool on delete. Phone-home goes through the real boot service, as a booted OS.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createBootServer } from '../src/boot/boot.server.ts';
import { ManualProvider } from '../src/providers/manual/manual-provider.ts';
import type { Provider } from '../src/providers/types.ts';
import { createTestApp, type TestUser } from './harness.ts';

const BOOT_URL = 'http://boot.surplus.test:8081';

const t = await createTestApp({
  providers: new Map<string, Provider>([['manual', new ManualProvider()]]),
  provisioning: { bootUrl: BOOT_URL, bootTimeoutSeconds: 600, stepTimeoutMs: 2_000, labSshHost: '127.0.0.1' },
});

const artifactsDir = mkdtempSync(join(tmpdir(), 'surplus-manual-test-'));
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
const operator = await t.user({ roles: ['operator'] });
const reviewer = await t.user({ roles: ['reviewer'] });
assert.equal(
  (await t.call('POST', '/api/v1/programs', { as: admin.token, body: { slug: 'man', name: 'Manual program', budget_cents_per_year: 1e9 } }))
    .status,
  201,
);
const code = `m${[...randomBytes(3)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('')}`;
assert.equal((await t.call('PUT', `/api/v1/catalog/metros/${code}`, { as: admin.token, body: { name: 'Manual metro' } })).status, 200);

function sshKey(comment: string) {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} ${comment}`;
}

async function grantedProject(): Promise<{ owner: TestUser; slug: string }> {
  const owner = await t.user();
  assert.equal((await t.call('POST', '/api/v1/me/ssh-keys', { as: owner.token, body: { public_key: sshKey(owner.email) } })).status, 201);
  const project = await t.project(owner);
  const requested = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'man',
      project: project.slug,
      purpose: 'ci_cd',
      description: 'CI',
      resources: [{ plan: 'lab.vm.x86', quantity: 1, metro: code, operating_system: 'lab_live' }],
      end_on: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  assert.equal(requested.status, 201, JSON.stringify(requested.body));
  const approved = await t.call('POST', `/api/v1/requests/${requested.body.id}/approve`, {
    as: reviewer.token,
    body: { max_servers: 2, allowed_plans: ['lab.vm.x86'], allowed_metros: [code], monthly_credit_cents: 10_000_000 },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  return { owner, slug: project.slug };
}

/** A machine nobody can drive remotely: an operator powers and boots it by hand. */
async function manualMachine() {
  const id = crypto.randomUUID();
  const mac = `02:6d:00:00:${randomBytes(2)
    .toString('hex')
    .replace(/(..)(..)/, '$1:$2')}`;
  await t.db
    .insertInto('machines')
    .values({
      id,
      hostname: `bench-${randomBytes(3).toString('hex')}`,
      plan_slug: 'lab.vm.x86',
      metro_code: code,
      mac_addresses: [mac],
      bmc_provider: 'manual',
      state: 'available',
    })
    .execute();
  await t.db.insertInto('machine_macs').values({ mac, machine_id: id }).execute();
  return { id, mac };
}

async function server(id: string) {
  const response = await t.call('GET', `/api/v1/servers/${id}`, { as: admin.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

type Task = { id: string; machine: { id: string }; server: { id: string; hostname: string } | null; action: string; instruction: string };

async function tasksOf(machineId: string): Promise<Task[]> {
  const response = await t.call('GET', '/api/v1/machines/tasks', { as: operator.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.items.filter((task: Task) => task.machine.id === machineId);
}

/** The one step the machine waits for: confirmed by the operator. */
async function confirmOnly(machineId: string, action: string) {
  const tasks = await tasksOf(machineId);
  assert.deepEqual(
    tasks.map((task) => task.action),
    [action],
  );
  const task = tasks[0] as Task;
  const confirmed = await t.call('POST', `/api/v1/machines/tasks/${encodeURIComponent(task.id)}/confirm`, {
    as: operator.token,
    body: { note: 'done at the rack' },
  });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.confirmed_by, operator.email);
  return { task, confirmed: confirmed.body };
}

async function phoneHome(mac: string): Promise<string> {
  const script = (await boot.inject({ method: 'GET', url: `/boot/ipxe?mac=${mac}` })).body;
  const token = /\/metadata\/([A-Za-z0-9_-]+)/.exec(script)?.[1];
  assert.ok(token, script);
  const response = await boot.inject({ method: 'POST', url: `/metadata/${token}/phone-home` });
  assert.equal(response.statusCode, 200, response.body);
  return JSON.parse(response.body).outcome;
}

const lastEvent = (found: { timeline: { step: string; note: string | null }[] }) => found.timeline.at(-1);

describe('a server on a manual machine', () => {
  it('gives up a step no operator confirmed within a day: the server fails, the machine goes to maintenance', async () => {
    const { owner, slug } = await grantedProject();
    const create = async (hostname: string) => {
      const created = await t.call('POST', '/api/v1/servers', {
        as: owner.token,
        body: { project: slug, plan: 'lab.vm.x86', metro: code, operating_system: 'lab_live', hostname },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const forgotten = await manualMachine();
    const forgottenServer = await create('forgotten');
    await t.runJobs();
    const [task] = await tasksOf(forgotten.id);
    assert.ok(task);
    // Another machine's step, filed just now, is not due.
    const recent = await manualMachine();
    const recentServer = await create('recent');
    await t.runJobs();
    assert.equal((await tasksOf(recent.id)).length, 1);

    assert.equal(await t.services.operatorTasks.expireOverdue(), 0, 'nothing is a day old yet');
    await t.db
      .updateTable('bmc_actions')
      .set({ occurred_at: new Date(Date.now() - 86_401_000) })
      .where('idempotency_key', '=', task.id)
      .execute();
    assert.equal(await t.services.operatorTasks.expireOverdue(), 1);

    const failed = await server(forgottenServer);
    assert.equal(failed.state, 'failed');
    const reason = `no operator confirmed "${task.instruction}" within 1 day`;
    assert.equal(lastEvent(failed)?.note, reason);
    const machineRow = await t.db
      .selectFrom('machines')
      .select(['state', 'server_id'])
      .where('id', '=', forgotten.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(machineRow, { state: 'maintenance', server_id: null });
    assert.deepEqual(await tasksOf(forgotten.id), [], 'the step left the operators’ list');
    const late = await t.call('POST', `/api/v1/machines/tasks/${encodeURIComponent(task.id)}/confirm`, { as: operator.token, body: {} });
    assert.equal(late.status, 404, 'a given-up step cannot be confirmed');
    const audited = await t.db
      .selectFrom('audit_events')
      .select('summary')
      .where('target_id', '=', forgotten.id)
      .where('action', '=', 'machine.task_expired')
      .execute();
    assert.equal(audited.length, 1);
    assert.equal((audited[0]?.summary as { reason?: string } | undefined)?.reason, reason);

    assert.equal(await t.services.operatorTasks.expireOverdue(), 0, 'run again, it finds nothing');
    assert.equal((await server(recentServer)).state, 'provisioning');
    assert.equal((await tasksOf(recent.id)).length, 1);
  });

  it('waits for an operator at each step, goes on after each confirmation, and is wiped back to the pool on delete', async () => {
    const { owner, slug } = await grantedProject();
    const machine = await manualMachine();
    const created = await t.call('POST', '/api/v1/servers', {
      as: owner.token,
      body: { project: slug, plan: 'lab.vm.x86', metro: code, operating_system: 'lab_live', hostname: 'by-hand' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await t.runJobs();

    // The boot override is the operator's: the server waits, its machine stays allocated.
    let found = await server(created.body.id);
    assert.equal(found.state, 'provisioning');
    assert.equal(lastEvent(found)?.step, 'waiting_operator');
    assert.match(lastEvent(found)?.note ?? '', /^waiting for an operator: Make the machine boot once from the network \(PXE\)/);
    const machineRow = await t.db
      .selectFrom('machines')
      .select(['state', 'server_id'])
      .where('id', '=', machine.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(machineRow, { state: 'allocated', server_id: created.body.id });
    const [pending] = await tasksOf(machine.id);
    assert.equal(pending?.server?.hostname, 'by-hand');
    // Running the jobs again (nothing is queued) changes nothing: the step is not filed twice.
    await t.runJobs();
    assert.equal((await tasksOf(machine.id)).length, 1);

    // Only operators see and confirm tasks.
    assert.equal((await t.call('GET', '/api/v1/machines/tasks', { as: owner.token })).status, 403);
    const byOwner = await t.call('POST', `/api/v1/machines/tasks/${encodeURIComponent(pending?.id ?? '')}/confirm`, {
      as: owner.token,
      body: {},
    });
    assert.equal(byOwner.status, 403);

    const first = await confirmOnly(machine.id, 'boot:pxe');
    assert.equal(first.confirmed.resumed, 'server_provision');
    const again = await t.call('POST', `/api/v1/machines/tasks/${encodeURIComponent(first.task.id)}/confirm`, {
      as: operator.token,
      body: {},
    });
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, new RegExp(`already confirmed by ${operator.email.replace('.', '\\.')}`));
    const unknown = await t.call('POST', '/api/v1/machines/tasks/no-such-step/confirm', { as: operator.token, body: {} });
    assert.equal(unknown.status, 404);

    // The workflow goes on to the next manual step: power.
    await t.runJobs();
    found = await server(created.body.id);
    assert.equal(found.state, 'provisioning');
    assert.match(lastEvent(found)?.note ?? '', /^waiting for an operator: Power the machine on\./);
    await confirmOnly(machine.id, 'power:on');
    await t.runJobs();
    assert.deepEqual(await tasksOf(machine.id), []);

    // The machine netboots and phones home: active.
    assert.equal(await phoneHome(machine.mac), 'active');
    found = await server(created.body.id);
    assert.equal(found.state, 'active');
    assert.deepEqual(
      found.timeline.map((event: { step: string; actor: string }) => [event.step, event.actor === operator.email ? 'operator' : 'other']),
      [
        ['queued', 'other'],
        ['allocated', 'other'],
        ['waiting_operator', 'other'],
        ['operator_confirmed', 'operator'],
        ['boot_override', 'other'],
        ['waiting_operator', 'other'],
        ['operator_confirmed', 'operator'],
        ['power_cycle', 'other'],
        ['netboot', 'other'],
        ['phone_home', 'other'],
      ],
    );
    const audited = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_label'])
      .where('target_id', '=', machine.id)
      .where('action', '=', 'machine.task_confirmed')
      .execute();
    assert.equal(audited.length, 2);
    assert.ok(audited.every((row) => row.actor_label === operator.email));

    // Delete: the wipe's boot and power steps are the operator's too; the wipe phones home.
    assert.equal((await t.call('DELETE', `/api/v1/servers/${found.id}`, { as: owner.token })).status, 202);
    await t.runJobs();
    assert.equal((await server(found.id)).state, 'deprovisioning');
    assert.equal((await confirmOnly(machine.id, 'boot:pxe')).confirmed.resumed, 'server_deprovision');
    await t.runJobs();
    await confirmOnly(machine.id, 'power:on');
    await t.runJobs();
    assert.match((await boot.inject({ method: 'GET', url: `/boot/ipxe?mac=${machine.mac}` })).body, /surplus\.task=wipe/);
    assert.equal(await phoneHome(machine.mac), 'wiped');
    assert.equal((await server(found.id)).state, 'deleted');
    const freed = await t.db.selectFrom('machines').select(['state', 'server_id']).where('id', '=', machine.id).executeTakeFirstOrThrow();
    assert.deepEqual(freed, { state: 'available', server_id: null });
  });
});
