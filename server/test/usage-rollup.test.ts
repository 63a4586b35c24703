/**
 * The monthly usage rollup (usage_server_months, rolled over per month boundary, rewritten with each
 * server's segments) against the raw computation from the segments: over random lifecycles that
 * cross month boundaries, backdated events into rolled-up months, rollovers of several months at
 * once, both counting policies, new plan prices and traffic, `programSpend` sums exactly what the
 * charges do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { addDays } from '../src/grants/budget.ts';
import { type Charge, type SpendSummary, summarizeCharges } from '../src/metering/usage.ts';
import { createTestApp } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const operator = await t.user({ roles: ['operator'] });
const DAY_MS = 86_400_000;

const created = await t.call('POST', '/api/v1/programs', {
  as: admin.token,
  body: { slug: 'rollup', name: 'Rollup program', budget_cents_per_year: 100_000_000, policy: { metering: { traffic_cents_per_gb: 3 } } },
});
assert.equal(created.status, 201, JSON.stringify(created.body));
const programId = created.body.id as string;

const grants: { projectId: string; grantId: string }[] = [];
for (let i = 0; i < 3; i++) {
  const owner = await t.user();
  const project = await t.project(owner);
  const request = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'rollup',
      project: project.slug,
      purpose: 'hosting',
      description: 'work',
      resources: [{ plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: new Date(Date.now() + 300 * DAY_MS).toISOString().slice(0, 10),
    },
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, {
    as: reviewer.token,
    body: { monthly_credit_cents: 1_000_000, allowed_plans: [], allowed_metros: [] },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await t.db.updateTable('grants').set({ starts_on: '2020-01-01' }).where('id', '=', approved.body.grant.id).execute();
  grants.push({ projectId: project.id, grantId: approved.body.grant.id });
}

type Step = 'power_cycle' | 'reboot' | 'delete';
type ServerSpec = { grant: number; plan: string; metro: string; startMs: number; gapsMs: number[]; steps: Step[]; trafficAtMs: number[] };

let hosts = 0;
let samples = 0;
/** A server with its lifecycle up to now (nothing in the future), and its traffic samples. */
async function addServer(spec: ServerSpec, nowMs: number) {
  const { projectId, grantId } = grants[spec.grant] as { projectId: string; grantId: string };
  const events: [atMs: number, to: string, step?: string][] = [
    [spec.startMs, 'queued'],
    [spec.startMs + 1_000, 'provisioning', 'allocated'],
    [spec.startMs + 600_000, 'active', 'phone_home'],
  ];
  let at = spec.startMs + 600_000;
  spec.steps.forEach((step, i) => {
    at += spec.gapsMs[i % spec.gapsMs.length] as number;
    if (step === 'power_cycle') {
      events.push([at, 'powering_off'], [at + 60_000, 'inactive']);
      at += spec.gapsMs[(i + 1) % spec.gapsMs.length] as number;
      events.push([at, 'powering_on'], [at + 60_000, 'active']);
    } else if (step === 'reboot') events.push([at, 'rebooting'], [at + 90_000, 'active']);
    else events.push([at, 'deprovisioning'], [at + 600_000, 'deleted']);
  });
  const deletedAt = events.findIndex(([, to]) => to === 'deleted');
  const lived = (deletedAt >= 0 ? events.slice(0, deletedAt + 1) : events).filter(([atMs]) => atMs <= nowMs);
  if (lived.length === 0) return;
  const last = lived.at(-1) as [number, string];
  const row = await t.db
    .insertInto('servers')
    .values({
      project_id: projectId,
      grant_id: grantId,
      hostname: `rollup-${++hosts}`,
      plan_slug: spec.plan,
      metro_code: spec.metro,
      os_slug: 'ubuntu_22_04',
      state: last[1] as 'queued',
      created_at: new Date(spec.startMs).toISOString(),
      deleted_at: last[1] === 'deleted' ? new Date(last[0]).toISOString() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let from: string | null = null;
  for (const [atMs, to, step] of lived) {
    await t.db
      .insertInto('server_events')
      .values({
        server_id: row.id,
        from_state: from,
        to_state: to,
        step: step ?? to,
        actor_label: 'test',
        occurred_at: new Date(atMs).toISOString(),
      })
      .execute();
    from = to;
  }
  const lines = spec.trafficAtMs
    .filter((atMs) => atMs <= nowMs - 60_000)
    .map((atMs) =>
      JSON.stringify({
        id: `s-${++samples}`,
        server: row.id,
        time: new Date(atMs).toISOString(),
        bytes_in: 1000,
        bytes_out: 700_000_000 + samples * 7,
      }),
    );
  if (lines.length > 0) {
    const ingested = await t.call('POST', '/api/v1/usage/traffic', {
      as: operator.token,
      rawBody: lines.join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    assert.equal(ingested.status, 200, JSON.stringify(ingested.body));
  }
}

function normalized(summary: SpendSummary) {
  return {
    byGrant: summary.byGrant
      .map((row) => ({ ...row, bytesIn: String(row.bytesIn), bytesOut: String(row.bytesOut) }))
      .sort((a, b) => `${a.grantId}|${a.projectId}`.localeCompare(`${b.grantId}|${b.projectId}`)),
    byMonth: [...summary.byMonth].sort(),
    byPlan: [...summary.byPlan].sort(),
    byMetro: [...summary.byMetro].sort(),
    projectsByMonth: [...summary.projectsByMonth].sort(),
  };
}

function byGrant(charges: readonly Charge[]) {
  const totals = new Map<string | null, number>();
  for (const charge of charges) totals.set(charge.grantId, (totals.get(charge.grantId) ?? 0) + charge.cents);
  return [...totals].filter(([, cents]) => cents !== 0).sort();
}

const monthStart = (ms: number) => {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};

describe('monthly usage rollup', () => {
  it('sums exactly what the segments charge, across month boundaries, rollovers and late events', async () => {
    const now = Date.now();
    // Lifecycles start around the last five month boundaries (± 3 days) or anywhere in those months.
    const boundaries = [0, 1, 2, 3, 4].map((back) =>
      monthStart(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() - back, 1)),
    );
    const serverArb = fc.record({
      grant: fc.integer({ min: 0, max: grants.length - 1 }),
      plan: fc.constantFrom('c3.small.x86', 'm3.large.x86'),
      metro: fc.constantFrom('da', 'am'),
      startMs: fc.oneof(
        fc
          .tuple(fc.constantFrom(...boundaries), fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS }))
          .map(([b, d]) => Math.min(b + d, now - 3_600_000)),
        fc.integer({ min: (boundaries.at(-1) as number) - 30 * DAY_MS, max: now - 3_600_000 }),
      ),
      gapsMs: fc.array(fc.integer({ min: 3_600_000, max: 25 * DAY_MS }), { minLength: 1, maxLength: 4 }),
      steps: fc.array(fc.constantFrom<Step>('power_cycle', 'power_cycle', 'reboot', 'delete'), { maxLength: 6 }),
      trafficAtMs: fc.array(fc.integer({ min: (boundaries.at(-1) as number) - 30 * DAY_MS, max: now }), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(serverArb, { minLength: 1, maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        fc.constantFrom<'allocated' | 'powered_on'>('allocated', 'powered_on'),
        fc.option(fc.integer({ min: 1, max: 900 }), { nil: null }),
        async (servers, unroll, counting, price) => {
          // Forget the last `unroll` months' rollover (null: forget none), as if those months had just ended.
          if (unroll !== null) {
            const from = new Date(boundaries[unroll] as number).toISOString().slice(0, 10);
            await sql`delete from usage_server_months where month >= ${from}::date`.execute(t.db);
            await sql`update usage_rollup_state set rolled_through = ${unroll === 4 ? null : from}::date`.execute(t.db);
          }
          // A plan's new price (null: none) drops the rollups; the next read rolls up again at that price.
          if (price !== null)
            await t.db.updateTable('plans').set({ price_cents_per_hour: price }).where('slug', '=', 'm3.large.x86').execute();
          const patched = await t.call('PATCH', '/api/v1/programs/rollup', {
            as: admin.token,
            body: { policy: { metering: { counting } } },
          });
          assert.equal(patched.status, 200, JSON.stringify(patched.body));
          for (const spec of servers) await addServer(spec, now);
          const at = new Date();
          const fromMonth = new Date(boundaries.at(-1) as number).toISOString().slice(0, 10);
          const toMonth = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
          const today = at.toISOString().slice(0, 10);
          const window = { from: addDays(today, -30), to: addDays(today, -1) };
          const rolled = await t.services.metering.programSpend(programId, fromMonth, toMonth, window, at);
          const raw = await t.services.metering.programMonthCharges(programId, fromMonth, toMonth, at);
          assert.deepEqual(normalized(rolled.summary), normalized(summarizeCharges(raw)));
          const rawWindow = await t.services.metering.charges({ programId }, window, at);
          assert.deepEqual([...rolled.windowByGrant].filter(([, cents]) => cents !== 0).sort(), byGrant(rawWindow));
        },
      ),
      { numRuns: 12 },
    );
    const rows = await sql<{ n: number }>`select count(*)::integer as n from usage_server_months`.execute(t.db);
    assert.ok((rows.rows[0]?.n ?? 0) > 0, 'closed months were rolled up');
  });
});
