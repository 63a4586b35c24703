import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, eventually, otherConnection, type TestUser } from './harness.ts';

// Pages of GET /api/v1/projects are cached in the process (decision 0007, second revision). Every
// change to what a page shows must reach them: through this process's API at once (the next
// request sees it), and straight in the database from another connection shortly after (migration
// 0063's notifications).
const t = await createTestApp({ hasCaches: true });
const pages = t.services.projects.pages;
const other = await otherConnection(t);

type Item = { id: string; name: string; my_role: string | null; member_count: number };

async function list(user: TestUser, query = ''): Promise<{ items: Item[]; next_cursor: string | null }> {
  const response = await t.call('GET', `/api/v1/projects${query}`, { as: user.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

const names = async (user: TestUser, query = '') => (await list(user, query)).items.map((item) => item.name);

describe('projects pages cached in the process', async () => {
  await eventually('the LISTEN connection is up', async () => t.services.listener.isListening);

  it('sends a page again from the cache, and keeps callers apart', async () => {
    const owner = await t.user();
    const stranger = await t.user();
    await t.project(owner, { name: 'Cached one' });
    const first = await list(owner);
    const size = pages.size;
    const again = await list(owner);
    assert.deepEqual(again, first);
    assert.equal(pages.size, size, 'the second request was answered from the cache');
    assert.deepEqual(await names(stranger), []);
    assert.equal(pages.size, size + 1, 'another caller has a page of their own');
  });

  it('shows writes made through the API on the very next request', async () => {
    const owner = await t.user();
    const member = await t.user();
    const project = await t.project(owner, { name: 'Before' });
    assert.deepEqual(await names(owner), ['Before']);
    assert.deepEqual(await names(member), []);

    assert.equal((await t.call('PATCH', `/api/v1/projects/${project.id}`, { as: owner.token, body: { name: 'After' } })).status, 200);
    assert.deepEqual(await names(owner), ['After']);

    const invited = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: member.email } });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const accepted = await t.call('POST', `/api/v1/invitations/${invited.body.invitation.id}/accept`, { as: member.token });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const seen = await list(member);
    assert.deepEqual(
      seen.items.map((item) => [item.name, item.my_role, item.member_count]),
      [['After', 'member', 2]],
    );
    assert.equal((await list(owner)).items[0]?.member_count, 2);

    const second = await t.call('POST', '/api/v1/projects', {
      as: owner.token,
      body: { name: 'Second', repository_url: 'https://github.com/example/second', license: 'MIT' },
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.deepEqual(await names(owner), ['Second', 'After']);

    assert.equal((await t.call('DELETE', `/api/v1/projects/${project.id}/members/${member.id}`, { as: owner.token })).status, 204);
    assert.deepEqual(await names(member), []);
  });

  it('shows changes made by SQL from another connection once PostgreSQL announces them', async () => {
    const owner = await t.user();
    const member = await t.user();
    const project = await t.project(owner, { name: 'Outside' });
    assert.deepEqual(await names(owner), ['Outside']);
    assert.deepEqual(await names(member), []);

    await other.query('update projects set name = $2 where id = $1', [project.id, 'Renamed by SQL']);
    await eventually('the renamed project is listed', async () => (await names(owner))[0] === 'Renamed by SQL');

    await other.query(`insert into project_members (project_id, user_id, role) values ($1, $2, 'member')`, [project.id, member.id]);
    await eventually('the new member sees the project', async () => (await names(member)).length === 1);
    await eventually('the owner sees two members', async () => (await list(owner)).items[0]?.member_count === 2);

    await other.query('delete from projects where id = $1', [project.id]);
    await eventually('the deleted project is gone', async () => (await names(owner)).length === 0);
    assert.deepEqual(await names(member), []);
  });

  it('keeps nothing while the LISTEN connection is down, and starts empty when it is back', async () => {
    const owner = await t.user();
    await t.project(owner, { name: 'Through an outage' });
    await list(owner);
    assert.ok(pages.size > 0);
    await other.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %'`,
    );
    await eventually('the cache is emptied', async () => pages.size === 0 && !t.services.listener.isListening);
    // Still answered, from PostgreSQL.
    assert.deepEqual(await names(owner), ['Through an outage']);
    assert.equal(pages.size, 0);
    await eventually('LISTEN holds again', async () => t.services.listener.isListening);
    await list(owner);
    assert.equal(pages.size, 1);
  });
});
