/**
 * The dashboard's forecast and its burn-down line are one computation: the line's last point is the
 * year-end figure, and both follow docs/metering.md's formula — spent to date plus each grant's
 * trailing 30-day burn for each day left until the grant's last day (or the year's end).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, daysBetween } from '../src/grants/budget.ts';
import { createTestApp } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const today = new Date().toISOString().slice(0, 10);

const created = await t.call('POST', '/api/v1/programs', {
  as: admin.token,
  body: { slug: 'burn', name: 'Burn program', budget_cents_per_year: 50_000_000 },
});
assert.equal(created.status, 201, JSON.stringify(created.body));

async function grantWithServer(endsOn: string) {
  const owner = await t.user();
  const project = await t.project(owner);
  const request = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: 'burn',
      project: project.slug,
      purpose: 'ci_cd',
      description: 'work',
      resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: addDays(today, 300),
    },
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, {
    as: reviewer.token,
    body: { monthly_credit_cents: 10_000_000, allowed_plans: [], allowed_metros: [] },
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const grantId = approved.body.grant.id as string;
  await t.db
    .updateTable('grants')
    .set({ starts_on: addDays(today, -60), ends_on: endsOn })
    .where('id', '=', grantId)
    .execute();
  // Allocated 45 days ago at midnight and running since: every trailing day costs 24 hours.
  const startedAt = new Date(Date.parse(`${addDays(today, -45)}T00:00:00Z`));
  const server = await t.db
    .insertInto('servers')
    .values({
      project_id: project.id,
      grant_id: grantId,
      hostname: `burn-${project.slug}`,
      plan_slug: 'c3.small.x86',
      metro_code: 'da',
      os_slug: 'ubuntu_22_04',
      state: 'active',
      created_at: startedAt.toISOString(),
      activated_at: new Date(startedAt.getTime() + 600_000).toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [offsetMs, from, to, step] of [
    [0, null, 'provisioning', 'allocated'],
    [600_000, 'provisioning', 'active', 'phone_home'],
  ] as const) {
    await t.db
      .insertInto('server_events')
      .values({
        server_id: server.id,
        from_state: from,
        to_state: to,
        step,
        actor_label: 'test',
        occurred_at: new Date(startedAt.getTime() + offsetMs).toISOString(),
      })
      .execute();
  }
  return grantId;
}

// One grant ends in ten days (its burn stops there), the other runs past the year's end.
const endingOn = addDays(today, 10);
await grantWithServer(endingOn);
await grantWithServer(addDays(today, 400));
const plan = await t.db.selectFrom('plans').select('price_cents_per_hour').where('slug', '=', 'c3.small.x86').executeTakeFirstOrThrow();
const centsPerDay = plan.price_cents_per_hour * 24;

describe('dashboard forecast', () => {
  it('ends the burn-down’s forecast line at the year-end forecast, each grant burning until its last day', async () => {
    const response = await t.call('GET', '/api/v1/programs/burn/dashboard', { as: reviewer.token });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const { burn_down: burnDown, forecast } = response.body;
    const last = burnDown.at(-1);
    assert.equal(last.forecast_cumulative_cents, forecast.projected_spent_cents, 'the line ends at the figure');
    assert.equal(forecast.projected_remaining_cents, forecast.budget_cents - forecast.projected_spent_cents);

    // The trailing 30 days: both servers ran all of them.
    assert.equal(forecast.trailing_days, 30);
    assert.equal(forecast.trailing_spent_cents, 2 * 30 * centsPerDay);
    const asOf = forecast.as_of as string;
    const yearEnd = forecast.fiscal_year_ends_on as string;
    const daysUntil = (day: string) => Math.max(0, daysBetween(asOf, [day, yearEnd].sort()[0] as string));
    assert.equal(
      forecast.projected_spent_cents,
      forecast.spent_to_date_cents + centsPerDay * (daysUntil(endingOn) + daysUntil(yearEnd)),
      'spent to date + each grant’s daily burn × its days left',
    );

    // From this month on every month has a point: spent to date plus the burn until the month's end.
    const thisMonth = `${asOf.slice(0, 8)}01`;
    for (const month of burnDown) {
      if (month.month < thisMonth) {
        assert.equal(month.forecast_cumulative_cents, null, month.month);
        continue;
      }
      const monthEnd = addDays(
        new Date(Date.UTC(Number(month.month.slice(0, 4)), Number(month.month.slice(5, 7)), 1)).toISOString().slice(0, 10),
        -1,
      );
      const end = [monthEnd, yearEnd].sort()[0] as string;
      assert.equal(
        month.forecast_cumulative_cents,
        forecast.spent_to_date_cents + centsPerDay * (daysUntil([end, endingOn].sort()[0] as string) + daysUntil(end)),
        month.month,
      );
    }
    const current = burnDown.find((month: { month: string }) => month.month === thisMonth);
    assert.equal(current.cumulative_spent_cents, forecast.spent_to_date_cents, 'the spent line reaches today’s spend');

    // The forecast's CSV row is the same figure.
    const csv = await t.call('GET', '/api/v1/programs/burn/dashboard/forecast?format=csv', { as: reviewer.token });
    assert.match(String(csv.body), new RegExp(`,${forecast.projected_spent_cents},${forecast.budget_cents},`));
  });
});
