/**
 * The staff list of idle servers: `GET /api/v1/usage/idle` (all programs or one, staff only) and
 * `surplus servers idle [--program P] [--json]` as a child process against Surplus on a real port
 * and PostgreSQL. Servers are seeded active with their lifecycle events days ago and no sign of use.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Schemas } from '@surplus/api-client';
import { createTestApp, type TestUser } from '../../server/test/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const DAY_MS = 86_400_000;
const t = await createTestApp();
let url = '';
let dir = '';

before(async () => {
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'surplus-idle-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function cli(user: TestUser, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), SURPLUS_URL: url, SURPLUS_TOKEN: user.token },
      stdio: ['ignore', 'pipe', 'pipe'],
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
  });
}

const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const operator = await t.user({ roles: ['operator'] });

async function grantedProject(programSlug: string, idleDays: number) {
  const created = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: {
      slug: programSlug,
      name: `Program ${programSlug}`,
      budget_cents_per_year: 100_000_000,
      policy: { metering: { idle_days: idleDays } },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const owner = await t.user();
  const project = await t.project(owner);
  const requested = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: programSlug,
      project: project.slug,
      purpose: 'ci_cd',
      description: 'CI',
      resources: [{ plan: 'c3.small.x86', quantity: 3, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: new Date(Date.now() + 200 * DAY_MS).toISOString().slice(0, 10),
    },
  });
  assert.equal(requested.status, 201, JSON.stringify(requested.body));
  const approved = await t.call('POST', `/api/v1/requests/${requested.body.id}/approve`, {
    as: reviewer.token,
    body: { monthly_credit_cents: 1_000_000, allowed_plans: [], allowed_metros: [], max_servers: 5 },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  return { owner, project, grantId: approved.body.grant.id as string };
}

/** An active server that became active `daysAgo` days ago, and maybe sent a heartbeat since. */
async function activeServer(
  granted: { project: { id: string }; grantId: string },
  hostname: string,
  daysAgo: number,
  heartbeatDaysAgo?: number,
) {
  const activeAt = new Date(Date.now() - daysAgo * DAY_MS);
  const row = await t.db
    .insertInto('servers')
    .values({
      project_id: granted.project.id,
      grant_id: granted.grantId,
      hostname,
      plan_slug: 'c3.small.x86',
      metro_code: 'da',
      os_slug: 'ubuntu_22_04',
      state: 'active',
      created_at: new Date(activeAt.getTime() - 600_000),
      last_heartbeat_at: heartbeatDaysAgo === undefined ? null : new Date(Date.now() - heartbeatDaysAgo * DAY_MS),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('server_events')
    .values([
      {
        server_id: row.id,
        from_state: 'queued',
        to_state: 'provisioning',
        step: 'allocated',
        actor_label: 'test',
        occurred_at: new Date(activeAt.getTime() - 300_000),
      },
      { server_id: row.id, from_state: 'provisioning', to_state: 'active', step: 'phone_home', actor_label: 'test', occurred_at: activeAt },
    ])
    .execute();
  return row.id;
}

describe('idle servers for staff', async () => {
  const weekly = await grantedProject('weekly', 7);
  const monthly = await grantedProject('monthly', 30);
  const long = await activeServer(weekly, 'idle-long', 20);
  const short = await activeServer(weekly, 'idle-short', 9);
  await activeServer(weekly, 'busy', 20, 1); // a heartbeat yesterday
  await activeServer(monthly, 'young', 20); // under the program's 30 days
  const old = await activeServer(monthly, 'idle-old', 40);
  const ours = [long, short, old];
  const mine = (items: Schemas['IdleServer'][]) => items.filter((item) => ours.includes(item.server.id));

  it('lists idle servers longest first with the credit each uses per month and while idle, and the totals', async () => {
    const response = await t.call('GET', '/api/v1/usage/idle', { as: reviewer.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const items = mine(response.body.items);
    assert.deepEqual(
      items.map((item) => [item.server.hostname, item.idle_days, item.program?.slug]),
      [
        ['idle-old', 40, 'monthly'],
        ['idle-long', 20, 'weekly'],
        ['idle-short', 9, 'weekly'],
      ],
    );
    for (const item of items) {
      assert.equal(item.cents_per_month, 75 * 730);
      assert.ok(Math.abs(item.consumed_since_idle_cents - item.idle_days * 24 * 75) <= 75, `${item.consumed_since_idle_cents}`);
    }
    assert.equal(
      response.body.cents_per_month,
      response.body.items.reduce((sum: number, item: { cents_per_month: number }) => sum + item.cents_per_month, 0),
    );
  });

  it('lists one program’s idle servers with ?program, and answers 404 for an unknown program', async () => {
    const response = await t.call('GET', '/api/v1/usage/idle?program=weekly', { as: operator.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(
      response.body.items.map((item: { server: { hostname: string } }) => item.server.hostname),
      ['idle-long', 'idle-short'],
    );
    assert.equal(response.body.cents_per_month, 2 * 75 * 730);
    assert.equal((await t.call('GET', '/api/v1/usage/idle?program=nope', { as: admin.token })).status, 404);
    const bad = await t.call('GET', '/api/v1/usage/idle?programme=weekly', { as: admin.token });
    assert.equal(bad.status, 400);
  });

  it('is for staff only: owners and anonymous callers are refused', async () => {
    assert.equal((await t.call('GET', '/api/v1/usage/idle', { as: weekly.owner.token })).status, 403);
    assert.equal((await t.call('GET', '/api/v1/usage/idle')).status, 401);
  });

  it('surplus servers idle prints the table and totals, --program filters, --json prints the API’s list', async () => {
    const all = await cli(reviewer, ['servers', 'idle']);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.split('\n');
    assert.match(lines[0] ?? '', /^HOSTNAME\s+PROJECT\s+PROGRAM\s+PLAN\s+METRO\s+IDLE DAYS\s+USED WHILE IDLE\s+PER MONTH\s+NUDGED\s+ID/);
    assert.ok(lines.findIndex((line) => line.startsWith('idle-old')) < lines.findIndex((line) => line.startsWith('idle-short')));
    assert.match(all.stdout, /idle-long\s+\S+\s+weekly\s+c3\.small\.x86\s+da\s+20\s/);
    assert.match(all.stdout, /3 idle servers: \$1,642\.50 of credit a month/);

    const weeklyOnly = await cli(reviewer, ['servers', 'idle', '--program', 'weekly', '--json']);
    assert.equal(weeklyOnly.code, 0, weeklyOnly.stderr);
    const list = JSON.parse(weeklyOnly.stdout);
    assert.deepEqual(
      list.items.map((item: { server: { id: string } }) => item.server.id),
      [long, short],
    );
    assert.equal(list.cents_per_month, 2 * 75 * 730);

    const refused = await cli(weekly.owner, ['servers', 'idle']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ERR_FORBIDDEN|staff/);
  });
});
