import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
let logins = 0;

function githubLogin() {
  logins++;
  return `gh-user-${logins}-${Date.now().toString(36)}`;
}

async function roles(projectId: string) {
  const rows = await t.db.selectFrom('project_members').select(['user_id', 'role']).where('project_id', '=', projectId).execute();
  return Object.fromEntries(rows.map((row) => [row.user_id, row.role]));
}

async function invite(owner: TestUser, projectId: string, body: Record<string, unknown>) {
  const response = await t.call('POST', `/api/v1/projects/${projectId}/invitations`, { as: owner.token, body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { invitation: { id: string; state: string; role: string }; accept_url: string };
}

async function invitationRow(id: string) {
  return t.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function eventsFor(targetId: string) {
  return t.db.selectFrom('audit_events').selectAll().where('target_id', '=', targetId).orderBy('id').execute();
}

/** A project with two owners. */
async function twoOwners() {
  const first = await t.user();
  const second = await t.user();
  const project = await t.project(first);
  await t.db.insertInto('project_members').values({ project_id: project.id, user_id: second.id, role: 'owner' }).execute();
  return { first, second, project };
}

describe('invitations', () => {
  it('invites by email: the invitee sees it, gets an email with the link, and joins by accepting', async () => {
    const owner = await t.user();
    const invitee = await t.user();
    const project = await t.project(owner);
    const { invitation, accept_url } = await invite(owner, project.id, { email: invitee.email.toUpperCase() });
    assert.equal(invitation.state, 'pending');
    assert.equal(invitation.role, 'member');
    const mine = await t.call('GET', '/api/v1/invitations', { as: invitee.token });
    assert.deepEqual(
      mine.body.items.map((item: { id: string; needs_verification: boolean }) => [item.id, item.needs_verification]),
      [[invitation.id, false]],
    );
    const email = await t.db.selectFrom('emails').selectAll().where('to_address', '=', invitee.email).executeTakeFirstOrThrow();
    assert.ok(email.body_text.includes(accept_url));
    assert.match(accept_url, /^http:\/\/surplus\.test\/invitations\/accept\?token=spi_/);
    const accepted = await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.state, 'accepted');
    assert.equal((await roles(project.id))[invitee.id], 'member');
    assert.equal((await invitationRow(invitation.id)).state, 'accepted');
    assert.deepEqual((await t.call('GET', '/api/v1/invitations', { as: invitee.token })).body.items, []);
  });

  it('invites by GitHub login, in any case, and the user with that login accepts', async () => {
    const owner = await t.user();
    const login = githubLogin();
    const invitee = await t.user({ githubLogin: login });
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { github_login: login.toUpperCase(), role: 'owner' });
    const mine = await t.call('GET', '/api/v1/invitations', { as: invitee.token });
    assert.deepEqual(
      mine.body.items.map((item: { id: string }) => item.id),
      [invitation.id],
    );
    // Nobody to mail: the login has no address here.
    assert.equal(
      await t.db.selectFrom('emails').select('id').where('body_text', 'like', `%${project.name}%`).executeTakeFirst(),
      undefined,
    );
    const accepted = await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token });
    assert.equal(accepted.status, 200);
    assert.equal((await roles(project.id))[invitee.id], 'owner');
  });

  it('accepts by the emailed token, whoever holds the link', async () => {
    const owner = await t.user();
    const holder = await t.user();
    const project = await t.project(owner);
    const { invitation, accept_url } = await invite(owner, project.id, { email: 'old-address@example.org' });
    const token = new URL(accept_url).searchParams.get('token');
    const accepted = await t.call('POST', '/api/v1/invitations/accept-token', { as: holder.token, body: { token } });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.id, invitation.id);
    assert.equal((await roles(project.id))[holder.id], 'member');
    const wrong = await t.call('POST', '/api/v1/invitations/accept-token', { as: holder.token, body: { token: `${token}x` } });
    assert.equal(wrong.status, 404);
    // The token itself is not kept.
    assert.ok(!JSON.stringify(await invitationRow(invitation.id)).includes(token as string));
  });

  it('answers 404 when someone other than the invitee accepts or declines by id, and changes nothing', async () => {
    const owner = await t.user();
    const invitee = await t.user();
    const stranger = await t.user({ githubLogin: githubLogin() });
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { email: invitee.email });
    for (const verb of ['accept', 'decline']) {
      const response = await t.call('POST', `/api/v1/invitations/${invitation.id}/${verb}`, { as: stranger.token });
      assert.equal(response.status, 404);
      assert.deepEqual(
        response.body,
        (await t.call('POST', `/api/v1/invitations/00000000-0000-4000-8000-000000000000/${verb}`, { as: stranger.token })).body,
      );
    }
    assert.equal((await invitationRow(invitation.id)).state, 'pending');
    assert.equal((await roles(project.id))[stranger.id], undefined);
    assert.deepEqual((await t.call('GET', '/api/v1/invitations', { as: stranger.token })).body.items, []);
  });

  it('shows an unverified address its invitations, flagged, but answers them by id only once it is verified', async () => {
    // Whoever signs up first with an address may not read its mail: the address proves nothing yet.
    const owner = await t.user();
    const invitee = await t.user({ isEmailVerified: false });
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { email: invitee.email });
    const mine = await t.call('GET', '/api/v1/invitations', { as: invitee.token });
    assert.deepEqual(
      mine.body.items.map((item: { id: string; needs_verification: boolean }) => [item.id, item.needs_verification]),
      [[invitation.id, true]],
    );
    for (const verb of ['accept', 'decline']) {
      const response = await t.call('POST', `/api/v1/invitations/${invitation.id}/${verb}`, { as: invitee.token });
      assert.equal(response.status, 403, verb);
      assert.equal(response.body.error.code, 'ERR_EMAIL_UNVERIFIED');
      assert.match(response.body.error.message, /Verify your email address .* or open the link in the invitation email/);
    }
    assert.equal((await invitationRow(invitation.id)).state, 'pending');
    assert.equal((await roles(project.id))[invitee.id], undefined);

    const link = await t.db
      .selectFrom('emails')
      .select('body_text')
      .where('to_address', '=', invitee.email)
      .where('subject', '=', 'Confirm your email address for Surplus')
      .executeTakeFirstOrThrow();
    const token = new URL(/http\S+verify-email\S+/.exec(link.body_text)?.[0] as string).searchParams.get('token');
    assert.equal((await t.call('POST', '/api/v1/auth/verify-email', { body: { token } })).status, 200);
    const verified = await t.call('GET', '/api/v1/invitations', { as: invitee.token });
    assert.equal(verified.body.items[0].needs_verification, false);
    const accepted = await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal((await roles(project.id))[invitee.id], 'member');
  });

  it('lets an unverified user answer by id an invitation to their GitHub login, which only GitHub sign-in sets', async () => {
    const owner = await t.user();
    const login = githubLogin();
    const invitee = await t.user({ isEmailVerified: false, githubLogin: login });
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { github_login: login });
    const mine = await t.call('GET', '/api/v1/invitations', { as: invitee.token });
    assert.equal(mine.body.items[0].needs_verification, false);
    assert.equal((await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token })).status, 200);
    assert.equal((await roles(project.id))[invitee.id], 'member');
  });

  it('lets an unverified user accept through the emailed link, which proves the address', async () => {
    const owner = await t.user();
    const invitee = await t.user({ isEmailVerified: false });
    const project = await t.project(owner);
    const { invitation, accept_url } = await invite(owner, project.id, { email: invitee.email });
    const token = new URL(accept_url).searchParams.get('token');
    const accepted = await t.call('POST', '/api/v1/invitations/accept-token', { as: invitee.token, body: { token } });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.id, invitation.id);
    assert.equal((await roles(project.id))[invitee.id], 'member');
    assert.equal((await t.call('GET', '/api/v1/me', { as: invitee.token })).body.user.email_verified, true);
  });

  it('declines: the invitee does not join and the invitation is closed', async () => {
    const owner = await t.user();
    const invitee = await t.user();
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { email: invitee.email });
    const declined = await t.call('POST', `/api/v1/invitations/${invitation.id}/decline`, { as: invitee.token });
    assert.equal(declined.status, 200);
    assert.equal(declined.body.state, 'declined');
    assert.equal((await roles(project.id))[invitee.id], undefined);
    const late = await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token });
    assert.equal(late.status, 410);
    assert.equal(late.body.error.code, 'ERR_INVITATION_CLOSED');
    assert.equal((await roles(project.id))[invitee.id], undefined);
  });

  it('answers 410 for an expired invitation; the sweep marks it expired and audits it as the system', async () => {
    const owner = await t.user();
    const invitee = await t.user();
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { email: invitee.email });
    await t.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', invitation.id)
      .execute();
    const response = await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token });
    assert.equal(response.status, 410);
    assert.equal(response.body.error.code, 'ERR_INVITATION_CLOSED');
    assert.equal((await roles(project.id))[invitee.id], undefined);
    // Past its date it already reads as expired, before the sweep has run.
    const listed = await t.call('GET', `/api/v1/projects/${project.id}/invitations`, { as: owner.token });
    assert.equal(listed.body.items.find((item: { id: string }) => item.id === invitation.id).state, 'expired');
    assert.deepEqual((await t.call('GET', '/api/v1/invitations', { as: invitee.token })).body.items, []);

    const swept = await t.services.members.expireInvitations();
    assert.ok(swept >= 1);
    assert.equal((await invitationRow(invitation.id)).state, 'expired');
    const expired = (await eventsFor(invitation.id)).filter((event) => event.action === 'invitation.expired');
    assert.equal(expired.length, 1);
    assert.equal(expired[0]?.actor_user_id, null);
    assert.equal(expired[0]?.actor_label, 'system');
    assert.equal(expired[0]?.project_id, project.id);
    // A second sweep finds nothing new and writes nothing.
    await t.services.members.expireInvitations();
    assert.equal((await eventsFor(invitation.id)).filter((event) => event.action === 'invitation.expired').length, 1);
  });

  it('re-inviting the same person replaces the pending invitation', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const first = await invite(owner, project.id, { email: 'twice@example.org' });
    const second = await invite(owner, project.id, { email: 'Twice@Example.org', role: 'owner' });
    assert.notEqual(first.invitation.id, second.invitation.id);
    assert.equal((await invitationRow(first.invitation.id)).state, 'revoked');
    assert.equal((await invitationRow(second.invitation.id)).state, 'pending');
    const listed = await t.call('GET', `/api/v1/projects/${project.id}/invitations`, { as: owner.token });
    const pending = listed.body.items.filter((item: { state: string }) => item.state === 'pending');
    assert.deepEqual(
      pending.map((item: { id: string; role: string }) => [item.id, item.role]),
      [[second.invitation.id, 'owner']],
    );
    const created = (await eventsFor(second.invitation.id))[0];
    assert.deepEqual(created?.summary.replaced, [first.invitation.id]);
    // The old link no longer works.
    const token = new URL(first.accept_url).searchParams.get('token');
    const user = await t.user();
    assert.equal((await t.call('POST', '/api/v1/invitations/accept-token', { as: user.token, body: { token } })).status, 410);
  });

  it('re-inviting the same person several times at once leaves one pending invitation', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const responses = await Promise.all(
      [0, 1, 2, 3].map(() =>
        t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: 'racing@example.org' } }),
      ),
    );
    assert.deepEqual(
      responses.map((response) => response.status),
      [201, 201, 201, 201],
    );
    const rows = await t.db.selectFrom('invitations').select('state').where('project_id', '=', project.id).execute();
    assert.deepEqual(rows.map((row) => row.state).sort(), ['pending', 'revoked', 'revoked', 'revoked']);
  });

  it('lets owners revoke a pending invitation', async () => {
    const owner = await t.user();
    const invitee = await t.user();
    const project = await t.project(owner);
    const { invitation } = await invite(owner, project.id, { email: invitee.email });
    assert.equal((await t.call('DELETE', `/api/v1/projects/${project.id}/invitations/${invitation.id}`, { as: owner.token })).status, 204);
    assert.equal((await invitationRow(invitation.id)).state, 'revoked');
    assert.equal((await t.call('POST', `/api/v1/invitations/${invitation.id}/accept`, { as: invitee.token })).status, 410);
    assert.equal((await t.call('DELETE', `/api/v1/projects/${project.id}/invitations/${invitation.id}`, { as: owner.token })).status, 410);
  });

  it('refuses to invite someone who is already a member', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const response = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: owner.email } });
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'ERR_ALREADY_MEMBER');
  });

  it('needs exactly one of email and GitHub login', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    for (const body of [{}, { email: 'a@example.org', github_login: 'someone' }]) {
      const response = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.ok(response.body.error.fields.some((field: { field: string }) => field.field === 'email'));
    }
    const bad = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { github_login: '-bad-' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.fields[0].field, 'github_login');
  });
});

