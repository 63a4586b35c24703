import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const operator = await t.user({ roles: ['operator'] });
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
let hostCounter = 0;

const BUDGET = 12_000_000;
const created = await t.call('POST', '/api/v1/programs', {
  as: admin.token,
  body: { slug: 'dash', name: 'Dashboard program', budget_cents_per_year: BUDGET, policy: { metering: { traffic_cents_per_gb: 5 } } },
});
assert.equal(created.status, 201, JSON.stringify(created.body));
const programId = created.body.id as string;

async function granted(owner: TestUser, purpose: string, credit: number, submittedAt: string, decidedAt: string) {
  const project = await t.project(owner);
  const request = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'dash',
      project: project.slug,
      purpose,
      description: 'work',
      resources: [{ plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: inFuture(300),
    },
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, {
    as: reviewer.token,
    body: { monthly_credit_cents: credit, allowed_plans: [], allowed_metros: [] },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await t.db.updateTable('grants').set({ starts_on: '2025-12-01' }).where('id', '=', approved.body.grant.id).execute();
  await t.db.updateTable('requests').set({ submitted_at: submittedAt, decided_at: decidedAt }).where('id', '=', request.body.id).execute();
  return { project, grant: approved.body.grant as { id: string } };
}

type Step = [at: string, to: string, step?: string];
async function server(projectId: string, grantId: string, steps: Step[], plan = 'c3.small.x86', metro = 'da') {
  const last = steps.at(-1) as Step;
  const active = steps.find((step) => step[1] === 'active');
  const row = await t.db
    .insertInto('servers')
    .values({
      project_id: projectId,
      grant_id: grantId,
      hostname: `dash-${++hostCounter}`,
      plan_slug: plan,
      metro_code: metro,
      os_slug: 'ubuntu_22_04',
      state: last[1] as 'queued',
      created_at: steps[0]?.[0] as string,
      activated_at: active?.[0] ?? null,
      deleted_at: last[1] === 'deleted' ? last[0] : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let from: string | null = null;
  for (const [at, to, step] of steps) {
    await t.db
      .insertInto('server_events')
      .values({ server_id: row.id, from_state: from, to_state: to, step: step ?? to, actor_label: 'test', occurred_at: at })
      .execute();
    from = to;
  }
  return row.id;
}

async function machine(events: [at: string, from: string | null, to: string][]) {
  const row = await t.db
    .insertInto('machines')
    .values({ hostname: `m-${++hostCounter}`, plan_slug: 'c3.small.x86', metro_code: 'da', bmc_provider: 'manual', state: 'available' })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [at, from, to] of events) {
    await t.db
      .insertInto('machine_events')
      .values({ machine_id: row.id, from_state: from, to_state: to, actor_label: 'test', occurred_at: at })
      .execute();
  }
}

const ownerA = await t.user();
const ownerB = await t.user();
const a = await granted(ownerA, 'hosting', 1_000_000, '2026-01-05T00:00:00Z', '2026-01-07T00:00:00Z');
const b = await granted(ownerB, 'ci_cd', 500_000, '2026-01-10T00:00:00Z', '2026-01-20T00:00:00Z');
// 150 cents in January, 7213 in February (see metering.test.ts); created → active in 11 minutes.
const s1 = await server(a.project.id, a.grant.id, [
  ['2026-01-31T21:59:00Z', 'queued'],
  ['2026-01-31T22:00:00Z', 'provisioning', 'allocated'],
  ['2026-01-31T22:10:00Z', 'active', 'phone_home'],
  ['2026-02-01T10:00:00Z', 'powering_off'],
  ['2026-02-01T10:01:00Z', 'inactive'],
  ['2026-02-02T00:00:00Z', 'powering_on'],
  ['2026-02-02T00:01:00Z', 'active'],
  ['2026-02-05T00:00:00Z', 'deprovisioning'],
  ['2026-02-05T00:10:00Z', 'deleted'],
]);
// 10 hours × 310 cents = 3100 in February; active after 30 minutes.
await server(
  b.project.id,
  b.grant.id,
  [
    ['2026-02-10T00:00:00Z', 'queued'],
    ['2026-02-10T00:00:00Z', 'provisioning', 'allocated'],
    ['2026-02-10T00:30:00Z', 'active', 'phone_home'],
    ['2026-02-10T10:00:00Z', 'deleted'],
  ],
  'm3.large.x86',
  'am',
);
// 10 GB out at 5 cents per GB: 50 cents in February.
const traffic = await t.call('POST', '/api/v1/usage/traffic', {
  as: operator.token,
  rawBody: JSON.stringify({ id: 't-1', server: s1, time: '2026-02-02T12:00:00Z', bytes_in: 1_000, bytes_out: 10_000_000_000 }),
  headers: { 'content-type': 'application/x-ndjson' },
});
assert.equal(traffic.status, 200, JSON.stringify(traffic.body));
// The fleet: one machine allocated for the first 14 days of February (then wiped for an hour), one idle all year.
await machine([
  ['2026-01-01T00:00:00Z', 'enrolling', 'available'],
  ['2026-02-01T00:00:00Z', 'available', 'allocated'],
  ['2026-02-15T00:00:00Z', 'allocated', 'wiping'],
  ['2026-02-15T01:00:00Z', 'wiping', 'available'],
]);
await machine([['2026-01-01T00:00:00Z', 'enrolling', 'available']]);
await sql`insert into stories (project_id, program_id, title, body_md, body_html, state, published_at)
  values (${a.project.id}, ${programId}, 'How we test kernels', 'x', '<p>x</p>', 'published', '2026-03-01T00:00:00Z'),
         (${b.project.id}, ${programId}, 'Draft', 'x', '<p>x</p>', 'draft', null)`.execute(t.db);

const TOTAL = 150 + 7213 + 3100 + 50;

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split('\r\n');
  const columns = (header as string).split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
}

describe('program dashboard', () => {
  it('draws budget vs committed vs spent by month, with a forecast', async () => {
    const response = await t.call('GET', '/api/v1/programs/dash/dashboard?year=2026', { as: reviewer.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const dash = response.body;
    assert.deepEqual(dash.fiscal_year, { starts_on: '2026-01-01', ends_on: '2026-12-31' });
    assert.equal(dash.burn_down.length, 12);
    const [jan, feb, mar] = dash.burn_down;
    assert.deepEqual(
      [jan.month, jan.spent_cents, jan.cumulative_spent_cents, jan.remaining_cents, jan.budget_cents, jan.committed_cents],
      ['2026-01-01', 150, 150, BUDGET - 150, BUDGET, 1_500_000],
    );
    assert.deepEqual([feb.spent_cents, feb.cumulative_spent_cents], [TOTAL - 150, TOTAL]);
    assert.deepEqual([mar.spent_cents, mar.cumulative_spent_cents], [0, TOTAL]);
    // Nothing spent in the last 30 days: the forecast is what was spent.
    assert.equal(dash.forecast.spent_to_date_cents, TOTAL);
    assert.equal(dash.forecast.projected_spent_cents, TOTAL);
    assert.equal(dash.forecast.projected_remaining_cents, BUDGET - TOTAL);
    const budget = await t.call('GET', '/api/v1/programs/dash/budget', { as: reviewer.token });
    assert.equal(budget.body.spent_cents, TOTAL, 'the budget view spends what the dashboard does');
  });

  it('splits spend by project, purpose, metro and plan, each adding up to the total', async () => {
    const { body } = await t.call('GET', '/api/v1/programs/dash/dashboard?year=2026', { as: reviewer.token });
    const pairs = (rows: { key: string; spent_cents: number }[]) => rows.map((row) => [row.key, row.spent_cents]);
    assert.deepEqual(pairs(body.spend_by_project), [
      [a.project.slug, 150 + 7213 + 50],
      [b.project.slug, 3100],
    ]);
    assert.deepEqual(pairs(body.spend_by_purpose), [
      ['hosting', 7413],
      ['ci_cd', 3100],
    ]);
    assert.equal(body.spend_by_purpose[0].label, 'Hosting');
    assert.deepEqual(pairs(body.spend_by_metro), [
      ['da', 7413],
      ['am', 3100],
    ]);
    assert.deepEqual(pairs(body.spend_by_plan), [
      ['c3.small.x86', 7413],
      ['m3.large.x86', 3100],
    ]);
    for (const series of [body.spend_by_project, body.spend_by_purpose, body.spend_by_metro, body.spend_by_plan]) {
      assert.equal(
        series.reduce((sum: number, row: { spent_cents: number }) => sum + row.spent_cents, 0),
        TOTAL,
      );
    }
  });

  it('shows fleet utilization, review turnaround, time to server and projects supported', async () => {
    const { body } = await t.call('GET', '/api/v1/programs/dash/dashboard?year=2026', { as: reviewer.token });
    const [jan, feb] = body.utilization;
    assert.deepEqual([jan.allocated_avg, jan.available_avg, jan.utilization_percent], [0, 2, 0]);
    // 14 of 28 days allocated; an hour wiping.
    assert.deepEqual([feb.machines, feb.allocated_avg, feb.available_avg, feb.other_avg, feb.utilization_percent], [2, 0.5, 1.5, 0, 25]);
    const turnaround = Object.fromEntries(body.review_turnaround.map((row: { month: string }) => [row.month, row]));
    assert.deepEqual(turnaround['2026-01-01'], { month: '2026-01-01', decided: 2, median_days: 6, p90_days: 9.2 });
    assert.equal(turnaround.all.decided, 2);
    const tts = Object.fromEntries(body.time_to_server.map((row: { month: string }) => [row.month, row]));
    assert.deepEqual(tts['2026-01-01'], { month: '2026-01-01', servers: 1, median_minutes: 11, p90_minutes: 11 });
    assert.deepEqual(tts.all, { month: 'all', servers: 2, median_minutes: 20.5, p90_minutes: 28.1 });
    const supported = Object.fromEntries(body.projects_supported.map((row: { month: string }) => [row.month, row]));
    assert.deepEqual(supported['2026-01-01'], { month: '2026-01-01', with_grant: 2, with_usage: 1 });
    assert.deepEqual(supported['2026-02-01'], { month: '2026-02-01', with_grant: 2, with_usage: 2 });
    assert.deepEqual(supported.all, { month: 'all', with_grant: 2, with_usage: 2 });
  });

  it('downloads every series as CSV with the rows the JSON has', async () => {
    const { body: dash } = await t.call('GET', '/api/v1/programs/dash/dashboard?year=2026', { as: reviewer.token });
    for (const series of [
      'burn_down',
      'forecast',
      'spend_by_project',
      'spend_by_purpose',
      'spend_by_metro',
      'spend_by_plan',
      'utilization',
      'review_turnaround',
      'time_to_server',
      'projects_supported',
    ]) {
      const json = await t.call('GET', `/api/v1/programs/dash/dashboard/${series}?year=2026`, { as: reviewer.token });
      assert.equal(json.status, 200, JSON.stringify(json.body));
      const expected = Array.isArray(dash[series]) ? dash[series] : [dash[series]];
      assert.deepEqual(json.body.rows, expected, series);
      const csv = await t.call('GET', `/api/v1/programs/dash/dashboard/${series}?year=2026&format=csv`, { as: reviewer.token });
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), new RegExp(`dash-${series}-2026\\.csv`));
      const rows = parseCsv(typeof csv.body === 'string' ? csv.body : String(csv.body));
      assert.deepEqual(
        rows,
        expected.map((row: Record<string, unknown>) =>
          Object.fromEntries(json.body.columns.map((c: string) => [c, row[c] === null ? '' : String(row[c])])),
        ),
        series,
      );
    }
    const nope = await t.call('GET', '/api/v1/programs/dash/dashboard/nonsense', { as: reviewer.token });
    assert.equal(nope.status, 400);
    assert.equal((await t.call('GET', '/api/v1/programs/dash/dashboard', { as: ownerA.token })).status, 403);
  });
});

describe('impact report', () => {
  it('sums the year: projects supported, server hours, value donated, traffic served, stories', async () => {
    const response = await t.call('GET', '/api/v1/programs/dash/impact?year=2026', { as: reviewer.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const impact = response.body;
    assert.equal(impact.projects_supported, 2);
    // 7200 + 346,200 - (14 h off counts: allocated policy) + 10 h = 389,400 s
    assert.equal(impact.server_hours, 108.17);
    assert.equal(impact.value_donated_cents, TOTAL);
    assert.deepEqual(impact.traffic, { bytes_out: '10000000000', bytes_in: '1000', tb_out: 0.01 });
    assert.equal(impact.published_stories.count, 1);
    assert.equal(impact.published_stories.items[0].title, 'How we test kernels');
    assert.deepEqual(
      impact.projects.map((p: { slug: string; value_cents: number }) => [p.slug, p.value_cents]),
      [
        [a.project.slug, 7413],
        [b.project.slug, 3100],
      ],
    );
  });

  it('is for staff unless the program makes it public', async () => {
    assert.equal((await t.call('GET', '/api/v1/programs/dash/impact?year=2026')).status, 401);
    assert.equal((await t.call('GET', '/api/v1/programs/dash/impact?year=2026', { as: ownerA.token })).status, 403);
    const updated = await t.call('PATCH', '/api/v1/programs/dash', {
      as: admin.token,
      body: { policy: { metering: { is_impact_public: true } } },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const anonymous = await t.call('GET', '/api/v1/programs/dash/impact?year=2026');
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.body.value_donated_cents, TOTAL - 50, 'the new policy left out the traffic price: traffic is free now');
  });
});
