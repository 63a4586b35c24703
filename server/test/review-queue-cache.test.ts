import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, eventually, otherConnection, type TestUser } from './harness.ts';

// Review queue pages are cached in the process (decision 0013, revised). Every change to what a
// page shows must reach them: through this process's API on the very next request, and from
// another connection once PostgreSQL announces it (migrations 0063 and 0091).
const t = await createTestApp({ hasCaches: true });
const pages = t.services.review.pages;
const other = await otherConnection(t);
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const owner = await t.user();
assert.equal(
  (
    await t.call('POST', '/api/v1/programs', {
      as: admin.token,
      body: { slug: 'cached', name: 'Cached program', budget_cents_per_year: 1e9 },
    })
  ).status,
  201,
);

async function submit(as: TestUser) {
  const project = await t.project(as);
  const response = await t.call('POST', '/api/v1/requests', {
    as: as.token,
    body: {
      program: 'cached',
      project: project.slug,
      purpose: 'ci_cd',
      description: 'CI',
      resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
      submit: true,
    },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { id: response.body.id as string, projectId: project.id as string };
}

type Item = { id: string; title: string; project: { name: string } | null; votes: { up: number }; waiting_days: number };

async function queue(path = '/api/v1/review/queue?program=cached'): Promise<Item[]> {
  const response = await t.call('GET', path, { as: reviewer.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.items;
}

describe('review queue pages cached in the process', async () => {
  await eventually('the LISTEN connection is up', async () => t.services.listener.isListening);

  it('sends a page again from the cache', async () => {
    await submit(owner);
    const first = await queue();
    const size = pages.size;
    assert.ok(size > 0);
    assert.deepEqual(await queue(), first);
    assert.equal(pages.size, size, 'answered from the cache');
    await queue('/api/v1/review/queue?program=cached&min_age_days=0');
    assert.equal(pages.size, size, 'a page filtered by age is not kept');
  });

  it('shows a new request and a vote made through the API on the very next request', async () => {
    const before = await queue();
    const { id } = await submit(owner);
    const after = await queue();
    assert.equal(after.length, before.length + 1);
    assert.ok(after.some((item) => item.id === id));
    const voted = await t.call('POST', `/api/v1/requests/${id}/votes`, { as: reviewer.token, body: { vote: 1 } });
    assert.ok(voted.status < 300, JSON.stringify(voted.body));
    assert.equal((await queue()).find((item) => item.id === id)?.votes.up, 1);
  });

  it('shows changes made by SQL from another connection once PostgreSQL announces them', async () => {
    const { id, projectId } = await submit(owner);
    assert.ok((await queue()).some((item) => item.id === id));
    await other.query('update requests set title = $2 where id = $1', [id, 'Retitled by SQL']);
    await eventually('the new title is listed', async () => (await queue()).find((item) => item.id === id)?.title === 'Retitled by SQL');
    await other.query('update projects set name = $2 where id = $1', [projectId, 'Renamed by SQL']);
    await eventually(
      'the project’s new name is listed',
      async () => (await queue()).find((item) => item.id === id)?.project?.name === 'Renamed by SQL',
    );
    await other.query(`update programs set name = 'Renamed program' where slug = 'cached'`);
    await eventually('the program’s new name is listed', async () => {
      const response = await t.call('GET', '/api/v1/review/queue?program=cached', { as: reviewer.token });
      return response.body.items[0]?.program.name === 'Renamed program';
    });
  });

  it('moves waiting times on by itself', async () => {
    const { id } = await submit(owner);
    // Submitted 2.96 days ago: shown as 3.0 days now, and as 3.1 once 3.05 days have passed (in 2.16 hours).
    await t.db
      .updateTable('requests')
      .set({ submitted_at: new Date(Date.now() - 2.96 * 86_400_000) })
      .where('id', '=', id)
      .execute();
    await eventually('the update is announced', async () => (await queue()).find((item) => item.id === id)?.waiting_days === 3);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 2.2 * 3_600_000;
      assert.equal((await queue()).find((item) => item.id === id)?.waiting_days, 3.1, 'the cached page expired');
    } finally {
      Date.now = realNow;
    }
  });
});