describe('removing members and leaving', () => {
  it('lets an owner remove a member', async () => {
    const owner = await t.user();
    const member = await t.user();
    const project = await t.project(owner);
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    const response = await t.call('DELETE', `/api/v1/projects/${project.id}/members/${member.id}`, { as: owner.token });
    assert.equal(response.status, 204);
    assert.deepEqual(await roles(project.id), { [owner.id]: 'owner' });
    assert.equal((await t.call('GET', `/api/v1/projects/${project.id}`, { as: member.token })).status, 404);
    const event = (await eventsFor(member.id)).find((candidate) => candidate.action === 'member.removed');
    assert.equal(event?.project_id, project.id);
  });

  it('lets a member leave, and not remove others', async () => {
    const owner = await t.user();
    const member = await t.user();
    const other = await t.user();
    const project = await t.project(owner);
    await t.db
      .insertInto('project_members')
      .values([
        { project_id: project.id, user_id: member.id, role: 'member' },
        { project_id: project.id, user_id: other.id, role: 'member' },
      ])
      .execute();
    assert.equal((await t.call('DELETE', `/api/v1/projects/${project.id}/members/${other.id}`, { as: member.token })).status, 403);
    assert.equal((await t.call('DELETE', `/api/v1/projects/${project.id}/members/${member.id}`, { as: member.token })).status, 204);
    assert.deepEqual(await roles(project.id), { [owner.id]: 'owner', [other.id]: 'member' });
    assert.ok((await eventsFor(member.id)).some((event) => event.action === 'member.left'));
  });

  it('answers 404 for removing someone who is not a member', async () => {
    const owner = await t.user();
    const stranger = await t.user();
    const project = await t.project(owner);
    const response = await t.call('DELETE', `/api/v1/projects/${project.id}/members/${stranger.id}`, { as: owner.token });
    assert.equal(response.status, 404);
  });
});

