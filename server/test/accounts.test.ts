import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createTestApp, type Response, type TestUser } from './harness.ts';

const t = await createTestApp();
let addressCounter = 0;

/** A client address of its own, so one test's attempts do not count against another's. */
function freshAddress() {
  addressCounter++;
  return `198.51.100.${addressCounter}`;
}

type CookieResponse = Response & { cookie: string | undefined };

/** A browser-like call: sends and keeps the session cookie, from a chosen address. */
async function browser(
  method: string,
  url: string,
  options: { cookie?: string; csrf?: string; body?: unknown; address?: string } = {},
): Promise<CookieResponse> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const response = await t.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
    remoteAddress: options.address ?? '127.0.0.1',
  });
  const session = response.cookies.find((cookie) => cookie.name === 'surplus_session');
  return {
    status: response.statusCode,
    body: response.body ? JSON.parse(response.body) : null,
    headers: response.headers as Response['headers'],
    cookie: session?.value ? `surplus_session=${session.value}` : undefined,
  };
}

async function login(user: { email: string; password: string }, address = freshAddress()) {
  const response = await browser('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password }, address });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.ok(response.cookie);
  return { cookie: response.cookie, csrf: response.body.csrf_token as string };
}

async function sessionCount(user: TestUser) {
  const row = await t.db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('sign-up and sessions', () => {
  it('signs up, starting a session in an httpOnly SameSite cookie', async () => {
    const email = `new-${Date.now()}@example.org`;
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: email.toUpperCase(), name: 'New Person', password: 'long enough password' },
      remoteAddress: freshAddress(),
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    assert.equal(body.user.email, email);
    assert.deepEqual(body.user.roles, []);
    assert.equal(body.via, 'session');
    assert.ok(body.csrf_token.length >= 24);
    const cookie = response.cookies.find((c) => c.name === 'surplus_session');
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    const me = await browser('GET', '/api/v1/me', { cookie: `surplus_session=${cookie.value}` });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, email);
    assert.equal(me.body.csrf_token, body.csrf_token);
    const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    assert.match(user.password_hash ?? '', /^\$argon2id\$/);
  });

  it('refuses a second account with the same email, in any case', async () => {
    const existing = await t.user();
    const response = await browser('POST', '/api/v1/auth/signup', {
      body: { email: existing.email.toUpperCase(), name: 'Again', password: 'long enough password' },
      address: freshAddress(),
    });
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'ERR_EMAIL_TAKEN');
    assert.deepEqual(response.body.error.fields, [{ field: 'email', message: 'is already registered' }]);
  });

  it('refuses a short password, naming the field', async () => {
    const response = await browser('POST', '/api/v1/auth/signup', {
      body: { email: 'short@example.org', name: 'Short', password: 'short' },
      address: freshAddress(),
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.fields[0].field, 'password');
  });

  it('logs in: sets the cookie and returns the CSRF token', async () => {
    const user = await t.user();
    const response = await browser('POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
      address: freshAddress(),
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.user.id, user.id);
    assert.equal(typeof response.body.csrf_token, 'string');
    assert.ok(response.cookie);
    const session = await t.db
      .selectFrom('sessions')
      .selectAll()
      .where('csrf_token', '=', response.body.csrf_token)
      .executeTakeFirstOrThrow();
    assert.equal(session.user_id, user.id);
    // Only the digest of the cookie's secret is kept.
    assert.ok(!response.cookie.includes(session.id_hash.toString('hex')));
  });

  it('answers a wrong password and an unknown email alike, with 401', async () => {
    const user = await t.user();
    const sessions = await sessionCount(user);
    const address = freshAddress();
    const wrong = await browser('POST', '/api/v1/auth/login', { body: { email: user.email, password: 'not the password' }, address });
    const unknown = await browser('POST', '/api/v1/auth/login', { body: { email: 'nobody@example.org', password: 'whatever' }, address });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'ERR_INVALID_CREDENTIALS');
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(wrong.cookie, undefined);
    assert.equal(await sessionCount(user), sessions);
  });

  it('ignores a tampered session cookie', async () => {
    const user = await t.user();
    const { cookie } = await login(user);
    const tampered = `${cookie.slice(0, -3)}abc`;
    const response = await browser('GET', '/api/v1/me', { cookie: tampered });
    assert.equal(response.status, 401);
    assert.equal(response.body.error.code, 'ERR_UNAUTHENTICATED');
  });

  it('logs out: the cookie stops working and the session row is gone', async () => {
    const user = await t.user();
    const { cookie, csrf } = await login(user);
    const response = await browser('POST', '/api/v1/auth/logout', { cookie, csrf });
    assert.equal(response.status, 204);
    assert.equal(await t.db.selectFrom('sessions').select('user_id').where('csrf_token', '=', csrf).executeTakeFirst(), undefined);
    assert.equal((await browser('GET', '/api/v1/me', { cookie })).status, 401);
  });
});

