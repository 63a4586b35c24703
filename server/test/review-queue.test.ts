import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const reviewer2 = await t.user({ roles: ['reviewer'] });

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
// c3.small.x86 costs 75 cents an hour: 75 × 730 h a month per server.
const SERVER_MONTHLY_CENTS = 75 * 730;
const PURPOSES = ['ci_cd', 'benchmarking', 'labs'] as const;

for (const [slug, policy] of [
  ['queue-a', {}],
  ['queue-b', { approvals_required: 2, review_target_days: 30 }],
] as const) {
  const response = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: 100_000_000, policy },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
}
const programB = (await t.call('GET', '/api/v1/programs/queue-b', { as: admin.token })).body;

async function submit(owner: TestUser, program: string, quantity: number, purpose: string, isDraft = false) {
  const project = await t.project(owner);
  const response = await t.call('POST', '/api/v1/requests', {
    as: owner.token,
    body: {
      program,
      project: project.slug,
      purpose,
      description: 'Run **CI** on bare metal',
      resources: [{ plan: 'c3.small.x86', quantity, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: inFuture(180),
      submit: !isDraft,
    },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { id: string; number: number };
}

// Twelve requests over two programs, three purposes and both sources, with distinct costs, and
// waits of 0 to 11 days. Two share a submission time to the microsecond, so that paging must tell
// them apart by id; one is a draft, outside the default queue.
const owner = await t.user();
const made: { id: string; number: number }[] = [];
for (let i = 0; i < 12; i++) {
  made.push(await submit(owner, i % 2 === 0 ? 'queue-a' : 'queue-b', 1 + ((i * 5) % 12), PURPOSES[i % 3] as string));
}
for (const [i, request] of made.entries()) {
  await t.db
    .updateTable('requests')
    .set({ submitted_at: sql`date_trunc('second', now()) - make_interval(days => ${i === 1 ? 3 : i})` })
    .where('id', '=', request.id)
    .execute();
}
await t.db
  .updateTable('requests')
  .set({ source: 'github', github_issue: 4242, github_author: 'octo-author' })
  .where('id', '=', made[4]?.id as string)
  .execute();
const draft = await submit(owner, 'queue-a', 1, 'ci_cd', true);

const query = (path: string, as: TestUser = reviewer) => t.call('GET', path, { as: as.token });

/** Every page of a list, following next_cursor, `limit` at a time. */
async function allPages(path: string, limit: number) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await query(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.items.length <= limit);
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor);
  return items;
}

describe('review queue', () => {
  it('lists what the queue shows of each request, its servers counted and its votes tallied; the request has the rest', async () => {
    const target = made[3] as { id: string };
    await t.db
      .insertInto('request_resources')
      .values({
        request_id: target.id,
        position: 1,
        plan_slug: null,
        quantity: 4,
        metro_code: 'da',
        os_slug: null,
        unmatched: '4x big boxes',
      })
      .execute();
    for (const [as, vote] of [
      [reviewer, 1],
      [reviewer2, -1],
    ] as const) {
      const voted = await t.call('POST', `/api/v1/requests/${target.id}/votes`, { as: as.token, body: { vote } });
      assert.equal(voted.status, 200, JSON.stringify(voted.body));
    }

    const page = await query('/api/v1/review/queue?program=queue-b&limit=200');
    assert.equal(page.status, 200, JSON.stringify(page.body));
    const item = page.body.items.find((entry: { id: string }) => entry.id === target.id);
    const request = (await query(`/api/v1/requests/${target.id}`)).body;
    assert.deepEqual(Object.keys(item).sort(), [
      'created_at',
      'decided_at',
      'github_author',
      'github_issue',
      'id',
      'is_overdue',
      'kind',
      'monthly_estimate_cents',
      'number',
      'program',
      'project',
      'purpose',
      'server_count',
      'source',
      'state',
      'submitted_at',
      'title',
      'unmatched_lines',
      'votes',
      'waiting_days',
    ]);
    for (const field of [
      'id',
      'number',
      'title',
      'program',
      'project',
      'source',
      'github_issue',
      'github_author',
      'state',
      'kind',
      'purpose',
      'monthly_estimate_cents',
      'waiting_days',
      'is_overdue',
      'created_at',
      'submitted_at',
      'decided_at',
    ]) {
      assert.deepEqual(item[field], request[field], field);
    }
    assert.equal(item.waiting_days, 3);
    assert.equal(item.is_overdue, false, 'queue-b gives 30 days');
    // The matched line's quantity; the line that matched nothing is counted apart.
    assert.equal(item.server_count, request.resources[0].quantity);
    assert.equal(item.unmatched_lines, 1);
    assert.deepEqual(item.votes, { up: 1, down: 1, approvals_required: 2, meets_vote_rule: false });

    const github = (await query('/api/v1/review/queue?source=github')).body.items;
    assert.deepEqual(
      github.map((entry: { id: string; source: string; github_issue: number; github_author: string }) => [
        entry.id,
        entry.source,
        entry.github_issue,
        entry.github_author,
      ]),
      [[made[4]?.id, 'github', 4242, 'octo-author']],
    );
    const overdue = (await query('/api/v1/review/queue?program=queue-a&limit=200')).body.items;
    assert.deepEqual(
      overdue.filter((entry: { is_overdue: boolean }) => entry.is_overdue).map((entry: { id: string }) => entry.id),
      made
        .filter((_, i) => i % 2 === 0 && i > 5)
        .map((request) => request.id)
        .reverse(),
      'queue-a’s target is the default 5 days; the longest wait first',
    );
  });

  it('keeps the counts on the request as lines are replaced or edited, votes change and a reviewer’s votes go with them', async () => {
    const countsOf = async (id: string, state = 'draft') => {
      const items = (await query(`/api/v1/review/queue?state=${state}&limit=200`)).body.items;
      const item = items.find((entry: { id: string }) => entry.id === id);
      return { server_count: item.server_count, unmatched_lines: item.unmatched_lines, up: item.votes.up, down: item.votes.down };
    };
    assert.deepEqual(await countsOf(draft.id), { server_count: 1, unmatched_lines: 0, up: 0, down: 0 });
    const edited = await t.call('PATCH', `/api/v1/requests/${draft.id}`, {
      as: owner.token,
      body: {
        resources: [
          { plan: 'c3.small.x86', quantity: 5, metro: 'da', operating_system: 'ubuntu_22_04' },
          { plan: 'm3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' },
        ],
      },
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(await countsOf(draft.id), { server_count: 7, unmatched_lines: 0, up: 0, down: 0 });
    // A line edited in place: it no longer matches, so it leaves the count and is flagged.
    await t.db
      .updateTable('request_resources')
      .set({ plan_slug: null, unmatched: 'two big ones' })
      .where('request_id', '=', draft.id)
      .where('position', '=', 1)
      .execute();
    assert.deepEqual(await countsOf(draft.id), { server_count: 5, unmatched_lines: 1, up: 0, down: 0 });

    const voted = made[5] as { id: string };
    for (const [as, vote] of [
      [reviewer, 1],
      [reviewer2, 1],
      [reviewer2, -1],
    ] as const) {
      assert.equal((await t.call('POST', `/api/v1/requests/${voted.id}/votes`, { as: as.token, body: { vote } })).status, 200);
    }
    assert.deepEqual(await countsOf(voted.id, 'submitted'), { server_count: 2, unmatched_lines: 0, up: 1, down: 1 });
    const votes = (await query(`/api/v1/requests/${voted.id}/votes`)).body.tally;
    assert.deepEqual([votes.up, votes.down], [1, 1], 'the vote list counts the same');
    // A reviewer who leaves takes their votes with them (a cascade): the count follows.
    await t.db.deleteFrom('users').where('id', '=', reviewer2.id).execute();
    assert.deepEqual(await countsOf(voted.id, 'submitted'), { server_count: 2, unmatched_lines: 0, up: 1, down: 0 });
  });

  it('filters, sorts and pages like the request list, a page at a time, in every sort', async () => {
    const filters = [
      '',
      'program=queue-a',
      `program=${programB.id}`,
      'purpose=benchmarking',
      'source=web',
      'min_age_days=4',
      `min_cost_cents=${3 * SERVER_MONTHLY_CENTS}&max_cost_cents=${9 * SERVER_MONTHLY_CENTS}`,
      'state=submitted,draft',
      `project=${(await query(`/api/v1/requests/${made[2]?.id}`)).body.project.slug}`,
    ];
    for (const sort of ['oldest', 'newest', 'cost_desc', 'cost_asc']) {
      for (const filter of filters) {
        const path = `?sort=${sort}${filter ? `&${filter}` : ''}`;
        // The request list is every request for staff: the queue's default states are asked for by name.
        const states = filter.includes('state=') ? '' : '&state=needs_info,submitted,in_review,changes_requested';
        const expected = await allPages(`/api/v1/requests${path}${states}`, 200);
        const queued = await allPages(`/api/v1/review/queue${path}`, 2);
        assert.deepEqual(
          queued.map((item) => item.id),
          expected.map((item) => item.id),
          `${sort} ${filter}`,
        );
      }
    }

    const oldest = (await allPages('/api/v1/review/queue?program=queue-a', 1)).map((item) => item.submitted_at as string);
    assert.deepEqual(oldest, [...oldest].sort(), 'oldest submission first');
    assert.equal(oldest.length, 6, 'the draft waits outside the default queue');
    const costs = (await allPages('/api/v1/review/queue?sort=cost_desc', 3)).map((item) => item.monthly_estimate_cents as number);
    assert.deepEqual(
      costs,
      [...costs].sort((a, b) => b - a),
    );
    assert.equal(costs.length, 12);
    const withDraft = await allPages('/api/v1/review/queue?state=draft', 5);
    assert.deepEqual(
      withDraft.map((item) => item.id),
      [draft.id],
    );
  });

  it('answers 404 for an unknown program or project, 400 naming a bad cursor or state, 403 for non-staff', async () => {
    assert.equal((await query('/api/v1/review/queue?program=nowhere')).status, 404);
    assert.equal((await query('/api/v1/review/queue?program=00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await query('/api/v1/review/queue?project=nobody-has-this')).status, 404);
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = made[0]?.id;
    for (const [path, bad] of [
      ['/api/v1/review/queue?sort=cost_desc', cursor(['a lot', id])],
      ['/api/v1/review/queue', cursor(['yesterday', id])],
      ['/api/v1/review/queue', cursor(['2026-01-01T00:00:00.000Z', 'not-an-id'])],
      ['/api/v1/review/queue', 'not base64 json'],
      ['/api/v1/requests?sort=cost_asc', cursor(['a lot', id])],
      ['/api/v1/requests', cursor(['yesterday', id])],
    ]) {
      const response = await query(`${path}${path?.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(bad as string)}`);
      assert.equal(response.status, 400, `${path} ${JSON.stringify(response.body)}`);
      assert.match(response.body.error.message, /cursor/);
    }
    const state = await query('/api/v1/review/queue?state=submitted,pending');
    assert.equal(state.status, 400);
    assert.match(JSON.stringify(state.body), /state/);
    assert.equal((await query('/api/v1/review/queue', owner)).status, 403);
  });
});