describe('the last owner', () => {
  it('cannot be removed, leave or be demoted', async () => {
    const owner = await t.user();
    const admin = await t.user({ roles: ['admin'] });
    const project = await t.project(owner);
    for (const [caller, method, body] of [
      [owner, 'DELETE', undefined],
      [admin, 'DELETE', undefined],
      [owner, 'PATCH', { role: 'member' }],
      [admin, 'PATCH', { role: 'member' }],
    ] as const) {
      const response = await t.call(method, `/api/v1/projects/${project.id}/members/${owner.id}`, { as: caller.token, body });
      assert.equal(response.status, 409, `${method} ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'ERR_LAST_OWNER');
    }
    assert.deepEqual(await roles(project.id), { [owner.id]: 'owner' });
  });

  it('survives two owners leaving at once: exactly one goes', async () => {
    for (let round = 0; round < 5; round++) {
      const { first, second, project } = await twoOwners();
      const responses = await Promise.all([
        t.call('DELETE', `/api/v1/projects/${project.id}/members/${first.id}`, { as: first.token }),
        t.call('DELETE', `/api/v1/projects/${project.id}/members/${second.id}`, { as: second.token }),
      ]);
      assert.deepEqual(responses.map((response) => response.status).sort(), [204, 409], JSON.stringify(responses.map((r) => r.body)));
      const left = await roles(project.id);
      assert.equal(Object.keys(left).length, 1);
      assert.deepEqual(Object.values(left), ['owner']);
    }
  });

  it('survives an admin removing both owners at once: exactly one removal succeeds', async () => {
    const admin = await t.user({ roles: ['admin'] });
    for (let round = 0; round < 5; round++) {
      const { first, second, project } = await twoOwners();
      const responses = await Promise.all(
        [first, second].map((owner) => t.call('DELETE', `/api/v1/projects/${project.id}/members/${owner.id}`, { as: admin.token })),
      );
      assert.deepEqual(responses.map((response) => response.status).sort(), [204, 409]);
      assert.deepEqual(Object.values(await roles(project.id)), ['owner']);
    }
  });

  it('survives a removal and a demotion of the two owners at once', async () => {
    for (let round = 0; round < 5; round++) {
      const { first, second, project } = await twoOwners();
      const responses = await Promise.all([
        t.call('DELETE', `/api/v1/projects/${project.id}/members/${first.id}`, { as: first.token }),
        t.call('PATCH', `/api/v1/projects/${project.id}/members/${second.id}`, { as: second.token, body: { role: 'member' } }),
      ]);
      // Whichever runs first wins (204 for the removal, 200 for the demotion); the other finds the last owner.
      const statuses = responses.map((response) => response.status);
      assert.equal(statuses.filter((status) => status === 409).length, 1, JSON.stringify(statuses));
      assert.ok(statuses.includes(204) || statuses.includes(200));
      assert.deepEqual(
        Object.values(await roles(project.id)).filter((role) => role === 'owner'),
        ['owner'],
      );
    }
  });

  it('can step down once another owner exists', async () => {
    const { first, second, project } = await twoOwners();
    const response = await t.call('PATCH', `/api/v1/projects/${project.id}/members/${first.id}`, {
      as: second.token,
      body: { role: 'member' },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await roles(project.id), { [first.id]: 'member', [second.id]: 'owner' });
  });
});

describe('ownership transfer', () => {
  it('makes a member the owner and the previous owner a member', async () => {
    const owner = await t.user();
    const member = await t.user();
    const project = await t.project(owner);
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    const response = await t.call('POST', `/api/v1/projects/${project.id}/transfer`, { as: owner.token, body: { user_id: member.id } });
    assert.equal(response.status, 200);
    assert.deepEqual(await roles(project.id), { [owner.id]: 'member', [member.id]: 'owner' });
    // The new owner has the owner's rights, the old one has lost them.
    assert.equal((await t.call('GET', `/api/v1/projects/${project.id}/invitations`, { as: member.token })).status, 200);
    assert.equal((await t.call('GET', `/api/v1/projects/${project.id}/invitations`, { as: owner.token })).status, 403);
    const event = (await eventsFor(project.id)).find((candidate) => candidate.action === 'project.ownership_transferred');
    assert.deepEqual(event?.summary, { to_user_id: member.id, from_user_id: owner.id });
  });

  it('refuses someone who is not a member, naming user_id, and oneself', async () => {
    const owner = await t.user();
    const stranger = await t.user();
    const project = await t.project(owner);
    const response = await t.call('POST', `/api/v1/projects/${project.id}/transfer`, { as: owner.token, body: { user_id: stranger.id } });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.fields[0].field, 'user_id');
    const self = await t.call('POST', `/api/v1/projects/${project.id}/transfer`, { as: owner.token, body: { user_id: owner.id } });
    assert.equal(self.status, 409);
    assert.deepEqual(await roles(project.id), { [owner.id]: 'owner' });
  });
});