describe('CSRF protection', () => {
  it('refuses cookie-authenticated writes without the CSRF header, and with a wrong one', async () => {
    const user = await t.user();
    const { cookie, csrf } = await login(user);
    for (const header of [undefined, 'wrong', `${csrf}x`]) {
      const response = await browser('POST', '/api/v1/me/tokens', { cookie, csrf: header, body: { name: 'from the browser' } });
      assert.equal(response.status, 403, header);
      assert.equal(response.body.error.code, 'ERR_CSRF');
    }
    const tokens = await t.db.selectFrom('api_tokens').select('name').where('user_id', '=', user.id).execute();
    assert.deepEqual(
      tokens.map((token) => token.name),
      ['test'],
    );
  });

  it('accepts cookie-authenticated writes that carry the CSRF token', async () => {
    const user = await t.user();
    const { cookie, csrf } = await login(user);
    const response = await browser('POST', '/api/v1/me/tokens', { cookie, csrf, body: { name: 'from the browser' } });
    assert.equal(response.status, 201, JSON.stringify(response.body));
  });

  it('lets cookie-authenticated reads through without the header', async () => {
    const user = await t.user();
    const { cookie } = await login(user);
    assert.equal((await browser('GET', '/api/v1/me/tokens', { cookie })).status, 200);
  });

  it('does not ask bearer-token callers for a CSRF token', async () => {
    const user = await t.user();
    const response = await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'ci' } });
    assert.equal(response.status, 201);
    const me = await t.call('GET', '/api/v1/me', { as: user.token });
    assert.equal(me.body.csrf_token, null);
    assert.equal(me.body.via, 'token');
  });
});

describe('rate limits', () => {
  it('stops guessing on one account, from any address, before the password is checked', async () => {
    const user = await t.user();
    const sessions = await sessionCount(user);
    // Ten attempts per account; signing up was the first.
    for (let attempt = 0; attempt < 9; attempt++) {
      const response = await browser('POST', '/api/v1/auth/login', {
        body: { email: user.email, password: `guess ${attempt}` },
        address: freshAddress(),
      });
      assert.equal(response.status, 401, `attempt ${attempt}`);
    }
    // The right password now changes nothing: the limiter answers before the hash is verified.
    const response = await browser('POST', '/api/v1/auth/login', {
      body: { email: user.email.toUpperCase(), password: user.password },
      address: freshAddress(),
    });
    assert.equal(response.status, 429);
    assert.equal(response.body.error.code, 'ERR_RATE_LIMITED');
    const retryAfter = Number(response.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 15 * 60, String(retryAfter));
    assert.equal(response.cookie, undefined);
    assert.equal(await sessionCount(user), sessions);
    const logins = await t.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'user.logged_in')
      .where('actor_user_id', '=', user.id)
      .execute();
    assert.equal(logins.length, 0);
  });

  it('stops one address spraying many accounts, even for a right password', async () => {
    const victim = await t.user();
    const sessions = await sessionCount(victim);
    const address = freshAddress();
    for (let attempt = 0; attempt < 60; attempt++) {
      const response = await browser('POST', '/api/v1/auth/login', {
        body: { email: `spray-${attempt}@example.org`, password: 'password1234' },
        address,
      });
      assert.equal(response.status, 401);
    }
    const response = await browser('POST', '/api/v1/auth/login', { body: { email: victim.email, password: victim.password }, address });
    assert.equal(response.status, 429);
    assert.ok(Number(response.headers['retry-after']) > 0);
    assert.equal(await sessionCount(victim), sessions);
    // The same account from another address is fine: only that address is limited.
    await login(victim);
    assert.equal(await sessionCount(victim), sessions + 1);
  });

  it('counts every address of one IPv6 /64 as one client', async () => {
    for (let attempt = 0; attempt < 60; attempt++) {
      const response = await browser('POST', '/api/v1/auth/login', {
        body: { email: `someone-${attempt}@example.org`, password: 'password1234' },
        address: `2001:db8:77:1::${(attempt + 1).toString(16)}`,
      });
      assert.equal(response.status, 401, `attempt ${attempt}`);
    }
    const response = await browser('POST', '/api/v1/auth/login', {
      body: { email: 'someone-else@example.org', password: 'password1234' },
      address: '2001:db8:77:1:ffff:ffff:ffff:ffff',
    });
    assert.equal(response.status, 429);
  });

  it('limits sign-up per address, before creating anything', async () => {
    const address = freshAddress();
    for (let attempt = 0; attempt < 60; attempt++) {
      await browser('POST', '/api/v1/auth/signup', {
        body: { email: `limit-${attempt}@example.org`, name: 'L', password: 'long enough password' },
        address,
      });
    }
    const response = await browser('POST', '/api/v1/auth/signup', {
      body: { email: 'limit-final@example.org', name: 'L', password: 'long enough password' },
      address,
    });
    assert.equal(response.status, 429);
    assert.equal(await t.db.selectFrom('users').select('id').where('email', '=', 'limit-final@example.org').executeTakeFirst(), undefined);
  });
});

