import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'], name: 'Rita Reviewer' });
const reviewer2 = await t.user({ roles: ['reviewer'] });

const today = () => new Date().toISOString().slice(0, 10);
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
// c3.small.x86 costs 75 cents an hour: 75 × 730 h × 2 servers a month.
const line = { plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' };
const LINE_MONTHLY_CENTS = 75 * 730 * 2;

async function program(slug: string, policy: Record<string, unknown> = {}, budget = 100_000_000) {
  const response = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: budget, policy },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function submit(owner: TestUser, programSlug: string, overrides: Record<string, unknown> = {}) {
  const project = await t.project(owner);
  const response = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program: programSlug,
      project: project.slug,
      purpose: 'ci_cd',
      description: 'Run CI for arm and x86',
      resources: [line],
      end_on: inFuture(180),
      ...overrides,
    },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { project, request: response.body };
}

const approve = (as: TestUser, id: string, body: Record<string, unknown> = {}) =>
  t.call('POST', `/api/v1/requests/${id}/approve`, { as: as.token, body });

await program('oss');
await program('two', { approvals_required: 2 });
await program('broke', {}, 0);
await program('auto', { auto_approval: { is_enabled: true, max_monthly_estimate_cents: 200_000, purposes: ['ci_cd'] } });
await program('slow', { review_target_days: 1 });

