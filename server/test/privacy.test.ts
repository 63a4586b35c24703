import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const NOBODY = '00000000-0000-4000-8000-000000000000';

/** Every project route, with a body that would pass validation, for the project given. */
function projectRoutes(project: string, userId: string, invitationId = NOBODY) {
  return [
    ['GET', `/api/v1/projects/${project}`, undefined],
    ['PATCH', `/api/v1/projects/${project}`, { name: 'Taken over' }],
    ['DELETE', `/api/v1/projects/${project}`, undefined],
    ['GET', `/api/v1/projects/${project}/members`, undefined],
    ['PATCH', `/api/v1/projects/${project}/members/${userId}`, { role: 'member' }],
    ['DELETE', `/api/v1/projects/${project}/members/${userId}`, undefined],
    ['POST', `/api/v1/projects/${project}/transfer`, { user_id: userId }],
    ['GET', `/api/v1/projects/${project}/invitations`, undefined],
    ['POST', `/api/v1/projects/${project}/invitations`, { email: 'invitee@example.org' }],
    ['DELETE', `/api/v1/projects/${project}/invitations/${invitationId}`, undefined],
    ['GET', `/api/v1/projects/${project}/audit`, undefined],
  ] as const;
}

async function projectState(id: string) {
  const project = await t.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  const members = await t.db
    .selectFrom('project_members')
    .select(['user_id', 'role'])
    .where('project_id', '=', id)
    .orderBy('user_id')
    .execute();
  const invitations = await t.db.selectFrom('invitations').select(['id', 'state']).where('project_id', '=', id).orderBy('id').execute();
  return { project, members, invitations };
}

async function withMember(project: { id: string }) {
  const member = await t.user();
  await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
  return member;
}

describe('another project’s data', () => {
  it('answers 404 on every project route, exactly as for a project that does not exist', async () => {
    const owner = await t.user();
    const outsider = await t.user();
    const project = await t.project(owner);
    const invitation = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, {
      as: owner.token,
      body: { email: 'someone@example.org' },
    });
    const before = await projectState(project.id);
    for (const key of [project.id, project.slug]) {
      const real = projectRoutes(key, owner.id, invitation.body.invitation.id);
      const missing = projectRoutes(key === project.id ? NOBODY : 'no-such-project', owner.id, invitation.body.invitation.id);
      for (const [index, [method, url, body]] of real.entries()) {
        const response = await t.call(method, url, { as: outsider.token, body });
        const [, missingUrl, missingBody] = missing[index] as (typeof missing)[number];
        const absent = await t.call(method, missingUrl, { as: outsider.token, body: missingBody });
        assert.equal(response.status, 404, `${method} ${url}: ${JSON.stringify(response.body)}`);
        assert.deepEqual(response.body, absent.body, `${method} ${url}`);
        assert.deepEqual(response.body, { error: { code: 'ERR_NOT_FOUND', message: 'Project not found.' } });
      }
    }
    assert.deepEqual(await projectState(project.id), before);
  });

  it('is left out of the caller’s project list', async () => {
    const owner = await t.user();
    const outsider = await t.user();
    const project = await t.project(owner);
    const mine = await t.project(outsider);
    const list = await t.call('GET', '/api/v1/projects?limit=200', { as: outsider.token });
    assert.deepEqual(
      list.body.items.map((item: { id: string }) => item.id),
      [mine.id],
    );
    assert.ok(!JSON.stringify(list.body).includes(project.slug));
    const search = await t.call('GET', `/api/v1/projects?q=${encodeURIComponent(project.name)}`, { as: outsider.token });
    assert.deepEqual(search.body.items, []);
  });

  it('does not let a non-member see every project', async () => {
    const user = await t.user();
    const response = await t.call('GET', '/api/v1/projects?scope=all', { as: user.token });
    assert.equal(response.status, 403);
  });
});