describe('sign-up closed by an admin', () => {
  it('answers 403 and creates nobody; reopening lets people in again', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const closed = await t.call('PUT', '/api/v1/auth/settings', { as: admin.token, body: { signup_open: false } });
    assert.equal(closed.status, 200);
    assert.equal(closed.body.signup_open, false);
    try {
      assert.equal((await t.call('GET', '/api/v1/auth/settings')).body.signup_open, false);
      const response = await browser('POST', '/api/v1/auth/signup', {
        body: { email: 'closed@example.org', name: 'Closed', password: 'long enough password' },
        address: freshAddress(),
      });
      assert.equal(response.status, 403);
      assert.equal(response.body.error.code, 'ERR_SIGNUP_CLOSED');
      assert.equal(await t.db.selectFrom('users').select('id').where('email', '=', 'closed@example.org').executeTakeFirst(), undefined);
    } finally {
      await t.call('PUT', '/api/v1/auth/settings', { as: admin.token, body: { signup_open: true } });
    }
    const response = await browser('POST', '/api/v1/auth/signup', {
      body: { email: 'closed@example.org', name: 'Open', password: 'long enough password' },
      address: freshAddress(),
    });
    assert.equal(response.status, 201);
  });

  it('is an admin’s decision only', async () => {
    const reviewer = await t.user({ roles: ['reviewer'] });
    const response = await t.call('PUT', '/api/v1/auth/settings', { as: reviewer.token, body: { signup_open: false } });
    assert.equal(response.status, 403);
    assert.equal((await t.call('GET', '/api/v1/auth/settings')).body.signup_open, true);
  });
});

describe('password change', () => {
  it('signs out every other session and keeps the one that changed it', async () => {
    const user = await t.user();
    const here = await login(user);
    const elsewhere = await login(user);
    const response = await browser('POST', '/api/v1/me/password', {
      cookie: here.cookie,
      csrf: here.csrf,
      body: { current_password: user.password, new_password: 'a brand new password' },
    });
    assert.equal(response.status, 204, JSON.stringify(response.body));
    assert.equal((await browser('GET', '/api/v1/me', { cookie: here.cookie })).status, 200);
    assert.equal((await browser('GET', '/api/v1/me', { cookie: elsewhere.cookie })).status, 401);
    assert.equal(await sessionCount(user), 1);
    const old = await browser('POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
      address: freshAddress(),
    });
    assert.equal(old.status, 401);
    await login({ email: user.email, password: 'a brand new password' });
  });

  it('signs out every session when changed with an API token', async () => {
    const user = await t.user();
    const session = await login(user);
    const response = await t.call('POST', '/api/v1/me/password', {
      as: user.token,
      body: { current_password: user.password, new_password: 'a brand new password' },
    });
    assert.equal(response.status, 204);
    assert.equal(await sessionCount(user), 0);
    assert.equal((await browser('GET', '/api/v1/me', { cookie: session.cookie })).status, 401);
  });

  it('needs the current password, naming it when missing or wrong, and then changes nothing', async () => {
    const user = await t.user();
    const before = await t.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    for (const [body, message] of [
      [{ new_password: 'a brand new password' }, 'is required'],
      [{ current_password: 'not it at all', new_password: 'a brand new password' }, 'is wrong'],
    ] as const) {
      const response = await t.call('POST', '/api/v1/me/password', { as: user.token, body });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body.error.fields, [{ field: 'current_password', message }]);
    }
    const after = await t.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(after.password_hash, before.password_hash);
  });
});

