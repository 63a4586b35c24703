import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type Response, type TestUser } from './harness.ts';

const t = await createTestApp();
let requestCounter = 0;
/** Every secret a test handled: none may ever appear in an audit row. */
const secrets = new Set<string>();

type Call = { response: Response; requestId: string };

/** Calls the API under a request id of our own, so the events it wrote can be found by it. */
async function act(
  method: string,
  url: string,
  options: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Call> {
  requestCounter++;
  const requestId = `audit-test-${requestCounter}`;
  const response = await t.call(method, url, { ...options, headers: { ...options.headers, 'x-request-id': requestId } });
  assert.equal(response.headers['x-request-id'], requestId);
  return { response, requestId };
}

async function eventsOf(requestId: string) {
  return t.db.selectFrom('audit_events').selectAll().where('request_id', '=', requestId).execute();
}

/** Asserts the call succeeded and wrote exactly one event, of this action, by this actor. */
async function wroteOne(call: Call, action: string, actor: TestUser | null, expectedStatus = [200, 201, 204]) {
  assert.ok(expectedStatus.includes(call.response.status), `${action}: ${call.response.status} ${JSON.stringify(call.response.body)}`);
  const events = await eventsOf(call.requestId);
  assert.deepEqual(
    events.map((event) => event.action),
    [action],
  );
  assert.equal(events[0]?.actor_user_id, actor?.id ?? null);
  assert.equal(events[0]?.actor_label, actor?.email ?? 'system');
  return events[0] as NonNullable<(typeof events)[0]>;
}

async function wroteNone(call: Call, expectedStatus: number) {
  assert.equal(call.response.status, expectedStatus, JSON.stringify(call.response.body));
  assert.deepEqual(await eventsOf(call.requestId), []);
}

async function user(options: Parameters<typeof t.user>[0] = {}) {
  const created = await t.user(options);
  secrets.add(created.password);
  secrets.add(created.token);
  return created;
}

async function signIn(person: TestUser) {
  requestCounter++;
  const requestId = `audit-test-${requestCounter}`;
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: person.email, password: person.password },
    headers: { 'x-request-id': requestId },
    remoteAddress: `203.0.113.${requestCounter % 250}`,
  });
  const cookie = response.cookies.find((candidate) => candidate.name === 'surplus_session');
  secrets.add(cookie?.value ?? '');
  return { requestId, status: response.statusCode, cookie: `surplus_session=${cookie?.value}`, csrf: response.json().csrf_token as string };
}