describe('members and owners', () => {
  it('lets a member read the project and its members', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const member = await withMember(project);
    const read = await t.call('GET', `/api/v1/projects/${project.slug}`, { as: member.token });
    assert.equal(read.status, 200);
    assert.equal(read.body.my_role, 'member');
    assert.equal(read.body.member_count, 2);
    const members = await t.call('GET', `/api/v1/projects/${project.id}/members`, { as: member.token });
    assert.deepEqual(
      members.body.items.map((item: { user: { id: string }; role: string }) => [item.user.id, item.role]).sort(),
      [
        [member.id, 'member'],
        [owner.id, 'owner'],
      ].sort(),
    );
  });

  it('answers 403 to a member on owner-only actions, and changes nothing', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const member = await withMember(project);
    const invitation = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, {
      as: owner.token,
      body: { email: 'x@example.org' },
    });
    const before = await projectState(project.id);
    const ownerOnly = projectRoutes(project.id, owner.id, invitation.body.invitation.id).filter(
      ([method, url]) => !(method === 'GET' && (url.endsWith(project.id) || url.endsWith('/members'))),
    );
    assert.equal(ownerOnly.length, 9);
    for (const [method, url, body] of ownerOnly) {
      const response = await t.call(method, url, { as: member.token, body });
      assert.equal(response.status, 403, `${method} ${url}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'ERR_FORBIDDEN');
    }
    assert.deepEqual(await projectState(project.id), before);
  });

  it('lets owners do the owner-only actions', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const updated = await t.call('PATCH', `/api/v1/projects/${project.id}`, { as: owner.token, body: { name: 'Renamed' } });
    assert.equal(updated.status, 200);
    assert.equal((await t.call('GET', `/api/v1/projects/${project.id}/audit`, { as: owner.token })).status, 200);
    assert.equal((await t.call('GET', `/api/v1/projects/${project.id}/invitations`, { as: owner.token })).status, 200);
  });
});

describe('program staff', () => {
  it('can read every project, its members and list them all, without being a member', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    for (const roles of [['reviewer'], ['operator'], ['admin']] as const) {
      const staff = await t.user({ roles: [...roles] });
      const read = await t.call('GET', `/api/v1/projects/${project.slug}`, { as: staff.token });
      assert.equal(read.status, 200, roles[0]);
      assert.equal(read.body.my_role, null);
      assert.equal((await t.call('GET', `/api/v1/projects/${project.id}/members`, { as: staff.token })).status, 200);
      const all = await t.call('GET', '/api/v1/projects?scope=all&limit=200', { as: staff.token });
      assert.ok(all.body.items.some((item: { id: string }) => item.id === project.id));
    }
  });

  it('cannot change a project unless an admin', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const reviewer = await t.user({ roles: ['reviewer', 'operator'] });
    const denied = await t.call('PATCH', `/api/v1/projects/${project.id}`, { as: reviewer.token, body: { name: 'Reviewed' } });
    assert.equal(denied.status, 403);
    const admin = await t.user({ roles: ['admin'] });
    const allowed = await t.call('PATCH', `/api/v1/projects/${project.id}`, { as: admin.token, body: { name: 'Fixed by admin' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.name, 'Fixed by admin');
  });
});

describe('public pages', () => {
  it('show only the fields the project chose', async () => {
    const owner = await t.user();
    const project = await t.project(owner, {
      description: 'We build **things**.',
      website: 'https://example.org',
      foundation: 'CNCF',
      is_public: true,
      public_fields: ['repository'],
    });
    const page = await t.call('GET', `/api/v1/public/projects/${project.slug}`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.body, {
      slug: project.slug,
      name: project.name,
      description_html: null,
      repository: project.repository,
      license: null,
      website: null,
      foundation: null,
      members: null,
    });
  });

  it('show members by name only when chosen, never their email', async () => {
    const owner = await t.user({ githubLogin: `octo-${Date.now()}` });
    const project = await t.project(owner, {
      description: 'Hello',
      website: 'https://example.org',
      foundation: 'OpenSSF',
      is_public: true,
      public_fields: ['description', 'license', 'website', 'foundation', 'members'],
    });
    const page = await t.call('GET', `/api/v1/public/projects/${project.id}`);
    assert.equal(page.status, 200);
    assert.equal(page.body.description_html, '<p>Hello</p>\n');
    assert.equal(page.body.license.expression, 'Apache-2.0');
    assert.equal(page.body.website, 'https://example.org');
    assert.equal(page.body.foundation, 'OpenSSF');
    assert.equal(page.body.repository, null);
    assert.deepEqual(page.body.members, [{ name: owner.name, github_login: (await userRow(owner)).github_login, role: 'owner' }]);
    assert.ok(!JSON.stringify(page.body).includes(owner.email));
  });

  it('answer 404 for a private project, as for one that does not exist', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { is_public: false });
    const hidden = await t.call('GET', `/api/v1/public/projects/${project.slug}`);
    const missing = await t.call('GET', '/api/v1/public/projects/no-such-project');
    assert.equal(hidden.status, 404);
    assert.deepEqual(hidden.body, missing.body);
    assert.equal((await t.call('GET', `/api/v1/public/projects/${project.id}`)).status, 404);
  });

  it('list public projects only, to anyone', async () => {
    const owner = await t.user();
    const shown = await t.project(owner, { is_public: true });
    const hidden = await t.project(owner);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { slug: string }[]; next_cursor: string | null } } = await t.call(
        'GET',
        `/api/v1/public/projects?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(page.status, 200);
      ids.push(...page.body.items.map((item) => item.slug));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.ok(ids.includes(shown.slug));
    assert.ok(!ids.includes(hidden.slug));
    const publicCount = await t.db.selectFrom('projects').select('id').where('is_public', '=', true).execute();
    assert.equal(ids.length, publicCount.length);
  });

  it('stay public when an unrelated field is edited', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { is_public: true, description: 'Kept' });
    const updated = await t.call('PATCH', `/api/v1/projects/${project.id}`, { as: owner.token, body: { name: 'New name' } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.is_public, true);
    assert.equal(updated.body.description, 'Kept');
    assert.equal((await t.call('GET', `/api/v1/public/projects/${project.slug}`)).status, 200);
  });

  it('go away when the project turns private', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { is_public: true });
    await t.call('PATCH', `/api/v1/projects/${project.id}`, { as: owner.token, body: { is_public: false } });
    assert.equal((await t.call('GET', `/api/v1/public/projects/${project.slug}`)).status, 404);
  });
});

async function userRow(user: TestUser) {
  return t.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
}