describe('API tokens', () => {
  it('shows the secret once and keeps only its digest', async () => {
    const user = await t.user();
    const created = await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'laptop', expires_in_days: 30 } });
    assert.equal(created.status, 201);
    const { secret, token } = created.body;
    assert.match(secret, /^sps_[A-Za-z0-9_-]{43}$/);
    assert.ok(secret.startsWith(token.prefix));
    assert.ok(token.prefix.length < 12);
    const row = await t.db.selectFrom('api_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    assert.deepEqual(row.token_hash, createHash('sha256').update(secret).digest());
    assert.ok(!JSON.stringify(row).includes(secret));
    assert.ok(!JSON.stringify(row).includes(secret.slice(token.prefix.length)));
    const days = (row.expires_at?.getTime() ?? 0) - Date.now();
    assert.ok(days > 29 * 86_400_000 && days <= 30 * 86_400_000);
    const listed = await t.call('GET', '/api/v1/me/tokens', { as: user.token });
    const item = listed.body.items.find((candidate: { id: string }) => candidate.id === token.id);
    assert.deepEqual(Object.keys(item).sort(), ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'revoked_at']);
    assert.ok(!JSON.stringify(listed.body).includes(secret));
  });

  it('records when a token was last used', async () => {
    const user = await t.user();
    const created = await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'ci' } });
    const before = await t.call('GET', '/api/v1/me/tokens', { as: user.token });
    assert.equal(before.body.items.find((item: { id: string }) => item.id === created.body.token.id).last_used_at, null);
    assert.equal((await t.call('GET', '/api/v1/me', { as: created.body.secret })).status, 200);
    const after = await t.call('GET', '/api/v1/me/tokens', { as: user.token });
    const lastUsed = after.body.items.find((item: { id: string }) => item.id === created.body.token.id).last_used_at;
    assert.ok(lastUsed);
    assert.ok(Math.abs(Date.parse(lastUsed) - Date.now()) < 60_000);
  });

  it('stops working once revoked, and revoking again answers the same token', async () => {
    const user = await t.user();
    const created = await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'temporary' } });
    const revoked = await t.call('DELETE', `/api/v1/me/tokens/${created.body.token.id}`, { as: user.token });
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    const response = await t.call('GET', '/api/v1/me', { as: created.body.secret });
    assert.equal(response.status, 401);
    assert.equal(response.body.error.code, 'ERR_UNAUTHENTICATED');
    const again = await t.call('DELETE', `/api/v1/me/tokens/${created.body.token.id}`, { as: user.token });
    assert.equal(again.status, 200);
    assert.equal(again.body.revoked_at, revoked.body.revoked_at);
  });

  it('cannot revoke someone else’s token', async () => {
    const owner = await t.user();
    const other = await t.user();
    const created = await t.call('POST', '/api/v1/me/tokens', { as: owner.token, body: { name: 'mine' } });
    const response = await t.call('DELETE', `/api/v1/me/tokens/${created.body.token.id}`, { as: other.token });
    assert.equal(response.status, 404);
    assert.equal((await t.call('GET', '/api/v1/me', { as: created.body.secret })).status, 200);
  });

  it('answers 401 for malformed and unknown bearer tokens', async () => {
    for (const header of ['Bearer sps_unknown', 'Bearer', 'Basic abc', 'Bearer spc_session-like']) {
      const response = await t.call('GET', '/api/v1/me', { headers: { authorization: header } });
      assert.equal(response.status, 401, header);
    }
  });

  it('refuses an expired token', async () => {
    const user = await t.user();
    const created = await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'short', expires_in_days: 1 } });
    await t.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', created.body.token.id)
      .execute();
    assert.equal((await t.call('GET', '/api/v1/me', { as: created.body.secret })).status, 401);
  });
});

