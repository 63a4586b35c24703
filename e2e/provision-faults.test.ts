/**
 * Provisioning faults on a real lab machine (one QEMU machine behind Surplus's Redfish virtual BMC):
 *
 * - phone-home never arriving: a server whose OS has no boot artifacts on this Surplus netboots,
 *   finds nothing to boot and never reports; at SURPLUS_BOOT_TIMEOUT_S the server fails with the
 *   reason and the machine goes to maintenance with it;
 * - kill -9 of the server process mid-provision (after allocation, before phone-home), then a start
 *   on the same data directory and database: the server ends active or failed with a reason, the
 *   machine allocated to exactly that server or out of the pool's way, and no BMC action recorded
 *   done before the crash is done again.
 *
 * The BMC answering 500s or hanging is covered by server/test/servers.test.ts (a Redfish mockup
 * replay with injected faults); here the BMC is the lab's real one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { unwrap } from '@surplus/api-client';
import pg from 'pg';
import { delay, demoMember, labDeployment, type ServerDetail, signIn, ssh, waitForServer } from './lab.ts';

const SHORT_BOOT_TIMEOUT_S = 20;
const BOOT_TIMEOUT_S = 150;

const lab = await labDeployment({ labMachines: 1 });
await lab.start({ SURPLUS_BOOT_TIMEOUT_S: String(SHORT_BOOT_TIMEOUT_S) });
let adminApi = await signIn(lab.url, lab.admin.email, lab.admin.password);
const member = await demoMember(lab, adminApi, 'maintainer');
const db = new pg.Client({ connectionString: lab.databaseUrl });
await db.connect();
// The deployment drops its database after the file's tests; a connection still open then is cut.
db.on('error', () => {});

async function labMachine() {
  const page = await unwrap(adminApi.GET('/api/v1/machines', { params: { query: { metro: 'lab' } } }));
  assert.equal(page.items.length, 1);
  return page.items[0] as (typeof page.items)[number];
}

async function waitForMachine(state: string) {
  for (let i = 0; i < 600; i++) {
    const machine = await labMachine();
    if (machine.state === state) return machine;
    await delay(250);
  }
  assert.fail(`the lab machine did not become ${state}: ${JSON.stringify(await labMachine())}`);
}

function createServer(operatingSystem: string, hostname: string, ipxeScript?: string) {
  return unwrap(
    member.api.POST('/api/v1/servers', {
      // The generated body type lists defaulted fields as required; the API defaults them.
      body: {
        project: 'demo',
        plan: 'lab.vm.x86',
        metro: 'lab',
        operating_system: operatingSystem,
        hostname,
        userdata: '',
        always_pxe: false,
        ...(ipxeScript ? { ipxe_script: ipxeScript } : {}),
      },
    }),
  );
}

/** Every start of the lab machine's QEMU process writes this line to its console log. */
function qemuStarts(): number {
  const log = readFileSync(join(lab.dataDir, 'lab', 'machines', 'lab-1', 'console.log'), 'utf8');
  return log.match(/--- surplus lab: power on /g)?.length ?? 0;
}

type ActionRow = { idempotency_key: string; action: string; outcome: string; occurred_at: Date };

async function bmcActions(machineId: string): Promise<ActionRow[]> {
  const { rows } = await db.query<ActionRow>(
    'select idempotency_key, action, outcome, occurred_at from bmc_actions where machine_id = $1 order by idempotency_key',
    [machineId],
  );
  return rows;
}

