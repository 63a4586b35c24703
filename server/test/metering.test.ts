import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { MeteringRepository } from '../src/metering/metering.repository.ts';
import { grantMonthSpendCents, grantMonthSpendIfNearCredit } from '../src/metering/metering.service.ts';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const operator = await t.user({ roles: ['operator'] });

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
let hostCounter = 0;

async function program(slug: string, metering: Record<string, unknown> = {}) {
  const response = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: 100_000_000, policy: { metering } },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { id: string; slug: string };
}

async function granted(owner: TestUser, programSlug: string, monthlyCreditCents = 1_000_000) {
  const project = await t.project(owner);
  const request = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: programSlug,
      project: project.slug,
      purpose: 'hosting',
      description: 'mirrors',
      resources: [{ plan: 'c3.small.x86', quantity: 5, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: inFuture(300),
    },
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, {
    as: reviewer.token,
    body: {
      monthly_credit_cents: monthlyCreditCents,
      allowed_plans: [],
      allowed_metros: [],
      max_servers: 10,
    },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  // The histories below start in January 2026: let the grant have started before them.
  await t.db.updateTable('grants').set({ starts_on: '2025-12-01' }).where('id', '=', approved.body.grant.id).execute();
  return { project, grant: approved.body.grant as { id: string } };
}

type Step = [at: string, to: string, step?: string];

/** A server row and its lifecycle events, written directly as servers.service writes them. */
async function server(projectId: string, grantId: string | null, steps: Step[], options: { plan?: string; metro?: string } = {}) {
  const last = steps.at(-1);
  const state = last ? last[1] : 'queued';
  const row = await t.db
    .insertInto('servers')
    .values({
      project_id: projectId,
      grant_id: grantId,
      hostname: `host-${++hostCounter}`,
      plan_slug: options.plan ?? 'c3.small.x86',
      metro_code: options.metro ?? 'da',
      os_slug: 'ubuntu_22_04',
      state: state as 'queued',
      created_at: steps[0]?.[0] ?? new Date(),
      deleted_at: state === 'deleted' ? (last?.[0] as string) : null,
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

/** The lifecycle used below: allocated on 31 January 22:00 UTC, powered off for 14 hours, reinstalled, deleted on 5 February. */
const LIFECYCLE: Step[] = [
  ['2026-01-31T21:59:00Z', 'queued'],
  ['2026-01-31T22:00:00Z', 'provisioning', 'allocated'],
  ['2026-01-31T22:05:00Z', 'provisioning', 'boot_override'],
  ['2026-01-31T22:10:00Z', 'active', 'phone_home'],
  ['2026-02-01T10:00:00Z', 'powering_off'],
  ['2026-02-01T10:01:00Z', 'inactive'],
  ['2026-02-02T00:00:00Z', 'powering_on'],
  ['2026-02-02T00:01:00Z', 'active'],
  ['2026-02-03T00:00:00Z', 'reinstalling'],
  // The provision job ran twice (a retry): both found the machine the server already held.
  ['2026-02-03T00:05:00Z', 'reinstalling', 'allocated'],
  ['2026-02-03T00:05:30Z', 'reinstalling', 'allocated'],
  ['2026-02-03T00:30:00Z', 'active', 'phone_home'],
  ['2026-02-05T00:00:00Z', 'deprovisioning'],
  ['2026-02-05T00:10:00Z', 'deleted'],
];
// Allocated: 2 h in January; 4 days 10 min in February. 75 cents/hour.
const JAN_S = 7200;
const FEB_S = 4 * 86_400 + 600;
const OFF_S = 14 * 3600; // inactive and powering on, 1 February 10:01 to 2 February 00:01

async function ingest(as: string, body: string, type = 'application/x-ndjson') {
  return t.call('POST', '/api/v1/usage/traffic', { as, rawBody: body, headers: { 'content-type': type } });
}

async function sampleCount(projectId: string) {
  const { rows } = await sql<{ n: string }>`select count(*) as n from traffic_samples where project_id = ${projectId}`.execute(t.db);
  return Number(rows[0]?.n);
}

describe('usage', async () => {
  const meter = await program('meter');
  const powered = await program('powered', { counting: 'powered_on' });
  const ownerA = await t.user();
  const ownerB = await t.user();
  const a = await granted(ownerA, 'meter');
  const b = await granted(ownerB, 'meter');
  const c = await granted(ownerA, 'powered');
  await server(a.project.id, a.grant.id, LIFECYCLE);
  await server(
    b.project.id,
    b.grant.id,
    [
      ['2026-02-10T00:00:00Z', 'queued'],
      ['2026-02-10T00:00:00Z', 'provisioning', 'allocated'],
      ['2026-02-10T01:00:00Z', 'failed'],
    ],
    { plan: 'm3.large.x86', metro: 'am' },
  );
  // Deleted before it got a machine: nothing to count.
  await server(b.project.id, b.grant.id, [
    ['2026-02-11T00:00:00Z', 'queued'],
    ['2026-02-11T00:01:00Z', 'deprovisioning'],
    ['2026-02-11T00:02:00Z', 'deleted'],
  ]);
  await server(c.project.id, c.grant.id, LIFECYCLE);

  it('counts server time to the second from allocation to the wipe, split at the month boundary, priced per month', async () => {
    const response = await t.call('GET', `/api/v1/projects/${a.project.slug}/usage?from=2026-01-01&to=2026-02-28`, { as: ownerA.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    // 2 h × 75 = 150 cents in January; 346,200 s × 75 / 3600 = 7212.5 → 7213 in February.
    assert.deepEqual(response.body.lines, [
      {
        type: 'server',
        plan: 'c3.small.x86',
        metro: 'da',
        unit: 'server_hour',
        quantity: 98.1667,
        unit_price_cents: 75,
        total_cents: 150 + 7213,
        seconds: JAN_S + FEB_S,
        bytes_in: null,
        bytes_out: null,
      },
    ]);
    assert.equal(response.body.total_cents, 7363);
    assert.equal(response.body.currency, 'USD');
    const february = await t.call('GET', `/api/v1/projects/${a.project.slug}/usage?from=2026-02-01&to=2026-02-28`, { as: ownerA.token });
    assert.equal(february.body.total_cents, 7213);
    assert.equal(february.body.lines[0].seconds, FEB_S);
  });

  it('counts only powered-on time under the powered_on policy', async () => {
    const response = await t.call('GET', `/api/v1/projects/${c.project.slug}/usage?from=2026-01-01&to=2026-02-28`, { as: ownerA.token });
    assert.equal(response.body.lines[0].seconds, JAN_S + FEB_S - OFF_S);
    // 295,800 s × 75 / 3600 = 6162.5 → 6163
    assert.equal(response.body.total_cents, 150 + 6163);
  });

  it('sums projects to the program total, by plan and metro, and reports it as the budget’s spent', async () => {
    const response = await t.call('GET', `/api/v1/programs/meter/usage?from=2026-01-01&to=2026-02-28`, { as: reviewer.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.total_cents, 7363 + 310);
    assert.deepEqual(
      response.body.projects.map((p: { slug: string; total_cents: number }) => [p.slug, p.total_cents]),
      [
        [a.project.slug, 7363],
        [b.project.slug, 310],
      ],
    );
    assert.deepEqual(
      response.body.lines.map((line: { plan: string; metro: string; seconds: number; total_cents: number }) => [
        line.plan,
        line.metro,
        line.seconds,
        line.total_cents,
      ]),
      [
        ['c3.small.x86', 'da', JAN_S + FEB_S, 7363],
        ['m3.large.x86', 'am', 3600, 310],
      ],
    );
    const projectTotals = await Promise.all(
      [
        [a, ownerA],
        [b, ownerB],
      ].map(async ([granted, owner]) => {
        const usage = await t.call('GET', `/api/v1/projects/${(granted as typeof a).project.slug}/usage?from=2026-01-01&to=2026-02-28`, {
          as: (owner as TestUser).token,
        });
        return usage.body.total_cents as number;
      }),
    );
    assert.equal(
      projectTotals.reduce((x, y) => x + y, 0),
      response.body.total_cents,
    );
    const budget = await t.services.programs.budget('meter', '2026-03-01');
    assert.equal(budget.spent_cents, 7673);
    const poweredBudget = await t.services.programs.budget(powered.slug, '2026-03-01');
    assert.equal(poweredBudget.spent_cents, 150 + 6163);
    assert.ok(meter.id);
  });

  it('computes a grant’s month from the events inside a transaction exactly as from the stored segments', async () => {
    const now = new Date('2026-02-20T00:00:00Z');
    const fromEvents = await t.db.transaction().execute((tx) => grantMonthSpendCents(tx, a.grant.id, now));
    assert.equal(fromEvents, 7213);
    const stored = await t.services.metering.charges({ grantIds: [a.grant.id] }, { from: '2026-02-01', to: '2026-02-19' }, now);
    assert.equal(
      stored.reduce((sum, charge) => sum + charge.cents, 0),
      fromEvents,
    );
  });

  it('checks credit against a bound first and replays the events only near the credit', async () => {
    const now = new Date('2026-02-20T00:00:00Z');
    const exact = 7213;
    const monthStartS = Date.parse('2026-02-01T00:00:00Z') / 1000;
    const bound = await new MeteringRepository().grantServerTimeBoundCents(t.db, a.grant.id, monthStartS, now.getTime() / 1000);
    assert.ok(bound >= exact, `the bound ${bound} is at least the spend ${exact}`);
    const near = (credit: number) => t.db.transaction().execute((tx) => grantMonthSpendIfNearCredit(tx, a.grant.id, credit, now));
    assert.equal(await near(bound + 1), null, 'certainly under the credit: no replay');
    assert.equal(await near(bound), exact, 'the bound reaches the credit: the exact spend');
    assert.equal(await near(exact), exact);
    assert.equal(await near(1), exact);
  });

  it('keeps usage to members of the project and program usage to staff', async () => {
    const stranger = await t.user();
    assert.equal((await t.call('GET', `/api/v1/projects/${a.project.slug}/usage`, { as: stranger.token })).status, 404);
    assert.equal((await t.call('GET', '/api/v1/programs/meter/usage', { as: ownerA.token })).status, 403);
    const bad = await t.call('GET', `/api/v1/projects/${a.project.slug}/usage?from=2026-03-01&to=2026-02-01`, { as: ownerA.token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.fields[0].field, 'to');
    const notADate = await t.call('GET', `/api/v1/projects/${a.project.slug}/usage?from=yesterday`, { as: ownerA.token });
    assert.equal(notADate.status, 400);
  });
});

describe('traffic ingest', async () => {
  await program('cdn', { traffic_cents_per_gb: 5 });
  const owner = await t.user();
  const other = await t.user();
  const { project, grant } = await granted(owner, 'cdn');
  const theirs = await granted(other, 'cdn');
  const edge = await server(project.id, grant.id, [
    ['2026-03-01T00:00:00Z', 'provisioning', 'allocated'],
    ['2026-03-01T00:10:00Z', 'active'],
  ]);
  const theirServer = await server(theirs.project.id, theirs.grant.id, [['2026-03-01T00:00:00Z', 'provisioning', 'allocated']]);
  const line = (id: string, fields: Record<string, unknown> = {}) =>
    JSON.stringify({ id, server: edge, time: '2026-03-02T10:00:00Z', bytes_in: 1000, bytes_out: 2_000_000_000, ...fields });

  it('rejects a batch with bad lines, naming each line and reason, and stores nothing', async () => {
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const body = [
      line('b-1'),
      line('b-2', { bytes_out: -5 }),
      '{"id": "b-3", "server": ',
      line('b-4', { bytes_in: 'lots' }),
      line('b-5', { server: randomUUID() }),
      '',
      line('b-7', { time: future }),
      line('b-8', { server: theirServer }),
      line('b-9', { server: 'edge-1' }),
      line('b-10', { extra: 1 }),
      line('b-11'),
    ].join('\n');
    const response = await ingest(owner.token, body);
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'ERR_VALIDATION');
    assert.match(response.body.error.message, /^8 bad lines/);
    assert.deepEqual(
      response.body.error.fields.map((f: { field: string; message: string }) => f.field),
      ['line 2', 'line 3', 'line 4', 'line 5', 'line 7', 'line 8', 'line 9', 'line 10'],
    );
    const reasons = Object.fromEntries(response.body.error.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    assert.equal(reasons['line 2'], 'bytes_out must not be negative');
    assert.match(reasons['line 3'], /^malformed JSON/);
    assert.equal(reasons['line 4'], 'bytes_in must be a whole number of bytes');
    assert.match(reasons['line 5'], /^unknown server/);
    assert.match(reasons['line 7'], /in the future/);
    assert.match(reasons['line 8'], /^unknown server/, 'another project’s server is unknown to this owner');
    assert.equal(reasons['line 9'], 'server must be a server id (a UUID)');
    assert.equal(reasons['line 10'], 'unknown field "extra"');
    assert.equal(await sampleCount(project.id), 0);
  });

  it('stores the corrected batch once, and a resent batch adds nothing', async () => {
    const body = ['b-1', 'b-2', 'b-3', 'b-4'].map((id) => line(id)).join('\n');
    const first = await ingest(owner.token, `${body}\n`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { received: 4, stored: 4, duplicates: 0 });
    const again = await ingest(owner.token, body);
    assert.deepEqual(again.body, { received: 4, stored: 0, duplicates: 4 });
    // Overlapping: two stored ids and two new ones, one of them twice in the batch.
    const overlap = await ingest(owner.token, ['b-3', 'b-4', 'b-5', 'b-6', 'b-6'].map((id) => line(id)).join('\n'));
    assert.deepEqual(overlap.body, { received: 5, stored: 2, duplicates: 3 });
    assert.equal(await sampleCount(project.id), 6);
    const daily = await sql<{ bytes_out: string; samples: string }>`
      select bytes_out::text, samples::text from traffic_daily where server_id = ${edge}`.execute(t.db);
    assert.deepEqual(daily.rows, [{ bytes_out: String(6 * 2_000_000_000), samples: '6' }]);
  });

  it('takes CSV with a header, and project-level samples for the project’s grant', async () => {
    const csv = [
      'id,project,time,bytes_in,bytes_out',
      `c-1,${project.slug},2026-03-03T00:00:00Z,10,500000000`,
      `"c-2",${project.id},2026-03-03T01:00:00+01:00,10,"500000000"`,
    ].join('\r\n');
    const response = await ingest(owner.token, csv, 'text/csv; charset=utf-8');
    assert.deepEqual(response.body, { received: 2, stored: 2, duplicates: 0 });
    const rows = await sql<{ grant_id: string; server_id: string | null; day: string }>`
      select grant_id, server_id, to_char(day, 'YYYY-MM-DD') as day from traffic_daily where project_id = ${project.id} and server_id is null`.execute(
      t.db,
    );
    // 01:00 at +01:00 is midnight UTC: both on 3 March.
    assert.deepEqual(rows.rows, [{ grant_id: grant.id, server_id: null, day: '2026-03-03' }]);
    const badHeader = await ingest(owner.token, 'id,host,time,bytes_in,bytes_out\nx,y,z,1,2', 'text/csv');
    assert.equal(badHeader.status, 400);
    assert.deepEqual(badHeader.body.error.fields, [
      { field: 'line 1', message: 'unknown column "host"; columns are id, server, project, time, bytes_in, bytes_out' },
    ]);
  });

  it('prices outbound traffic by the program’s price per GB in the usage lines', async () => {
    const usage = await t.call('GET', `/api/v1/projects/${project.slug}/usage?from=2026-03-01&to=2026-03-31`, { as: owner.token });
    const traffic = usage.body.lines.filter((l: { type: string }) => l.type === 'traffic');
    assert.deepEqual(
      traffic.map((l: Record<string, unknown>) => [l.plan, l.metro, l.bytes_out, l.quantity, l.unit_price_cents, l.total_cents]),
      [
        // project-level samples: 1 GB → 5 cents
        [null, null, '1000000000', 1, 5, 5],
        // 6 × 2 GB = 12 GB → 60 cents
        ['c3.small.x86', 'da', '12000000000', 12, 5, 60],
      ],
    );
  });

  it('lets operators report for any project, and nobody without a role report for others', async () => {
    const forOther = JSON.stringify({ id: 'o-1', server: theirServer, time: '2026-03-02T00:00:00Z', bytes_in: 1, bytes_out: 1 });
    assert.equal((await ingest(operator.token, forOther)).status, 200);
    const asReviewer = await ingest(reviewer.token, forOther.replace('o-1', 'o-2'));
    assert.equal(asReviewer.status, 400, 'reviewers are not operators');
    assert.equal(
      (await t.call('POST', '/api/v1/usage/traffic', { rawBody: forOther, headers: { 'content-type': 'application/x-ndjson' } })).status,
      401,
    );
    const json = await t.call('POST', '/api/v1/usage/traffic', { as: operator.token, body: [{ id: 'x' }] });
    assert.equal(json.status, 415);
    const empty = await ingest(operator.token, '\n\n');
    assert.equal(empty.status, 400);
  });

  it('refuses a batch over 50 MB with 413, storing nothing', async () => {
    const row = `${line('big-000000')}\n`;
    const body = row.repeat(Math.ceil((51 * 1024 * 1024) / row.length));
    const response = await ingest(owner.token, body);
    assert.equal(response.status, 413, JSON.stringify(response.body).slice(0, 300));
    assert.equal(await sampleCount(project.id), 8);
  });

  it('turns NIC counters from heartbeats into samples: first reading, differences, and resets', async () => {
    const lab = await server(project.id, grant.id, [['2026-03-01T00:00:00Z', 'active']]);
    const read = async (rx: number, tx: number) => {
      await t.db
        .updateTable('servers')
        .set({ rx_bytes: String(rx), tx_bytes: String(tx), last_heartbeat_at: new Date() })
        .where('id', '=', lab)
        .execute();
      await t.services.metering.readCounters();
    };
    await read(100, 1000);
    await read(150, 1600);
    await read(150, 1600); // unchanged: no sample
    await read(20, 30); // rebooted: counting from zero again
    const rows = await sql<{ bytes_in: string; bytes_out: string }>`
      select bytes_in::text, bytes_out::text from traffic_samples where server_id = ${lab} order by sampled_at`.execute(t.db);
    assert.deepEqual(
      rows.rows.map((r) => [r.bytes_in, r.bytes_out]),
      [
        ['100', '1000'],
        ['50', '600'],
        ['20', '30'],
      ],
    );
  });
});

describe('money: alerts and caps', async () => {
  await program('capped', { over_cap: 'power_off', over_cap_notice_hours: 0 });
  await program('notify');
  const owner = await t.user();
  // 1000 cents a month; the server below costs 75 cents an hour.
  const { project, grant } = await granted(owner, 'notify', 1000);
  const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
  const at = (hours: number) => new Date(monthStart.getTime() + hours * 3_600_000).toISOString();
  const hook = await t.call('POST', '/api/v1/programs/notify/webhooks', {
    as: admin.token,
    body: { url: 'http://127.0.0.1:9/hook', events: ['grant.usage_alert'] },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));

  const alerts = async (grantId: string) =>
    (
      await sql<{ threshold_percent: number }>`
        select threshold_percent from grant_usage_alerts where grant_id = ${grantId} order by 1`.execute(t.db)
    ).rows.map((r) => r.threshold_percent);
  const notices = async (userId: string) =>
    (
      await t.db
        .selectFrom('notifications')
        .select(['title'])
        .where('user_id', '=', userId)
        .where('kind', '=', 'grant.usage_alert')
        .orderBy('created_at')
        .execute()
    ).map((n) => n.title);

  it('alerts at 50, 80 and 100 % once per grant-month, however often and concurrently the job runs', async () => {
    // 8 h × 75 = 600 cents: 60 %.
    await server(project.id, grant.id, [
      [at(1), 'provisioning', 'allocated'],
      [at(9), 'deleted'],
    ]);
    await Promise.all([t.services.metering.runAlerts(), t.services.metering.runAlerts(), t.services.metering.runAlerts()]);
    await t.services.metering.runAlerts();
    assert.deepEqual(await alerts(grant.id), [50]);
    assert.deepEqual(await notices(owner.id), [`${project.name} used 50 % of its monthly credit`]);
    // 3 more hours: 825 cents, 82 %; then 2 more: 975, 97 %; then 1 more: 1050, over.
    await server(project.id, grant.id, [
      [at(10), 'provisioning', 'allocated'],
      [at(13), 'deleted'],
    ]);
    await t.services.metering.runAlerts();
    assert.deepEqual(await alerts(grant.id), [50, 80]);
    const near = await t.call('GET', `/api/v1/projects/${project.slug}/usage/burn`, { as: owner.token });
    assert.equal(near.body.grants[0].spent_cents, 825);
    assert.equal(near.body.grants[0].percent_used, 82);
    assert.equal(near.body.grants[0].is_exhausted, false);
    await server(project.id, grant.id, [
      [at(14), 'provisioning', 'allocated'],
      [at(17), 'deleted'],
    ]);
    await Promise.all([t.services.metering.runAlerts(), t.services.metering.runAlerts()]);
    assert.deepEqual(await alerts(grant.id), [50, 80, 100]);
    assert.equal((await notices(owner.id)).length, 3);
    const deliveries = await sql<{ n: string }>`
      select count(*) as n from webhook_deliveries where event = 'grant.usage_alert' and payload #>> '{data,grant,id}' = ${grant.id}`.execute(
      t.db,
    );
    assert.equal(Number(deliveries.rows[0]?.n), 3);
    const months = await t.call('GET', `/api/v1/grants/${grant.id}/usage?months=2`, { as: owner.token });
    assert.equal(months.status, 200, JSON.stringify(months.body));
    assert.equal(months.body.months[0].spent_cents, 1050);
    assert.equal(months.body.months[0].remaining_cents, -50);
    assert.deepEqual(
      months.body.months[0].alerts.map((a: { threshold_percent: number }) => a.threshold_percent),
      [50, 80, 100],
    );
  });

  it('refuses new servers at 100 % of the credit', async () => {
    const create = await t.call('POST', '/api/v1/servers', {
      as: owner.token,
      body: { project: project.slug, plan: 'c3.small.x86', metro: 'da', operating_system: 'lab_live' },
    });
    assert.equal(create.status, 403, JSON.stringify(create.body));
    assert.equal(create.body.error.code, 'ERR_GRANT_EXHAUSTED');
    // Below the credit the check passes (and the create fails later, for want of a machine).
    const fresh = await granted(owner, 'notify', 1_000_000);
    const other = await t.call('POST', '/api/v1/servers', {
      as: owner.token,
      body: { project: fresh.project.slug, plan: 'c3.small.x86', metro: 'da', operating_system: 'lab_live' },
    });
    assert.equal(other.body.error?.code, 'ERR_NO_CAPACITY', JSON.stringify(other.body));
  });

  it('powers running servers off after the notice under the power_off policy', async () => {
    const capped = await granted(owner, 'capped', 100);
    const running = await server(capped.project.id, capped.grant.id, [
      [at(0), 'provisioning', 'allocated'],
      [at(0.1), 'active'],
    ]);
    const off = await server(capped.project.id, capped.grant.id, [
      [at(0), 'provisioning', 'allocated'],
      [at(0.1), 'active'],
      [at(0.2), 'powering_off'],
      [at(0.3), 'inactive'],
    ]);
    const result = await t.services.metering.runAlerts();
    assert.ok(result.poweredOff >= 1);
    const states = await t.db.selectFrom('servers').select(['id', 'state']).where('id', 'in', [running, off]).execute();
    assert.deepEqual(Object.fromEntries(states.map((s) => [s.id, s.state])), { [running]: 'powering_off', [off]: 'inactive' });
    const event = await t.db
      .selectFrom('server_events')
      .select(['note', 'actor_label'])
      .where('server_id', '=', running)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(event.note ?? '', /over-cap policy: power off/);
    const jobs = await sql<{ n: string }>`
      select count(*) as n from graphile_worker.jobs where task_identifier = 'server_power' and queue_name = ${`server:${running}`}`.execute(
      t.db,
    );
    assert.equal(Number(jobs.rows[0]?.n), 1);
  });
});

describe('idle servers', async () => {
  await program('idle', { idle_days: 7 });
  const owner = await t.user();
  const { project, grant } = await granted(owner, 'idle');
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const forgotten = await server(project.id, grant.id, [
    [daysAgo(30), 'provisioning', 'allocated'],
    [daysAgo(30), 'active'],
  ]);
  const busy = await server(project.id, grant.id, [
    [daysAgo(30), 'provisioning', 'allocated'],
    [daysAgo(30), 'active'],
  ]);
  await t.db
    .updateTable('servers')
    .set({ last_ssh_session_at: daysAgo(1) })
    .where('id', '=', busy)
    .execute();
  const fresh = await server(project.id, grant.id, [
    [daysAgo(2), 'provisioning', 'allocated'],
    [daysAgo(2), 'active'],
  ]);

  it('flags servers with no heartbeat, SSH session or traffic for the program’s idle days and nudges the owners once', async () => {
    await t.services.metering.runIdle();
    await t.services.metering.runIdle();
    const flags = await sql<{ server_id: string }>`select server_id from idle_servers`.execute(t.db);
    const flagged = flags.rows.map((r) => r.server_id);
    assert.ok(flagged.includes(forgotten));
    assert.ok(!flagged.includes(busy) && !flagged.includes(fresh));
    const nudges = await t.db
      .selectFrom('notifications')
      .select(['title', 'link'])
      .where('user_id', '=', owner.id)
      .where('kind', '=', 'server.idle')
      .execute();
    assert.equal(nudges.length, 1);
    assert.equal(nudges[0]?.link, `/servers/${forgotten}?action=delete`);
    const list = await t.call('GET', '/api/v1/usage/idle', { as: reviewer.token });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const item = list.body.items.find((i: { server: { id: string } }) => i.server.id === forgotten);
    assert.equal(item.idle_days, 30);
    assert.equal(item.threshold_days, 7);
    // 30 days at 75 cents an hour: 54,000 cents of credit while idle.
    assert.equal(item.consumed_since_idle_cents, 54_000);
    assert.equal(item.cents_per_month, 75 * 730);
    assert.ok(item.nudged_at);
    assert.equal((await t.call('GET', '/api/v1/usage/idle', { as: owner.token })).status, 403);
    const burn = await t.call('GET', `/api/v1/projects/${project.slug}/usage/burn`, { as: owner.token });
    assert.deepEqual(
      burn.body.idle_servers.map((s: { id: string }) => s.id),
      [forgotten],
    );
  });

  it('clears the flag when the server shows life again', async () => {
    await ingest(
      owner.token,
      JSON.stringify({ id: 'alive', server: forgotten, time: new Date().toISOString(), bytes_in: 1, bytes_out: 1 }),
    );
    await t.services.metering.runIdle();
    const flags = await sql<{ server_id: string }>`select server_id from idle_servers where server_id = ${forgotten}`.execute(t.db);
    assert.equal(flags.rows.length, 0);
  });

  it('sums what idle servers cost per currency, never across currencies', async () => {
    const created = await t.call('POST', '/api/v1/programs', {
      as: admin.token,
      body: {
        slug: 'idle-eur',
        name: 'Idle in euros',
        currency: 'EUR',
        budget_cents_per_year: 100_000_000,
        policy: { metering: { idle_days: 7 } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const euros = await granted(await t.user(), 'idle-eur');
    const parked = await server(euros.project.id, euros.grant.id, [
      [daysAgo(20), 'provisioning', 'allocated'],
      [daysAgo(20), 'active'],
    ]);
    const all = (await t.call('GET', '/api/v1/usage/idle', { as: reviewer.token })).body;
    assert.equal(all.items.find((i: { server: { id: string } }) => i.server.id === parked).currency, 'EUR');
    const currencies = [...new Set(all.items.map((i: { currency: string }) => i.currency))].sort();
    assert.deepEqual(currencies, ['EUR', 'USD']);
    // Several currencies: no sum across them, one per currency that adds up its items exactly.
    assert.deepEqual([all.currency, all.consumed_since_idle_cents, all.cents_per_month], [null, null, null]);
    for (const currency of currencies) {
      const items = all.items.filter((i: { currency: string }) => i.currency === currency);
      assert.deepEqual(
        all.totals.find((total: { currency: string }) => total.currency === currency),
        {
          currency,
          servers: items.length,
          consumed_since_idle_cents: items.reduce(
            (sum: number, i: { consumed_since_idle_cents: number }) => sum + i.consumed_since_idle_cents,
            0,
          ),
          cents_per_month: items.reduce((sum: number, i: { cents_per_month: number }) => sum + i.cents_per_month, 0),
        },
      );
    }
    // One program: one currency, and the sums are given in it.
    const one = (await t.call('GET', '/api/v1/usage/idle?program=idle-eur', { as: reviewer.token })).body;
    assert.equal(one.items.length, 1);
    assert.deepEqual(
      [one.currency, one.consumed_since_idle_cents, one.cents_per_month],
      ['EUR', one.items[0].consumed_since_idle_cents, one.items[0].cents_per_month],
    );
  });
});