describe('admin user management', () => {
  it('lets an admin grant reviewer and operator, which then take effect', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const user = await t.user();
    assert.equal((await t.call('GET', '/api/v1/projects?scope=all', { as: user.token })).status, 403);
    const response = await t.call('PATCH', `/api/v1/users/${user.id}`, {
      as: admin.token,
      body: { roles: ['operator', 'reviewer', 'reviewer'] },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.roles, ['operator', 'reviewer']);
    const row = await t.db.selectFrom('users').select('roles').where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.deepEqual(row.roles, ['operator', 'reviewer']);
    assert.equal((await t.call('GET', '/api/v1/projects?scope=all', { as: user.token })).status, 200);
    const reviewers = await t.call('GET', '/api/v1/users?role=reviewer&limit=200', { as: admin.token });
    assert.ok(reviewers.body.items.some((item: { id: string }) => item.id === user.id));
  });

  it('refuses every admin route to non-admins, staff included', async () => {
    const user = await t.user();
    const operator = await t.user({ roles: ['operator', 'reviewer'] });
    for (const caller of [user, operator]) {
      for (const [method, url, body] of [
        ['GET', '/api/v1/users', undefined],
        ['GET', `/api/v1/users/${user.id}`, undefined],
        ['PATCH', `/api/v1/users/${caller.id}`, { roles: ['admin'] }],
        ['PUT', '/api/v1/auth/settings', { signup_open: false }],
        ['GET', '/api/v1/audit', undefined],
      ] as const) {
        const response = await t.call(method, url, { as: caller.token, body });
        assert.equal(response.status, 403, `${method} ${url}`);
        assert.equal(response.body.error.code, 'ERR_FORBIDDEN');
      }
    }
    const row = await t.db.selectFrom('users').select('roles').where('id', '=', operator.id).executeTakeFirstOrThrow();
    assert.deepEqual(row.roles, ['operator', 'reviewer']);
  });

  it('answers 401 to anonymous callers on signed-in routes', async () => {
    for (const url of ['/api/v1/me', '/api/v1/users', '/api/v1/projects', '/api/v1/me/ssh-keys']) {
      const response = await t.call('GET', url);
      assert.equal(response.status, 401, url);
      assert.equal(response.body.error.code, 'ERR_UNAUTHENTICATED');
    }
  });

  it('does not let an admin demote or disable themself', async () => {
    const admin = await t.user({ roles: ['admin'] });
    for (const body of [{ roles: ['reviewer'] }, { roles: [] }, { is_disabled: true }]) {
      const response = await t.call('PATCH', `/api/v1/users/${admin.id}`, { as: admin.token, body });
      assert.equal(response.status, 409, JSON.stringify(body));
      assert.equal(response.body.error.code, 'ERR_CONFLICT');
    }
    const row = await t.db.selectFrom('users').select(['roles', 'is_disabled']).where('id', '=', admin.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { roles: ['admin'], is_disabled: false });
    const keeps = await t.call('PATCH', `/api/v1/users/${admin.id}`, { as: admin.token, body: { roles: ['admin', 'reviewer'] } });
    assert.equal(keeps.status, 200);
  });

  it('disabling a user ends their sessions and tokens', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const user = await t.user();
    const session = await login(user);
    const response = await t.call('PATCH', `/api/v1/users/${user.id}`, { as: admin.token, body: { is_disabled: true } });
    assert.equal(response.status, 200);
    assert.equal(response.body.is_disabled, true);
    assert.equal(await sessionCount(user), 0);
    assert.equal((await browser('GET', '/api/v1/me', { cookie: session.cookie })).status, 401);
    assert.equal((await t.call('GET', '/api/v1/me', { as: user.token })).status, 401);
    const again = await browser('POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
      address: freshAddress(),
    });
    assert.equal(again.status, 401);
  });

  it('answers 404 for an unknown user and 400 for a malformed id', async () => {
    const admin = await t.user({ roles: ['admin'] });
    assert.equal((await t.call('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000', { as: admin.token })).status, 404);
    const malformed = await t.call('GET', '/api/v1/users/not-a-uuid', { as: admin.token });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.fields[0].field, 'id');
  });

  it('pages through users with a cursor, each once', async () => {
    const admin = await t.user({ roles: ['admin'] });
    for (let i = 0; i < 3; i++) await t.user();
    const all = await t.db.selectFrom('users').select('id').execute();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; next_cursor: string | null } } = await t.call(
        'GET',
        `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { as: admin.token },
      );
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual([...seen].sort(), all.map((row) => row.id).sort());
  });
});