describe('review', () => {
  it('takes a request from submission through comments and votes to a grant the owner sees', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss', { end_on: inFuture(90) });

    const comment = await t.call('POST', `/api/v1/requests/${request.id}/comments`, {
      as: reviewer.token,
      body: { body: 'Which **CI system** do you use? <script>alert(1)</script>' },
    });
    assert.equal(comment.status, 201, JSON.stringify(comment.body));
    assert.match(comment.body.body_html, /<strong>CI system<\/strong>/);
    assert.doesNotMatch(comment.body.body_html, /<script/);
    assert.equal(comment.body.author.name, 'Rita Reviewer');
    const reply = await t.call('POST', `/api/v1/requests/${request.id}/comments`, {
      as: owner.token,
      body: { body: 'GitHub Actions runners.' },
    });
    assert.equal(reply.status, 201);

    const vote = await t.call('POST', `/api/v1/requests/${request.id}/votes`, {
      as: reviewer.token,
      body: { vote: 1, scores: { impact: 5, need: 4 }, note: 'Widely used' },
    });
    assert.equal(vote.status, 200, JSON.stringify(vote.body));
    assert.deepEqual(vote.body.tally, { up: 1, down: 0, approvals_required: 1, meets_vote_rule: true });
    assert.deepEqual(vote.body.items[0].scores, { impact: 5, need: 4 });

    const queue = await t.call('GET', '/api/v1/review/queue?program=oss', { as: reviewer.token });
    assert.equal(queue.status, 200);
    const item = queue.body.items.find((entry: { id: string }) => entry.id === request.id);
    assert.equal(item.state, 'submitted');
    assert.equal(item.is_overdue, false);
    assert.equal(typeof item.waiting_days, 'number');
    assert.equal(item.votes.up, 1);

    const started = await t.call('POST', `/api/v1/requests/${request.id}/review`, { as: reviewer.token });
    assert.equal(started.body.state, 'in_review');

    const approved = await approve(reviewer, request.id, { max_servers: 1, note: 'Welcome aboard' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.request.state, 'approved');
    assert.equal(approved.body.request.decision_reason, 'Welcome aboard');
    const grant = approved.body.grant;
    assert.deepEqual(
      {
        monthly_credit_cents: grant.monthly_credit_cents,
        max_servers: grant.max_servers,
        allowed_plans: grant.allowed_plans,
        allowed_metros: grant.allowed_metros,
        starts_on: grant.starts_on,
        ends_on: grant.ends_on,
        review_on: grant.review_on,
        state: grant.state,
      },
      {
        monthly_credit_cents: LINE_MONTHLY_CENTS,
        max_servers: 1,
        allowed_plans: ['c3.small.x86'],
        allowed_metros: ['da'],
        starts_on: today(),
        ends_on: inFuture(90),
        review_on: null,
        state: 'active',
      },
    );

    const seen = await t.call('GET', `/api/v1/grants/${grant.id}`, { as: owner.token });
    assert.equal(seen.status, 200);
    assert.equal(seen.body.max_servers, 1);
    assert.equal(seen.body.request.number, request.number);
    assert.equal(seen.body.program_budget, null, 'the budget is for staff');
    assert.ok(seen.body.figures.committed_cents > 0);
    const list = await t.call('GET', '/api/v1/grants', { as: owner.token });
    assert.deepEqual(
      list.body.items.map((g: { id: string }) => g.id),
      [grant.id],
    );
    const detail = await t.call('GET', `/api/v1/requests/${request.id}`, { as: owner.token });
    assert.equal(detail.body.grant_id, grant.id);
    assert.deepEqual(
      detail.body.timeline.map((event: { to_state: string }) => event.to_state),
      ['draft', 'submitted', 'in_review', 'approved'],
    );
    const notice = await t.db
      .selectFrom('notifications')
      .select(['kind', 'title'])
      .where('user_id', '=', owner.id)
      .where('kind', '=', 'grant.created')
      .execute();
    assert.equal(notice.length, 1);
    assert.match(notice[0]?.title ?? '', new RegExp(`#${request.number} approved`));
  });

  it('prefills ongoing terms from the request: the wished start and the review date', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss', {
      purpose: 'hosting',
      duration: 'ongoing',
      end_on: null,
      review_on: inFuture(300),
      start_on: inFuture(10),
      resources: [line, { ...line, metro: 'am', quantity: 3 }],
    });
    const evidence = await t.call('GET', `/api/v1/requests/${request.id}/evidence`, { as: reviewer.token });
    assert.equal(evidence.status, 200, JSON.stringify(evidence.body));
    assert.deepEqual(evidence.body.proposed_terms, {
      monthly_credit_cents: (LINE_MONTHLY_CENTS * 5) / 2,
      max_servers: 5,
      allowed_plans: ['c3.small.x86'],
      allowed_metros: ['da', 'am'],
      starts_on: inFuture(10),
      ends_on: null,
      review_on: inFuture(300),
    });
    assert.equal(evidence.body.needs_override, false);
    assert.equal(evidence.body.budget.budget_cents, 100_000_000);
    assert.equal(evidence.body.remaining_after_cents, evidence.body.budget.remaining_cents - evidence.body.needed_cents);
    const approved = await approve(reviewer, request.id);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.grant.ends_on, null);
    assert.equal(approved.body.grant.review_on, inFuture(300));
    assert.equal(approved.body.grant.last_day, inFuture(300));
  });

  it('refuses terms naming unknown plans and metros, or dates out of order, and writes nothing', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss');
    const response = await approve(reviewer, request.id, {
      allowed_plans: ['c3.small.x86', 'z9.huge'],
      allowed_metros: ['xx'],
      starts_on: inFuture(20),
      ends_on: inFuture(10),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(
      response.body.error.fields.map((f: { field: string }) => f.field),
      ['ends_on', 'allowed_plans[1]', 'allowed_metros[0]'],
    );
    const row = await t.db.selectFrom('requests').select('state').where('id', '=', request.id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'submitted');
    assert.equal((await t.db.selectFrom('grants').select('id').where('request_id', '=', request.id).execute()).length, 0);
  });

  it('hides staff-only comments from the applicant, and only staff may write them', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss');
    await t.call('POST', `/api/v1/requests/${request.id}/comments`, { as: reviewer.token, body: { body: 'Looks fine to me.' } });
    const note = await t.call('POST', `/api/v1/requests/${request.id}/comments`, {
      as: reviewer.token,
      body: { body: 'Their last grant sat idle.', is_staff_only: true },
    });
    assert.equal(note.status, 201);
    const asOwner = await t.call('GET', `/api/v1/requests/${request.id}/comments`, { as: owner.token });
    assert.deepEqual(
      asOwner.body.items.map((c: { body: string }) => c.body),
      ['Looks fine to me.'],
    );
    const asStaff = await t.call('GET', `/api/v1/requests/${request.id}/comments`, { as: reviewer2.token });
    assert.deepEqual(
      asStaff.body.items.map((c: { body: string; is_staff_only: boolean }) => [c.body, c.is_staff_only]),
      [
        ['Looks fine to me.', false],
        ['Their last grant sat idle.', true],
      ],
    );
    const sneaky = await t.call('POST', `/api/v1/requests/${request.id}/comments`, {
      as: owner.token,
      body: { body: 'psst', is_staff_only: true },
    });
    assert.equal(sneaky.status, 400);
    assert.equal(sneaky.body.error.fields[0].field, 'is_staff_only');
    const empty = await t.call('POST', `/api/v1/requests/${request.id}/comments`, { as: owner.token, body: { body: '  ' } });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.fields[0].field, 'body');
    // The public comment told the owner; the staff note told nobody.
    const told = await t.db
      .selectFrom('notifications')
      .select('body')
      .where('user_id', '=', owner.id)
      .where('kind', '=', 'request.commented')
      .execute();
    assert.equal(told.length, 1);
    assert.doesNotMatch(told[0]?.body ?? '', /idle/);
  });

  it('declines with a template and a reason; refuses a decline with neither', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss');
    const templates = await t.call('GET', '/api/v1/review/decline-templates', { as: reviewer.token });
    assert.ok(templates.body.items.some((template: { id: string }) => template.id === 'out_of_scope'));
    const bare = await t.call('POST', `/api/v1/requests/${request.id}/decline`, { as: reviewer.token, body: {} });
    assert.equal(bare.status, 400);
    assert.equal(bare.body.error.fields[0].field, 'reason');
    const unknown = await t.call('POST', `/api/v1/requests/${request.id}/decline`, { as: reviewer.token, body: { template: 'nope' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.fields[0].field, 'template');
    const declined = await t.call('POST', `/api/v1/requests/${request.id}/decline`, {
      as: reviewer.token,
      body: { template: 'out_of_scope', reason: 'Crypto mining is not CI.' },
    });
    assert.equal(declined.status, 200, JSON.stringify(declined.body));
    assert.equal(declined.body.state, 'declined');
    assert.match(declined.body.decision_reason, /outside what this program supports/);
    assert.match(declined.body.decision_reason, /Crypto mining is not CI\./);
    const asOwner = await t.call('GET', `/api/v1/requests/${request.id}`, { as: owner.token });
    assert.equal(asOwner.body.decision_reason, declined.body.decision_reason);
    assert.equal((await approve(reviewer, request.id)).status, 409);
    const emails = await t.db.selectFrom('emails').select('subject').where('to_address', '=', owner.email).execute();
    assert.ok(emails.some((email) => email.subject.startsWith(`Request #${request.number} declined`)));
  });

  it('asks for changes; the owner edits and submits again', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'oss');
    const noReason = await t.call('POST', `/api/v1/requests/${request.id}/request-changes`, { as: reviewer.token, body: {} });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error.fields[0].field, 'reason');
    const asked = await t.call('POST', `/api/v1/requests/${request.id}/request-changes`, {
      as: reviewer.token,
      body: { reason: 'Two servers are enough; say which OS images you need.' },
    });
    assert.equal(asked.status, 200);
    assert.equal(asked.body.state, 'changes_requested');
    const edited = await t.call('PATCH', `/api/v1/requests/${request.id}`, {
      as: owner.token,
      body: { description: 'CI on Ubuntu 22.04 images only', resources: [{ ...line, quantity: 1 }] },
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.monthly_estimate_cents, LINE_MONTHLY_CENTS / 2);
    const again = await t.call('POST', `/api/v1/requests/${request.id}/submit`, { as: owner.token });
    assert.equal(again.body.state, 'submitted');
    assert.deepEqual(
      again.body.timeline.map((event: { to_state: string; note: string | null }) => [event.to_state, event.note]),
      [
        ['draft', null],
        ['submitted', null],
        ['changes_requested', 'Two servers are enough; say which OS images you need.'],
        ['submitted', null],
      ],
    );
    const approved = await approve(reviewer, request.id);
    assert.equal(approved.body.grant.monthly_credit_cents, LINE_MONTHLY_CENTS / 2);
    assert.equal(approved.body.grant.max_servers, 1);
  });

  it('applies the two-vote rule: two +1 from different reviewers and no −1, and a re-vote replaces the first', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'two');
    const none = await approve(reviewer, request.id);
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, 'ERR_VOTES_NEEDED');
    assert.match(none.body.error.message, /has 0 of the 2 \+1 votes and 0 −1; the program’s two-vote rule needs 2 more \+1 votes/);
    await t.call('POST', `/api/v1/requests/${request.id}/votes`, { as: reviewer.token, body: { vote: 1 } });
    await t.call('POST', `/api/v1/requests/${request.id}/votes`, { as: reviewer2.token, body: { vote: -1, note: 'Too big' } });
    const split = await approve(reviewer, request.id);
    assert.equal(split.status, 409);
    assert.equal(split.body.error.code, 'ERR_VOTES_NEEDED');
    assert.match(
      split.body.error.message,
      /has 1 of the 2 \+1 votes and 1 −1; .* needs 1 more \+1 vote from another reviewer and no −1 \(it has 1\)/,
    );
    const twice = await t.call('POST', `/api/v1/requests/${request.id}/votes`, {
      as: reviewer.token,
      body: { vote: 1, scores: { value: 3 } },
    });
    assert.equal(twice.body.items.length, 2, 'voting again replaces the vote');
    const badScore = await t.call('POST', `/api/v1/requests/${request.id}/votes`, {
      as: reviewer2.token,
      body: { vote: 1, scores: { impact: 6 } },
    });
    assert.equal(badScore.status, 400);
    assert.equal(badScore.body.error.fields[0].field, 'scores.impact');
    const badCriterion = await t.call('POST', `/api/v1/requests/${request.id}/votes`, {
      as: reviewer2.token,
      body: { vote: 1, scores: { vibes: 5 } },
    });
    assert.equal(badCriterion.status, 400);
    const changed = await t.call('POST', `/api/v1/requests/${request.id}/votes`, { as: reviewer2.token, body: { vote: 1 } });
    assert.deepEqual(changed.body.tally, { up: 2, down: 0, approvals_required: 2, meets_vote_rule: true });
    const approved = await approve(reviewer2, request.id);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const late = await t.call('POST', `/api/v1/requests/${request.id}/votes`, { as: reviewer.token, body: { vote: -1 } });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'ERR_CONFLICT', 'a decided request is a conflict, not a missing vote');
  });

  it('approves beyond the budget only for an admin with a reason, and audits the override', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'broke');
    const byReviewer = await approve(reviewer, request.id, { override_reason: 'I think it is fine' });
    assert.equal(byReviewer.status, 409);
    assert.equal(byReviewer.body.error.code, 'ERR_OVER_BUDGET');
    const [, needed, over] =
      /needs \$[\d,.]+ \((\d+) cents\) but the program has \$0\.00 \(0 cents\) left this fiscal year: \$[\d,.]+ \((\d+) cents\) over the budget/.exec(
        byReviewer.body.error.message,
      ) ?? [];
    assert.ok(Number(needed) > 0, byReviewer.body.error.message);
    assert.equal(over, needed, 'with nothing left, the whole need is over');
    assert.match(byReviewer.body.error.message, /only an admin/);
    assert.equal(byReviewer.body.error.fields[0].field, 'override_reason');
    const noReason = await approve(admin, request.id);
    assert.equal(noReason.status, 409);
    assert.equal(noReason.body.error.code, 'ERR_OVER_BUDGET');
    assert.match(noReason.body.error.message, /give override_reason/);
    const overridden = await approve(admin, request.id, { override_reason: 'Kernel CI: our products depend on it' });
    assert.equal(overridden.status, 200, JSON.stringify(overridden.body));
    assert.equal(overridden.body.grant.override_reason, 'Kernel CI: our products depend on it');
    const budget = await t.call('GET', '/api/v1/programs/broke/budget', { as: admin.token });
    assert.ok(budget.body.remaining_cents < 0);
    assert.equal(budget.body.committed_cents + budget.body.spent_cents + budget.body.remaining_cents, 0);
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'summary'])
      .where('action', '=', 'grant.budget_override')
      .where('target_id', '=', overridden.body.grant.id)
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_user_id, admin.id);
    assert.equal(audit[0]?.summary.reason, 'Kernel CI: our products depend on it');
    assert.equal(audit[0]?.summary.remaining_cents, 0);
    assert.equal(audit[0]?.summary.needed_cents, -budget.body.remaining_cents);
    const asOwner = await t.call('GET', `/api/v1/grants/${overridden.body.grant.id}`, { as: owner.token });
    assert.equal(asOwner.body.override_reason, null, 'the override reason is for staff');
  });

  it('approves automatically when every rule holds, audited as the system, and says why', async () => {
    const owner = await t.user();
    const { request } = await submit(owner, 'auto');
    assert.equal(request.state, 'approved');
    assert.ok(request.grant_id);
    const last = request.timeline.at(-1);
    assert.equal(last.to_state, 'approved');
    assert.equal(last.actor, 'system');
    assert.match(last.note, /Approved automatically/);
    assert.match(last.note, /\$1,095\.00 a month, is within the \$2,000\.00 limit/);
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'actor_label'])
      .where('action', '=', 'request.approved')
      .where('target_id', '=', request.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(audit, { actor_user_id: null, actor_label: 'system' });
    const grant = await t.db
      .selectFrom('grants')
      .select(['monthly_credit_cents', 'max_servers'])
      .where('request_id', '=', request.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(grant, { monthly_credit_cents: String(LINE_MONTHLY_CENTS), max_servers: 2 });
  });

  it('leaves a request for people when auto-approval is off or a rule fails', async () => {
    const owner = await t.user();
    const off = await submit(owner, 'oss');
    assert.equal(off.request.state, 'submitted', 'auto-approval off');
    const tooCostly = await submit(owner, 'auto', { resources: [{ ...line, quantity: 4 }] });
    assert.equal(tooCostly.request.state, 'submitted', 'estimate over the limit');
    const purpose = await submit(owner, 'auto', { purpose: 'benchmarking' });
    assert.equal(purpose.request.state, 'submitted', 'purpose not allowed');
    // A decline in the last 180 days costs the project its good standing.
    const declined = await t.call('POST', `/api/v1/requests/${purpose.request.id}/decline`, {
      as: reviewer.token,
      body: { template: 'out_of_scope' },
    });
    assert.equal(declined.status, 200);
    const again = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'auto',
        project: purpose.project.slug,
        purpose: 'ci_cd',
        description: 'CI',
        resources: [line],
        end_on: inFuture(60),
      },
    });
    assert.equal(again.body.state, 'submitted', 'not in good standing');
    const count = await t.db
      .selectFrom('grants')
      .select('id')
      .where('request_id', 'in', [off.request.id, tooCostly.request.id, again.body.id])
      .execute();
    assert.equal(count.length, 0);
  });

  it('answers 404 for another project’s request and keeps non-reviewers and members out of decisions', async () => {
    const owner = await t.user();
    const stranger = await t.user();
    const { project, request } = await submit(owner, 'oss');
    assert.equal((await t.call('GET', `/api/v1/requests/${request.id}/comments`, { as: stranger.token })).status, 404);
    assert.equal(
      (await t.call('POST', `/api/v1/requests/${request.id}/comments`, { as: stranger.token, body: { body: 'hi' } })).status,
      404,
    );
    assert.equal((await t.call('POST', `/api/v1/requests/${request.id}/votes`, { as: stranger.token, body: { vote: 1 } })).status, 403);
    assert.equal((await approve(owner, request.id)).status, 403);
    assert.equal((await t.call('GET', '/api/v1/review/queue', { as: owner.token })).status, 403);
    assert.equal((await t.call('GET', `/api/v1/requests/${request.id}/evidence`, { as: owner.token })).status, 403);
    // A reviewer who is a member of the project does not decide on it.
    const insider = await t.user({ roles: ['reviewer'] });
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: insider.id, role: 'member' }).execute();
    const own = await t.call('POST', `/api/v1/requests/${request.id}/votes`, { as: insider.token, body: { vote: 1 } });
    assert.equal(own.status, 403);
    assert.equal((await approve(insider, request.id)).status, 403);
    assert.equal(
      (await t.call('POST', '/api/v1/requests/00000000-0000-4000-8000-000000000000/approve', { as: reviewer.token, body: {} })).status,
      404,
    );
  });

  it('flags requests past the review target and tells the program’s staff once, however often the job runs', async () => {
    const lead = await t.user({ roles: ['reviewer'] });
    assert.equal((await t.call('PUT', '/api/v1/programs/slow/staff', { as: admin.token, body: { user_id: lead.id } })).status, 200);
    const owner = await t.user();
    const { request } = await submit(owner, 'slow');
    const fresh = await t.call('GET', '/api/v1/review/queue?program=slow', { as: lead.token });
    assert.equal(fresh.body.items[0].is_overdue, false);
    // Three days pass.
    await t.db.updateTable('requests').set({ submitted_at: sql`now() - interval '3 days'` }).where('id', '=', request.id).execute();
    const late = await t.call('GET', '/api/v1/review/queue?program=slow', { as: lead.token });
    assert.equal(late.body.items[0].is_overdue, true);
    assert.ok(late.body.items[0].waiting_days >= 3);
    for (let run = 0; run < 2; run++) {
      await sql`select graphile_worker.add_job('review_overdue', '{}'::json)`.execute(t.db);
      await t.runJobs();
    }
    const told = await t.db
      .selectFrom('notifications')
      .select(['user_id', 'title', 'link'])
      .where('kind', '=', 'request.overdue')
      .execute();
    assert.deepEqual(told, [
      { user_id: lead.id, title: `Request #${request.number} has waited 3 days for review`, link: `/requests/${request.id}` },
    ]);
    const emails = await t.db
      .selectFrom('emails')
      .select('to_address')
      .where('subject', 'like', `Request #${request.number} has waited%`)
      .execute();
    assert.deepEqual(
      emails.map((email) => email.to_address),
      [lead.email],
    );
  });
});
