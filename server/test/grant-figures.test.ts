/**
 * The grant API's money figures from seeded usage (server time and traffic written as the servers
 * and metering areas write them): this fiscal year's spend and this month's credit, spend and
 * remainder agree with the usage API to the cent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverCents } from '../src/metering/usage.ts';
import { createTestApp } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });

const HOUR_MS = 3_600_000;
const PRICE_CENTS_PER_HOUR = 75; // c3.small.x86
const now = new Date();
const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
const previousMonthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
// The fiscal year starts two months ago, so last month is in it whatever the date.
const fiscalStartMonth = ((now.getUTCMonth() - 2 + 12) % 12) + 1;

/** A deleted server's lifecycle from allocation at `fromMs` to the wipe at `toMs`, as servers.service writes it. */
async function seededServer(projectId: string, grantId: string, hostname: string, fromMs: number, toMs: number) {
  const row = await t.db
    .insertInto('servers')
    .values({
      project_id: projectId,
      grant_id: grantId,
      hostname,
      plan_slug: 'c3.small.x86',
      metro_code: 'da',
      os_slug: 'ubuntu_22_04',
      state: 'deleted',
      created_at: new Date(fromMs),
      deleted_at: new Date(toMs),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const steps: [number, string, string][] = [
    [fromMs, 'provisioning', 'allocated'],
    [fromMs + 60_000, 'active', 'phone_home'],
    [toMs, 'deleted', 'deleted'],
  ];
  let previous: string | null = 'queued';
  for (const [at, to, step] of steps) {
    await t.db
      .insertInto('server_events')
      .values({ server_id: row.id, from_state: previous, to_state: to, step, actor_label: 'test', occurred_at: new Date(at) })
      .execute();
    previous = to;
  }
}

describe('grant figures', async () => {
  const created = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: {
      slug: 'figures',
      name: 'Figures program',
      budget_cents_per_year: 100_000_000,
      fiscal_year_start_month: fiscalStartMonth,
      policy: { metering: { traffic_cents_per_gb: 5 } },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const owner = await t.user();
  const project = await t.project(owner);
  const requested = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'figures',
      project: project.slug,
      purpose: 'hosting',
      description: 'mirrors',
      resources: [{ plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  assert.equal(requested.status, 201, JSON.stringify(requested.body));
  const approved = await t.call('POST', `/api/v1/requests/${requested.body.id}/approve`, {
    as: reviewer.token,
    body: { monthly_credit_cents: 10_000, allowed_plans: [], allowed_metros: [], max_servers: 5 },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const grantId: string = approved.body.grant.id;
  await t.db
    .updateTable('grants')
    .set({ starts_on: new Date(previousMonthStart).toISOString().slice(0, 10) })
    .where('id', '=', grantId)
    .execute();

  // Last month: 10 hours. This month: up to 2 hours, ended before now; and 20 GB out at 5 cents a GB.
  await seededServer(project.id, grantId, 'last-month', previousMonthStart + 86_400_000, previousMonthStart + 86_400_000 + 10 * HOUR_MS);
  const thisFrom = monthStart + 60_000;
  const thisTo = Math.max(thisFrom + 1000, Math.min(monthStart + 2 * HOUR_MS, now.getTime() - 60_000));
  await seededServer(project.id, grantId, 'this-month', thisFrom, thisTo);
  const ingested = await t.call('POST', '/api/v1/usage/traffic', {
    as: owner.token,
    rawBody: `{"id":"f-1","project":"${project.slug}","time":"${new Date(thisFrom).toISOString()}","bytes_in":0,"bytes_out":20000000000}\n`,
    headers: { 'content-type': 'application/x-ndjson' },
  });
  assert.equal(ingested.status, 200, JSON.stringify(ingested.body));

  const lastMonthCents = serverCents(10 * 3600, PRICE_CENTS_PER_HOUR);
  const thisMonthCents = serverCents(Math.floor(thisTo / 1000) - Math.floor(thisFrom / 1000), PRICE_CENTS_PER_HOUR) + 20 * 5;

  it('reports this fiscal year’s spend and this month’s credit, spend and remainder from metering', async () => {
    const response = await t.call('GET', `/api/v1/grants/${grantId}`, { as: owner.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const { figures } = response.body;
    assert.equal(figures.spent_cents, lastMonthCents + thisMonthCents);
    assert.deepEqual(figures.this_month, {
      month: new Date(monthStart).toISOString().slice(0, 10),
      credit_cents: 10_000,
      spent_cents: thisMonthCents,
      remaining_cents: 10_000 - thisMonthCents,
      percent_used: Math.floor((thisMonthCents * 100) / 10_000),
    });
  });

  it('agrees with the grant’s usage months and the project’s burn', async () => {
    const usage = await t.call('GET', `/api/v1/grants/${grantId}/usage?months=2`, { as: owner.token });
    assert.equal(usage.status, 200, JSON.stringify(usage.body));
    assert.deepEqual(
      usage.body.months.map((month: { spent_cents: number }) => month.spent_cents),
      [thisMonthCents, lastMonthCents],
    );
    const burn = await t.call('GET', `/api/v1/projects/${project.slug}/usage/burn`, { as: owner.token });
    assert.equal(burn.status, 200, JSON.stringify(burn.body));
    assert.equal(burn.body.grants[0].spent_cents, thisMonthCents);
  });

  it('answers 404 to someone outside the project', async () => {
    const stranger = await t.user();
    assert.equal((await t.call('GET', `/api/v1/grants/${grantId}`, { as: stranger.token })).status, 404);
  });
});