describe('provisioning faults on a lab machine', () => {
  after(() => db.end());

  it('phone-home never arriving: the server fails with the reason, the machine goes to maintenance with it', async () => {
    await waitForMachine('available');
    // A custom iPXE script that boots nothing: the machine netboots, runs it, and nothing ever phones home.
    const created = await createServer('custom_ipxe', 'no-artifacts', '#!ipxe\necho nothing to boot here\nexit 1\n');
    const failed = await waitForServer(member.api, created.id, (s) => s.state === 'failed', {
      timeoutMs: (SHORT_BOOT_TIMEOUT_S + 120) * 1000,
      deployment: lab,
      what: 'failed',
    });
    const reason = `no phone-home within ${SHORT_BOOT_TIMEOUT_S} s`;
    assert.equal(failed.state_reason, reason);
    assert.equal(failed.ssh, null);
    assert.deepEqual(
      failed.timeline.filter((event) => event.to_state === 'failed').map((event) => [event.from_state, event.note, event.actor]),
      [['provisioning', reason, 'system']],
    );
    const machine = await labMachine();
    assert.equal(machine.state, 'maintenance');
    assert.equal(machine.state_reason, `server no-artifacts: ${reason}`);
    assert.equal(machine.server, null);

    // The operator looks, then returns the machine to the pool (it is probed again).
    await unwrap(adminApi.POST('/api/v1/machines/{id}/available', { params: { path: { id: machine.id } } }));
    await waitForMachine('available');
  });

  it('kill -9 mid-provision, then a restart on the same data: one outcome, the machine with it, no BMC action done twice', async (t) => {
    // A clean stop (the lab machine's QEMU stops with it), then a start with a boot timeout a real
    // netboot fits in on a loaded host.
    await lab.current()?.kill('SIGTERM');
    const first = await lab.start({ SURPLUS_BOOT_TIMEOUT_S: String(BOOT_TIMEOUT_S) });
    adminApi = await signIn(lab.url, lab.admin.email, lab.admin.password);
    const machine = await waitForMachine('available');
    const startsBefore = qemuStarts();

    const created = await createServer('lab_live', 'survivor');
    // Kill as soon as the machine is allocated: the BMC steps run right after, or are running.
    let seen: ServerDetail | null = null;
    for (let i = 0; i < 1200 && !seen; i++) {
      const current = await unwrap(member.api.GET('/api/v1/servers/{id}', { params: { path: { id: created.id } } }));
      if (current.state !== 'queued') seen = current;
      else await delay(50);
    }
    assert.ok(seen, 'the server left queued');
    await first.kill('SIGKILL');
    assert.equal(seen.state, 'provisioning', `killed after allocation, before phone-home (${seen.state})`);
    const atKill = await bmcActions(machine.id);
    const { rows: killedAt } = await db.query<{ state: string; progress_percent: number }>(
      'select state, progress_percent from servers where id = $1',
      [created.id],
    );
    assert.equal(killedAt[0]?.state, 'provisioning', 'no phone-home was recorded before the kill');

    await lab.start({ SURPLUS_BOOT_TIMEOUT_S: String(BOOT_TIMEOUT_S) });
    const done = await waitForServer(member.api, created.id, (s) => s.state === 'active' || s.state === 'failed', {
      timeoutMs: (BOOT_TIMEOUT_S + 120) * 1000,
      deployment: lab,
      what: 'active or failed',
    });
    const after = await labMachine();
    t.diagnostic(
      `killed at ${seen.progress_percent}% (${seen.timeline.at(-1)?.step}); its BMC actions then: ${
        atKill
          .filter((r) => r.idempotency_key.startsWith(created.id))
          .map((r) => `${r.action}=${r.outcome}`)
          .join(', ') || 'none'
      }; ended ${done.state}${done.state_reason ? ` (${done.state_reason})` : ''}; QEMU starts ${qemuStarts() - startsBefore}`,
    );
    if (done.state === 'active') {
      assert.equal(after.state, 'allocated');
      assert.equal(after.server?.id, created.id);
      assert.equal((await ssh(done.ssh as NonNullable<ServerDetail['ssh']>, member.keyPath, 'hostname')).trim(), 'survivor');
    } else {
      assert.ok(done.state_reason, 'a failed server says why');
      assert.ok(['available', 'maintenance'].includes(after.state), after.state);
      assert.equal(after.server, null);
    }
    const holders = (await unwrap(member.api.GET('/api/v1/servers', { params: { query: { project: 'demo' } } }))).items.filter(
      (server) => server.state !== 'failed',
    );
    assert.deepEqual(
      holders.map((server) => server.id),
      done.state === 'active' ? [created.id] : [],
    );

    // What was done before the crash was not done again (a done key is never re-run, so its row is
    // untouched), and every action now has an outcome.
    const final = await bmcActions(machine.id);
    for (const row of atKill.filter((r) => r.outcome === 'done')) {
      const now = final.find((r) => r.idempotency_key === row.idempotency_key);
      assert.deepEqual([now?.outcome, now?.occurred_at.getTime()], ['done', row.occurred_at.getTime()], row.idempotency_key);
    }
    // A call the crash cut short stays `started`; only a boot override may be left so, because each
    // provisioning run sets the override again under a key of its own (which is done).
    for (const row of final.filter((r) => r.outcome !== 'done')) {
      const wasCutShort = atKill.some((r) => r.idempotency_key === row.idempotency_key && r.outcome === 'started');
      assert.ok(wasCutShort && row.action === 'boot:pxe', `${row.idempotency_key} (${row.action}): ${row.outcome}`);
    }
    const overrides = final.filter((r) => r.idempotency_key.startsWith(`${created.id}:g0:boot-pxe:`));
    assert.ok(
      overrides.some((r) => r.outcome === 'done'),
      'the boot override of the run that finished is done',
    );
    // One power cycle under the provision's key: QEMU started once — or twice only when the crash
    // cut that very call short (a `started` row is tried again: a reset of a booting machine).
    const cycleKey = `${created.id}:g0:power-cycle`;
    const cycleAtKill = atKill.find((r) => r.idempotency_key === cycleKey);
    const starts = qemuStarts() - startsBefore;
    if (cycleAtKill?.outcome === 'done' || !cycleAtKill) assert.equal(starts, 1, `QEMU starts: ${starts} (cycle ${cycleAtKill?.outcome})`);
    else assert.ok(starts >= 1 && starts <= 2, `QEMU starts: ${starts}`);
    assert.equal(final.find((r) => r.idempotency_key === cycleKey)?.outcome, 'done');
  });
});