describe('every change writes exactly one audit event', () => {
  it('for accounts: sign-up, login, logout, password, tokens, settings, roles', async () => {
    const admin = await user({ roles: ['admin'] });
    const person = await user();

    const signup = await act('POST', '/api/v1/auth/signup', {
      body: { email: 'audited-signup@example.org', name: 'Audited', password: 'signup password 1' },
    });
    secrets.add('signup password 1');
    const signedUp = await t.db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('email', '=', 'audited-signup@example.org')
      .executeTakeFirstOrThrow();
    const signupEvent = await wroteOne(signup, 'user.signed_up', { ...person, id: signedUp.id, email: signedUp.email });
    assert.deepEqual(signupEvent.summary, { email: 'audited-signup@example.org' });

    const login = await signIn(person);
    assert.equal(login.status, 200);
    assert.deepEqual(
      (await eventsOf(login.requestId)).map((event) => [event.action, event.actor_user_id]),
      [['user.logged_in', person.id]],
    );

    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: login.cookie, 'x-csrf-token': login.csrf, 'x-request-id': 'audit-test-logout' },
    });
    assert.equal(logout.statusCode, 204);
    assert.deepEqual(
      (await eventsOf('audit-test-logout')).map((event) => event.action),
      ['user.logged_out'],
    );

    const token = await act('POST', '/api/v1/me/tokens', { as: person.token, body: { name: 'audited' } });
    secrets.add(token.response.body.secret);
    const tokenEvent = await wroteOne(token, 'token.created', person);
    assert.deepEqual(tokenEvent.summary, { name: 'audited', expires_at: null });
    assert.equal(tokenEvent.target_id, token.response.body.token.id);
    await wroteOne(await act('DELETE', `/api/v1/me/tokens/${token.response.body.token.id}`, { as: person.token }), 'token.revoked', person);

    const password = await act('POST', '/api/v1/me/password', {
      as: person.token,
      body: { current_password: person.password, new_password: 'changed password 2' },
    });
    secrets.add('changed password 2');
    const passwordEvent = await wroteOne(password, 'user.password_changed', person);
    assert.deepEqual(passwordEvent.summary, {});

    await wroteOne(await act('PUT', '/api/v1/auth/settings', { as: admin.token, body: { signup_open: true } }), 'settings.updated', admin);
    const roles = await wroteOne(
      await act('PATCH', `/api/v1/users/${person.id}`, { as: admin.token, body: { roles: ['reviewer'] } }),
      'user.updated',
      admin,
    );
    assert.deepEqual(roles.summary, { roles: { from: [], to: ['reviewer'] } });
  });

  it('for projects, members, invitations and SSH keys', async () => {
    const owner = await user();
    const invitee = await user();
    const decliner = await user();
    const created = await act('POST', '/api/v1/projects', {
      as: owner.token,
      body: { name: 'Audited project', repository_url: 'github.com/audit/project', license: 'MIT' },
    });
    const createdEvent = await wroteOne(created, 'project.created', owner);
    const project = created.response.body;
    assert.equal(createdEvent.project_id, project.id);

    const updated = await wroteOne(
      await act('PATCH', `/api/v1/projects/${project.id}`, { as: owner.token, body: { name: 'Renamed', description: 'New text' } }),
      'project.updated',
      owner,
    );
    assert.deepEqual(updated.summary, {
      name: { from: 'Audited project', to: 'Renamed' },
      description_md: { changed: true },
      description_html: { changed: true },
    });

    const invitation = await act('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: invitee.email } });
    secrets.add(new URL(invitation.response.body.accept_url).searchParams.get('token') as string);
    await wroteOne(invitation, 'invitation.created', owner);
    await wroteOne(
      await act('POST', `/api/v1/invitations/${invitation.response.body.invitation.id}/accept`, { as: invitee.token }),
      'invitation.accepted',
      invitee,
    );

    const second = await act('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: decliner.email } });
    await wroteOne(
      await act('POST', `/api/v1/invitations/${second.response.body.invitation.id}/decline`, { as: decliner.token }),
      'invitation.declined',
      decliner,
    );
    const third = await act('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: 'x@example.org' } });
    await wroteOne(
      await act('DELETE', `/api/v1/projects/${project.id}/invitations/${third.response.body.invitation.id}`, { as: owner.token }),
      'invitation.revoked',
      owner,
    );

    await wroteOne(
      await act('PATCH', `/api/v1/projects/${project.id}/members/${invitee.id}`, { as: owner.token, body: { role: 'owner' } }),
      'member.role_changed',
      owner,
    );
    await wroteOne(
      await act('PATCH', `/api/v1/projects/${project.id}/members/${invitee.id}`, { as: owner.token, body: { role: 'member' } }),
      'member.role_changed',
      owner,
    );
    const transfer = await wroteOne(
      await act('POST', `/api/v1/projects/${project.id}/transfer`, { as: owner.token, body: { user_id: invitee.id } }),
      'project.ownership_transferred',
      owner,
    );
    assert.equal(transfer.project_id, project.id);
    await wroteOne(await act('DELETE', `/api/v1/projects/${project.id}/members/${owner.id}`, { as: owner.token }), 'member.left', owner);

    const key = await act('POST', '/api/v1/me/ssh-keys', {
      as: owner.token,
      body: { public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl audit' },
    });
    await wroteOne(key, 'ssh_key.added', owner);
    await wroteOne(await act('DELETE', `/api/v1/me/ssh-keys/${key.response.body.id}`, { as: owner.token }), 'ssh_key.removed', owner);

    const deleted = await wroteOne(
      await act('DELETE', `/api/v1/projects/${project.id}`, { as: invitee.token }),
      'project.deleted',
      invitee,
    );
    assert.deepEqual(deleted.summary, { slug: project.slug, name: 'Renamed' });
  });

  it('an unchanged role writes nothing', async () => {
    const owner = await user();
    const project = await t.project(owner);
    const same = await act('PATCH', `/api/v1/projects/${project.id}/members/${owner.id}`, { as: owner.token, body: { role: 'owner' } });
    await wroteNone(same, 200);
  });
});

describe('a failed request writes no event', () => {
  it('for refusals, conflicts and invalid input', async () => {
    const owner = await user();
    const member = await user();
    const project = await t.project(owner);
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    await wroteNone(
      await act('POST', '/api/v1/projects', {
        as: owner.token,
        body: { name: 'Dup', slug: project.slug, repository_url: 'github.com/a/b', license: 'MIT' },
      }),
      409,
    );
    await wroteNone(
      await act('POST', '/api/v1/projects', {
        as: owner.token,
        body: { name: 'Bad', repository_url: 'github.com/a/b', license: 'Nope-1.0' },
      }),
      400,
    );
    await wroteNone(await act('DELETE', `/api/v1/projects/${project.id}/members/${owner.id}`, { as: owner.token }), 409);
    await wroteNone(await act('PATCH', `/api/v1/projects/${project.id}`, { as: member.token, body: { name: 'x' } }), 403);
    await wroteNone(await act('POST', '/api/v1/me/ssh-keys', { as: owner.token, body: { public_key: 'ssh-ed25519 AAAA' } }), 400);
    await wroteNone(
      await act('POST', '/api/v1/me/password', { as: owner.token, body: { current_password: 'wrong', new_password: 'long enough one' } }),
      400,
    );
    await wroteNone(await act('PATCH', `/api/v1/users/${owner.id}`, { as: owner.token, body: { roles: ['admin'] } }), 403);
  });

  it('and a change whose audit event cannot be written is not made', async () => {
    const owner = await user();
    const member = await user();
    // Make the database refuse these events: the change must roll back with them.
    await sql`alter table audit_events add constraint refuse_for_test check (action not in ('project.created', 'ssh_key.added', 'member.removed', 'token.created', 'user.logged_in', 'user.signed_up')) not valid`.execute(
      t.db,
    );
    try {
      const project = await t.project(owner).catch(() => undefined);
      assert.equal(project, undefined);
      const created = await act('POST', '/api/v1/projects', {
        as: owner.token,
        body: { name: 'Never made', repository_url: 'github.com/never/made', license: 'MIT' },
      });
      assert.equal(created.response.status, 500);
      assert.equal(await t.db.selectFrom('projects').select('id').where('slug', '=', 'never-made').executeTakeFirst(), undefined);
      assert.deepEqual(await t.db.selectFrom('project_members').select('project_id').where('user_id', '=', owner.id).execute(), []);

      const key = await act('POST', '/api/v1/me/ssh-keys', {
        as: owner.token,
        body: { public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' },
      });
      assert.equal(key.response.status, 500);
      assert.deepEqual(await t.db.selectFrom('ssh_keys').select('id').where('user_id', '=', owner.id).execute(), []);

      const token = await act('POST', '/api/v1/me/tokens', { as: owner.token, body: { name: 'never' } });
      assert.equal(token.response.status, 500);
      assert.equal(await t.db.selectFrom('api_tokens').select('id').where('name', '=', 'never').executeTakeFirst(), undefined);

      const sessionsBefore = await t.db.selectFrom('sessions').select('id_hash').where('user_id', '=', member.id).execute();
      const login = await signIn(member);
      assert.equal(login.status, 500);
      assert.deepEqual(await t.db.selectFrom('sessions').select('id_hash').where('user_id', '=', member.id).execute(), sessionsBefore);

      const signup = await act('POST', '/api/v1/auth/signup', {
        body: { email: 'never-signed@example.org', name: 'Never', password: 'long enough password' },
      });
      assert.equal(signup.response.status, 500);
      assert.equal(
        await t.db.selectFrom('users').select('id').where('email', '=', 'never-signed@example.org').executeTakeFirst(),
        undefined,
      );

      await sql`alter table audit_events drop constraint refuse_for_test`.execute(t.db);
      const kept = await t.project(owner);
      await t.db.insertInto('project_members').values({ project_id: kept.id, user_id: member.id, role: 'member' }).execute();
      await sql`alter table audit_events add constraint refuse_for_test check (action <> 'member.removed') not valid`.execute(t.db);
      const removal = await act('DELETE', `/api/v1/projects/${kept.id}/members/${member.id}`, { as: owner.token });
      assert.equal(removal.response.status, 500);
      const still = await t.db
        .selectFrom('project_members')
        .select('role')
        .where('project_id', '=', kept.id)
        .where('user_id', '=', member.id)
        .executeTakeFirst();
      assert.deepEqual(still, { role: 'member' });
    } finally {
      await sql`alter table audit_events drop constraint if exists refuse_for_test`.execute(t.db);
    }
  });
});

describe('browsing the audit log', () => {
  it('filters by action, action prefix, actor, target, project and dates', async () => {
    const admin = await user({ roles: ['admin'] });
    const alice = await user();
    const bob = await user();
    const aliceProject = await t.project(alice);
    const bobProject = await t.project(bob);
    await t.call('PATCH', `/api/v1/projects/${aliceProject.id}`, { as: alice.token, body: { name: 'Alice renamed' } });
    await t.call('POST', `/api/v1/projects/${aliceProject.id}/invitations`, { as: alice.token, body: { email: bob.email } });

    const list = async (query: string) => {
      const response = await t.call('GET', `/api/v1/audit?limit=200&${query}`, { as: admin.token });
      assert.equal(response.status, 200, `${query}: ${JSON.stringify(response.body)}`);
      return response.body.items as {
        id: string;
        action: string;
        actor: { user_id: string };
        target: { type: string; id: string };
        project_id: string | null;
        occurred_at: string;
      }[];
    };

    const byActor = await list(`actor=${alice.id}`);
    assert.deepEqual(
      byActor.map((event) => event.action),
      ['invitation.created', 'project.updated', 'project.created', 'token.created', 'user.signed_up'],
    );
    assert.ok(byActor.every((event) => event.actor.user_id === alice.id));

    const prefix = await list(`actor=${alice.id}&action=project.`);
    assert.deepEqual(
      prefix.map((event) => event.action),
      ['project.updated', 'project.created'],
    );
    const exact = await list(`action=project.updated&actor=${alice.id}`);
    assert.deepEqual(
      exact.map((event) => event.action),
      ['project.updated'],
    );
    // A prefix must end in a dot: "project" alone is an exact action nobody writes.
    assert.deepEqual(await list('action=project'), []);
    // LIKE wildcards in a prefix are literal.
    assert.deepEqual(await list('action=%25.'), []);

    const byProject = await list(`project=${aliceProject.id}`);
    assert.deepEqual(
      byProject.map((event) => event.action),
      ['invitation.created', 'project.updated', 'project.created'],
    );
    assert.ok(byProject.every((event) => event.project_id === aliceProject.id));

    const byTarget = await list(`target_type=project&target_id=${bobProject.id}`);
    assert.deepEqual(
      byTarget.map((event) => [event.action, event.target.id]),
      [['project.created', bobProject.id]],
    );

    // Dates: move two events into the past and find exactly them.
    const [older, newer] = byProject.slice(1).map((event) => event.id) as [string, string];
    await t.db
      .updateTable('audit_events')
      .set({ occurred_at: new Date('2001-02-03T10:00:00Z') })
      .where('id', '=', older)
      .execute();
    await t.db
      .updateTable('audit_events')
      .set({ occurred_at: new Date('2001-02-04T10:00:00Z') })
      .where('id', '=', newer)
      .execute();
    assert.deepEqual((await list('from=2001-02-01&to=2001-02-05')).map((event) => event.id).sort(), [older, newer].sort());
    assert.deepEqual(
      (await list('from=2001-02-04T00:00:00Z&to=2001-03-01')).map((event) => event.id),
      [newer],
    );
    // "to" is exclusive.
    assert.deepEqual(
      (await list('from=2001-01-01&to=2001-02-03T10:00:00Z')).map((event) => event.id),
      [],
    );
    assert.equal((await list(`project=${aliceProject.id}&from=2001-02-05`)).length, 1);
  });

  it('refuses malformed filters with 400 naming the field', async () => {
    const admin = await user({ roles: ['admin'] });
    for (const [query, field] of [
      ['actor=nobody', 'actor'],
      ['project=12', 'project'],
      ['from=yesterday', 'from'],
      ['to=-100000-01-01T00:00:00Z', 'to'],
      ['from=275000-01-01', 'from'],
      ['limit=0', 'limit'],
      ['cursor=abc', 'cursor'],
    ] as const) {
      const response = await t.call('GET', `/api/v1/audit?${query}`, { as: admin.token });
      assert.equal(response.status, 400, `${query}: ${JSON.stringify(response.body)}`);
      assert.ok(
        response.body.error.fields.some((candidate: { field: string }) => candidate.field === field),
        `${query}: ${JSON.stringify(response.body.error)}`,
      );
    }
  });

  it('pages through every event exactly once, newest first', async () => {
    const admin = await user({ roles: ['admin'] });
    const owner = await user();
    for (let i = 0; i < 3; i++) await t.project(owner);
    const all = await t.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').execute();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Response = await t.call('GET', `/api/v1/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { as: admin.token });
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 7);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 1000);
    assert.deepEqual(
      seen,
      all.map((row) => row.id),
    );
  });

  it('shows a project’s owners only their project’s events, whatever they ask for', async () => {
    const owner = await user();
    const member = await user();
    const outsider = await user();
    const project = await t.project(owner);
    const other = await t.project(outsider);
    await t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email: member.email } });
    const own = await t.call('GET', `/api/v1/projects/${project.id}/audit?project=${other.id}&limit=200`, { as: owner.token });
    assert.equal(own.status, 200);
    const expected = await t.db
      .selectFrom('audit_events')
      .select('id')
      .where('project_id', '=', project.id)
      .orderBy('id', 'desc')
      .execute();
    assert.deepEqual(
      own.body.items.map((item: { id: string }) => item.id),
      expected.map((row) => row.id),
    );
    assert.ok(own.body.items.every((item: { project_id: string }) => item.project_id === project.id));
    assert.equal((await t.call('GET', `/api/v1/projects/${other.id}/audit`, { as: owner.token })).status, 404);
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();
    assert.equal((await t.call('GET', `/api/v1/projects/${project.id}/audit`, { as: member.token })).status, 403);
    assert.equal((await t.call('GET', '/api/v1/audit', { as: owner.token })).status, 403);
  });
});

describe('audit summaries', () => {
  it('never contain a password, token, session or invitation secret', async () => {
    assert.ok(secrets.size > 10);
    const rows = await t.db.selectFrom('audit_events').selectAll().execute();
    assert.ok(rows.length > 50);
    const text = JSON.stringify(rows);
    for (const secret of secrets) {
      if (secret) assert.ok(!text.includes(secret), `an audit row contains a secret starting ${secret.slice(0, 6)}`);
    }
    for (const marker of ['sps_', 'spc_', 'spi_', '$argon2', 'password_hash', 'token_hash']) {
      assert.ok(!text.includes(marker), marker);
    }
  });
});
