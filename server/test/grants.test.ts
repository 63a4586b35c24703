import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const reviewer2 = await t.user({ roles: ['reviewer'] });

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const line = { plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' };

for (const [slug, policy] of [
  ['oss', {}],
  ['notice', { min_notice_days: 30 }],
  ['expiry', {}],
] as const) {
  const response = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: 1_000_000_000, policy },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
}

async function submit(owner: TestUser, programSlug: string, endOn = inFuture(200)) {
  const project = await t.project(owner);
  const response = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: { program: programSlug, project: project.slug, purpose: 'ci_cd', description: 'CI', resources: [line], end_on: endOn },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { project, request: response.body };
}

async function granted(owner: TestUser, programSlug: string, terms: Record<string, unknown> = {}) {
  const { project, request } = await submit(owner, programSlug);
  const approved = await t.call('POST', `/api/v1/requests/${request.id}/approve`, { as: reviewer.token, body: terms });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  return { project, request, grant: approved.body.grant };
}

function auditOf(action: string, grantId: string) {
  return t.db
    .selectFrom('audit_events')
    .select(['actor_user_id', 'actor_label', 'summary'])
    .where('action', '=', action)
    .where('target_id', '=', grantId)
    .execute();
}

async function runJob(name: string) {
  await sql`select graphile_worker.add_job(${name}, '{}'::json)`.execute(t.db);
  await t.runJobs();
}

describe('grants', () => {
  it('makes one grant of two concurrent approvals: one 200, one 409, one row', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss');
    const responses = await Promise.all(
      [reviewer, reviewer2].map((who) => t.call('POST', `/api/v1/requests/${request.id}/approve`, { as: who.token, body: {} })),
    );
    assert.deepEqual(responses.map((response) => response.status).sort(), [200, 409]);
    const conflict = responses.find((response) => response.status === 409);
    assert.equal(conflict?.body.error.code, 'ERR_CONFLICT');
    const rows = await t.db.selectFrom('grants').select('id').where('request_id', '=', request.id).execute();
    assert.equal(rows.length, 1);
    // The database itself refuses a second grant for the request, whatever the code above it does.
    await assert.rejects(
      t.db
        .insertInto('grants')
        .values({
          program_id: request.program.id,
          project_id: request.project.id,
          request_id: request.id,
          monthly_credit_cents: 1,
          max_servers: 1,
          starts_on: inFuture(0),
          ends_on: inFuture(9),
        })
        .execute(),
      (error: { code?: string }) => error.code === '23505',
    );
    assert.equal(
      (
        await t.db
          .selectFrom('audit_events')
          .select('id')
          .where('action', '=', 'grant.created')
          .where('target_id', '=', rows[0]?.id ?? '')
          .execute()
      ).length,
      1,
    );
  });

  it('shows members their projects’ grants, staff all of them, and others nothing', async () => {
    const owner = await t.user();
    const member = await t.user();
    const stranger = await t.user();
    const { project, grant } = await granted(owner, 'oss');
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    const other = await granted(await t.user(), 'oss');

    assert.equal((await t.call('GET', `/api/v1/grants/${grant.id}`, { as: member.token })).status, 200);
    assert.equal((await t.call('GET', `/api/v1/grants/${grant.id}`, { as: stranger.token })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/grants/${other.grant.id}`, { as: owner.token })).status, 404);
    assert.deepEqual((await t.call('GET', '/api/v1/grants', { as: stranger.token })).body.items, []);
    assert.equal((await t.call('GET', `/api/v1/grants?project=${other.project.slug}`, { as: owner.token })).status, 404);
    const mine = await t.call('GET', '/api/v1/grants', { as: member.token });
    assert.deepEqual(
      mine.body.items.map((g: { id: string }) => g.id),
      [grant.id],
    );

    const byProject = await t.call('GET', `/api/v1/grants?project=${project.slug}&state=active`, { as: reviewer.token });
    assert.deepEqual(
      byProject.body.items.map((g: { id: string }) => g.id),
      [grant.id],
    );
    const all = await t.call('GET', '/api/v1/grants?program=oss&limit=1', { as: reviewer.token });
    assert.equal(all.body.items.length, 1);
    assert.ok(all.body.next_cursor);
    const next = await t.call('GET', `/api/v1/grants?program=oss&limit=1&cursor=${all.body.next_cursor}`, { as: reviewer.token });
    assert.notEqual(next.body.items[0].id, all.body.items[0].id);
    assert.equal((await t.call('GET', '/api/v1/grants?state=finished', { as: reviewer.token })).body.error.fields[0].field, 'state');

    const detail = await t.call('GET', `/api/v1/grants/${grant.id}`, { as: reviewer.token });
    assert.equal(detail.body.program_budget.budget_cents, 1_000_000_000);
    assert.ok(detail.body.program_budget.committed_cents >= detail.body.figures.committed_cents);
    assert.equal(detail.body.figures.days_left, 200);
  });

  it('refuses to end a grant with less than the program’s notice, naming the earliest date', async () => {
    const owner = await t.user();
    const { grant } = await granted(owner, 'notice');
    const end = (as: TestUser, body: Record<string, unknown>) => t.call('POST', `/api/v1/grants/${grant.id}/end`, { as: as.token, body });
    assert.equal((await end(owner, { ends_on: inFuture(60), reason: 'x' })).status, 403);
    const tooSoon = await end(reviewer, { ends_on: inFuture(10), reason: 'Budget cuts' });
    assert.equal(tooSoon.status, 409);
    assert.match(tooSoon.body.error.message, new RegExp(`earliest allowed last day is ${inFuture(30)}`));
    assert.equal(tooSoon.body.error.fields[0].field, 'ends_on');
    const longer = await end(reviewer, { ends_on: inFuture(300), reason: 'x' });
    assert.equal(longer.status, 400);
    assert.equal(longer.body.error.fields[0].field, 'ends_on');
    assert.equal((await end(reviewer, { ends_on: inFuture(40) })).body.error.fields[0].field, 'reason');

    const ended = await end(reviewer, { ends_on: inFuture(30), reason: 'Budget cuts' });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.ends_on, inFuture(30));
    assert.equal(ended.body.state, 'expiring');
    assert.equal(ended.body.end_reason, 'Budget cuts');
    const audit = await auditOf('grant.end_scheduled', grant.id);
    assert.equal(audit[0]?.summary.previous_last_day, inFuture(200));
    const told = await t.db
      .selectFrom('notifications')
      .select('title')
      .where('user_id', '=', owner.id)
      .where('kind', '=', 'grant.end_scheduled')
      .execute();
    assert.equal(told.length, 1);
  });

  it('revokes for abuse at once: admin only, with a reason, audited, and the end event handled once', async () => {
    const owner = await t.user();
    const { grant } = await granted(owner, 'oss');
    const asked = await t.call('POST', `/api/v1/grants/${grant.id}/extend`, { as: owner.token, body: { progress_report: 'More CI' } });
    assert.equal(asked.status, 201);
    const revoke = (as: TestUser, body: Record<string, unknown>) =>
      t.call('POST', `/api/v1/grants/${grant.id}/revoke`, { as: as.token, body });
    assert.equal((await revoke(reviewer, { reason: 'Mining' })).status, 403);
    const noReason = await revoke(admin, {});
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error.fields[0].field, 'reason');
    const before = await t.call('GET', '/api/v1/programs/oss/budget', { as: admin.token });

    const revoked = await revoke(admin, { reason: 'Crypto mining on CI runners' });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.state, 'revoked');
    assert.ok(revoked.body.ended_at);
    assert.equal(revoked.body.figures.committed_cents, 0);
    const audit = await auditOf('grant.revoked', grant.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_user_id, admin.id);
    assert.equal(audit[0]?.summary.reason, 'Crypto mining on CI runners');
    const after = await t.call('GET', '/api/v1/programs/oss/budget', { as: admin.token });
    assert.ok(after.body.committed_cents < before.body.committed_cents, 'a revoked grant commits nothing');
    assert.equal((await revoke(admin, { reason: 'again' })).status, 409);
    const extension = await t.call('GET', `/api/v1/requests/${asked.body.id}`, { as: owner.token });
    assert.equal(extension.body.state, 'declined', 'the open extension goes with the grant');

    await t.runJobs();
    await sql`select graphile_worker.add_job('grant_ended', json_build_object('grant_id', ${grant.id}::text))`.execute(t.db);
    await t.runJobs();
    const ended = await auditOf('grant.ended', grant.id);
    assert.equal(ended.length, 1, 'a repeated grant_ended job records once');
    assert.equal(ended[0]?.actor_label, 'system');
    assert.equal(ended[0]?.summary.state, 'revoked');
    const emails = await t.db
      .selectFrom('emails')
      .select('subject')
      .where('to_address', '=', owner.email)
      .where('subject', 'like', '%was revoked')
      .execute();
    assert.equal(emails.length, 1);
  });

  it('extends a grant through a reviewed extension request instead of making a second grant', async () => {
    const owner = await t.user();
    const member = await t.user();
    const stranger = await t.user();
    const { project, grant } = await granted(owner, 'oss');
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    const extend = (as: TestUser, body: Record<string, unknown>) =>
      t.call('POST', `/api/v1/grants/${grant.id}/extend`, { as: as.token, body });

    assert.equal((await extend(stranger, { progress_report: 'x' })).status, 404);
    assert.equal((await extend(member, { progress_report: 'x' })).status, 403);
    const empty = await extend(owner, { progress_report: ' ' });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.fields[0].field, 'progress_report');
    const shorter = await extend(owner, { progress_report: 'x', end_on: inFuture(100) });
    assert.equal(shorter.status, 400);
    assert.equal(shorter.body.error.fields[0].field, 'end_on');
    assert.equal((await extend(owner, { progress_report: 'x', review_on: inFuture(400) })).body.error.fields[0].field, 'review_on');

    const asked = await extend(owner, {
      progress_report: 'Ran 12,000 CI jobs; arm64 builds now gate every merge.',
      results_url: 'https://example.org/ci-report',
      end_on: inFuture(400),
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.kind, 'extension');
    assert.equal(asked.body.state, 'submitted');
    assert.equal(asked.body.extends_grant_id, grant.id);
    assert.equal(asked.body.end_on, inFuture(400));
    assert.match(asked.body.progress_report, /12,000 CI jobs[\s\S]*Results: https:\/\/example\.org\/ci-report/);
    assert.equal((await extend(owner, { results_url: 'https://example.org/again' })).status, 409, 'one open extension at a time');

    const queue = await t.call('GET', '/api/v1/review/queue?program=oss', { as: reviewer.token });
    assert.ok(queue.body.items.some((item: { id: string; kind: string }) => item.id === asked.body.id && item.kind === 'extension'));
    const approved = await t.call('POST', `/api/v1/requests/${asked.body.id}/approve`, { as: reviewer.token, body: {} });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.grant.id, grant.id);
    assert.equal(approved.body.grant.ends_on, inFuture(400));
    assert.equal(approved.body.grant.monthly_credit_cents, grant.monthly_credit_cents);
    assert.deepEqual(
      approved.body.grant.extensions.map((e: { id: string; state: string }) => [e.id, e.state]),
      [[asked.body.id, 'approved']],
    );
    const rows = await t.db.selectFrom('grants').select('id').where('project_id', '=', project.id).execute();
    assert.equal(rows.length, 1, 'no second grant');
    assert.equal((await auditOf('grant.extended', grant.id))[0]?.summary.previous_last_day, inFuture(200));
  });

  it('sends expiry notices once each when the job runs twice, then expires grants after their last day', async () => {
    const owner = await t.user();
    const g30 = (await granted(owner, 'expiry', { ends_on: inFuture(30) })).grant;
    const g7 = (await granted(owner, 'expiry', { ends_on: inFuture(7) })).grant;
    const g1 = (await granted(owner, 'expiry', { ends_on: inFuture(1) })).grant;
    const far = (await granted(owner, 'expiry', { ends_on: inFuture(120) })).grant;
    // Approved this close to the end, the grants start out as expiring.
    assert.equal(g7.state, 'expiring');
    await t.db.updateTable('grants').set({ state: 'active' }).where('id', 'in', [g30.id, g7.id, g1.id]).execute();

    await runJob('grants_expiry');
    await runJob('grants_expiry');

    const notices = async (id: string) =>
      (
        await t.db.selectFrom('grant_notices').select('days_before').where('grant_id', '=', id).orderBy('days_before', 'desc').execute()
      ).map((row) => row.days_before);
    assert.deepEqual(await notices(g30.id), [30]);
    assert.deepEqual(await notices(g7.id), [30, 7]);
    assert.deepEqual(await notices(g1.id), [30, 7, 1]);
    assert.deepEqual(await notices(far.id), []);
    const told = await t.db
      .selectFrom('notifications')
      .select(['link', 'title'])
      .where('user_id', '=', owner.id)
      .where('kind', '=', 'grant.expiry_notice')
      .orderBy('title')
      .execute();
    assert.equal(told.length, 3, 'one notice per grant, not one per run or per threshold');
    assert.deepEqual(told.map((n) => n.link).sort(), [`/grants/${g1.id}`, `/grants/${g30.id}`, `/grants/${g7.id}`].sort());
    const emails = await t.db
      .selectFrom('emails')
      .select('subject')
      .where('to_address', '=', owner.email)
      .where('subject', 'like', '%ends in%')
      .execute();
    assert.equal(emails.length, 3);
    const states = async () =>
      Object.fromEntries(
        (await t.db.selectFrom('grants').select(['id', 'state']).where('id', 'in', [g30.id, g7.id, g1.id, far.id]).execute()).map((row) => [
          row.id,
          row.state,
        ]),
      );
    assert.deepEqual(await states(), { [g30.id]: 'expiring', [g7.id]: 'expiring', [g1.id]: 'expiring', [far.id]: 'active' });

    // Eight days later: the 7-day and 1-day grants are past their last day; the 30-day one is 22 days out.
    const later = await t.services.grants.runExpiry(inFuture(8));
    assert.equal(later.expired >= 2, true);
    assert.deepEqual(await states(), { [g30.id]: 'expiring', [g7.id]: 'expired', [g1.id]: 'expired', [far.id]: 'active' });
    assert.deepEqual(await notices(g30.id), [30]);
    // Twenty-three days later, its 7-day notice.
    await t.services.grants.runExpiry(inFuture(23));
    assert.deepEqual(await notices(g30.id), [30, 7]);
    await t.runJobs();
    assert.equal((await auditOf('grant.ended', g7.id)).length, 1);
    assert.equal((await auditOf('grant.expired', g7.id))[0]?.actor_label, 'system');
    const expired = await t.call('GET', `/api/v1/grants/${g7.id}`, { as: owner.token });
    assert.match(expired.body.end_reason, new RegExp(`last day, ${inFuture(7)}, has passed`));
  });
});
