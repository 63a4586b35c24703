import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SYSTEM_CTX } from '../src/http/context.ts';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
// Before any other user exists, so this is the first start's admin.
const firstAdmin = await t.services.accounts.ensureFirstAdmin('root@example.org', 'first-admin-password');

const SUBJECT = 'Confirm your email address for Surplus';

/** The verification emails sent to `email`, oldest first, with the token of each link. */
async function linksTo(email: string) {
  const rows = await t.db
    .selectFrom('emails')
    .select(['subject', 'body_text'])
    .where('to_address', '=', email)
    .where('subject', '=', SUBJECT)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => {
    const link = /http:\/\/surplus\.test\/verify-email\?token=(\S+)/.exec(row.body_text);
    assert.ok(link, `no verification link in:\n${row.body_text}`);
    return { text: row.body_text, token: decodeURIComponent(link[1] as string) };
  });
}

async function isVerified(user: { token: string }) {
  const me = await t.call('GET', '/api/v1/me', { as: user.token });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  return me.body.user.email_verified as boolean;
}

async function verifiedEvents(userId: string) {
  return t.db
    .selectFrom('audit_events')
    .select(['actor_user_id', 'summary'])
    .where('target_id', '=', userId)
    .where('action', '=', 'user.email_verified')
    .execute();
}

function unverifiedUser(): Promise<TestUser> {
  return t.user({ isEmailVerified: false });
}

describe('email verification', () => {
  it('sign-up emails a link; following it, even signed out, verifies the address once', async () => {
    const user = await unverifiedUser();
    assert.equal(await isVerified(user), false);
    const [link, ...more] = await linksTo(user.email);
    assert.ok(link);
    assert.equal(more.length, 0);
    assert.match(link.token, /^spv_/);
    assert.match(link.text, /expires on .* GMT/);

    const verified = await t.call('POST', '/api/v1/auth/verify-email', { body: { token: link.token } });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.email, user.email);
    assert.equal(await isVerified(user), true);

    // Mail scanners and double clicks open links twice: the second answer is the same, not an error.
    const again = await t.call('POST', '/api/v1/auth/verify-email', { body: { token: link.token } });
    assert.equal(again.status, 200);
    assert.equal(again.body.verified_at, verified.body.verified_at);
    assert.deepEqual(await verifiedEvents(user.id), [{ actor_user_id: user.id, summary: { email: user.email, method: 'link' } }]);
    // Only the digest is kept.
    const stored = await t.db.selectFrom('email_verifications').selectAll().where('user_id', '=', user.id).execute();
    assert.ok(!JSON.stringify(stored).includes(link.token));
  });

  it('refuses a wrong or altered token and changes nothing', async () => {
    const user = await unverifiedUser();
    const [link] = await linksTo(user.email);
    assert.ok(link);
    for (const token of [`${link.token}x`, `spv_${randomBytes(32).toString('base64url')}`, link.token.slice(0, -1)]) {
      const response = await t.call('POST', '/api/v1/auth/verify-email', { body: { token } });
      assert.equal(response.status, 400, token);
      assert.equal(response.body.error.code, 'ERR_VERIFICATION_INVALID');
    }
    const short = await t.call('POST', '/api/v1/auth/verify-email', { body: { token: 'spv_' } });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, 'ERR_VALIDATION');
    assert.equal(await isVerified(user), false);
    assert.deepEqual(await verifiedEvents(user.id), []);
  });

  it('refuses a link after 7 days, and a new one sent on request works', async () => {
    const user = await unverifiedUser();
    const [old] = await linksTo(user.email);
    assert.ok(old);
    const row = await t.db.selectFrom('email_verifications').select('expires_at').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    const days = (row.expires_at.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 6.99 && days <= 7, `expires in ${days} days`);
    await t.db
      .updateTable('email_verifications')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', user.id)
      .execute();

    const expired = await t.call('POST', '/api/v1/auth/verify-email', { body: { token: old.token } });
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'ERR_VERIFICATION_EXPIRED');
    assert.equal(await isVerified(user), false);

    const resent = await t.call('POST', '/api/v1/me/verify-email/resend', { as: user.token });
    assert.equal(resent.status, 202, JSON.stringify(resent.body));
    assert.equal(resent.body.email, user.email);
    const [, fresh] = await linksTo(user.email);
    assert.ok(fresh);
    assert.notEqual(fresh.token, old.token);
    assert.equal((await t.call('POST', '/api/v1/auth/verify-email', { body: { token: fresh.token } })).status, 200);
    assert.equal(await isVerified(user), true);
  });

  it('resends only to a signed-in, unverified user, a few times an hour', async () => {
    assert.equal((await t.call('POST', '/api/v1/me/verify-email/resend')).status, 401);

    const user = await unverifiedUser();
    for (let i = 0; i < 5; i++) assert.equal((await t.call('POST', '/api/v1/me/verify-email/resend', { as: user.token })).status, 202);
    const limited = await t.call('POST', '/api/v1/me/verify-email/resend', { as: user.token });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'ERR_RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await linksTo(user.email)).length, 6, 'the sign-up link and five resends');
    // Another user's allowance is their own.
    assert.equal((await t.call('POST', '/api/v1/me/verify-email/resend', { as: (await unverifiedUser()).token })).status, 202);

    // Any of the links still works: people click the one they find first.
    const [first] = await linksTo(user.email);
    assert.equal((await t.call('POST', '/api/v1/auth/verify-email', { body: { token: first?.token } })).status, 200);
    const done = await t.call('POST', '/api/v1/me/verify-email/resend', { as: (await t.user()).token });
    assert.equal(done.status, 409);
    assert.equal(done.body.error.message, 'Your email address is already verified.');
  });

  it('treats the first admin as verified, and a local sign-up as not', async () => {
    assert.ok(firstAdmin);
    const admin = await t.db.selectFrom('users').selectAll().where('email', '=', 'root@example.org').executeTakeFirstOrThrow();
    assert.ok(admin.email_verified_at);
    assert.deepEqual(await linksTo('root@example.org'), []);

    const email = `signup-${randomBytes(4).toString('hex')}@example.org`;
    const response = await t.call('POST', '/api/v1/auth/signup', { body: { email, name: 'New', password: 'long enough password' } });
    assert.equal(response.status, 201);
    assert.equal(response.body.user.email_verified, false);
    assert.equal((await linksTo(email)).length, 1);
  });

  it('accepting an invitation through its emailed link verifies that address when it is the user’s', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const invitee = await unverifiedUser();
    const other = await unverifiedUser();
    const tokenOf = async (email: string) => {
      const response = await t.call('POST', `/api/v1/projects/${project.id}/invitations`, { as: owner.token, body: { email } });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return new URL(response.body.accept_url).searchParams.get('token');
    };

    const own = await t.call('POST', '/api/v1/invitations/accept-token', {
      as: invitee.token,
      body: { token: await tokenOf(invitee.email) },
    });
    assert.equal(own.status, 200);
    assert.equal(await isVerified(invitee), true);
    assert.deepEqual(await verifiedEvents(invitee.id), [
      { actor_user_id: invitee.id, summary: { email: invitee.email, method: 'invitation' } },
    ]);

    // A link sent to another address proves that address, not this account's.
    const elsewhere = await tokenOf(`elsewhere-${randomBytes(3).toString('hex')}@example.org`);
    assert.equal((await t.call('POST', '/api/v1/invitations/accept-token', { as: other.token, body: { token: elsewhere } })).status, 200);
    assert.equal(await isVerified(other), false);
  });
});

describe('single sign-on and verified addresses', () => {
  const profile = (email: string, isEmailVerified: boolean) => ({
    provider: 'oidc' as const,
    subject: `sub-${randomBytes(6).toString('hex')}`,
    email,
    isEmailVerified,
    name: 'SSO Person',
    login: null,
  });

  it('a new account from a provider-verified address is verified; from an unverified one it gets a link', async () => {
    const verifiedEmail = `sso-${randomBytes(4).toString('hex')}@example.org`;
    const verified = await t.services.accounts.ssoSignIn(SYSTEM_CTX, profile(verifiedEmail, true), null);
    assert.equal(verified.user.email_verified, true);
    assert.deepEqual(await linksTo(verifiedEmail), []);

    const unverifiedEmail = `sso-${randomBytes(4).toString('hex')}@example.org`;
    const unverified = await t.services.accounts.ssoSignIn(SYSTEM_CTX, profile(unverifiedEmail, false), null);
    assert.equal(unverified.user.email_verified, false);
    assert.equal((await linksTo(unverifiedEmail)).length, 1);
  });

  it('signing in later with a verified address at the provider verifies the account', async () => {
    const user = await unverifiedUser();
    const linked = await t.services.accounts.ssoSignIn({ actor: null, requestId: null }, profile(user.email, false), user.id);
    assert.equal(linked.user.email_verified, false, 'an unverified address at the provider proves nothing');
    const again = await t.services.accounts.ssoSignIn(SYSTEM_CTX, { ...profile(user.email, true), subject: 'other-subject' }, user.id);
    assert.equal(again.user.email_verified, true);
    assert.equal(again.user.has_password, true, 'the account’s own sign-in linked it: its password stays');
  });

  it('when the address was registered by someone who never proved it, the provider’s person takes the account over', async () => {
    // Someone signs up with Alice's address before she does, with a password and a token of their own.
    const squatter = await unverifiedUser();
    assert.equal((await t.call('GET', '/api/v1/me', { as: squatter.token })).status, 200);
    // …and links their own GitHub account, whose address is another.
    const github = { ...profile(`own-${randomBytes(3).toString('hex')}@example.org`, true), provider: 'github' as const, login: 'squat' };
    const withGithub = await t.services.accounts.ssoSignIn(SYSTEM_CTX, github, squatter.id);
    assert.equal(withGithub.user.github_login, 'squat');
    assert.equal(withGithub.user.email_verified, false);

    const alice = await t.services.accounts.ssoSignIn(SYSTEM_CTX, profile(squatter.email.toUpperCase(), true), null);
    assert.equal(alice.user.id, squatter.id);
    assert.equal(alice.user.email_verified, true);
    assert.equal(alice.user.has_password, false, 'the unproven password no longer signs in');
    assert.equal((await t.call('GET', '/api/v1/me', { as: squatter.token })).status, 401, 'nor does their API token');
    const login = await t.call('POST', '/api/v1/auth/login', { body: { email: squatter.email, password: squatter.password } });
    assert.equal(login.status, 401);
    assert.equal(alice.user.github_login, null);
    const identities = await t.db.selectFrom('identities').select('provider').where('user_id', '=', squatter.id).execute();
    assert.deepEqual(identities, [{ provider: 'oidc' }], 'their GitHub no longer signs in to it either');
    const again = await t.services.accounts.ssoSignIn(SYSTEM_CTX, github, null);
    assert.notEqual(again.user.id, squatter.id, 'their GitHub now signs in to an account of its own address');
    const sessions = await t.db.selectFrom('sessions').select('id_hash').where('user_id', '=', squatter.id).execute();
    assert.equal(sessions.length, 1, 'only the session just started through the provider');
    const linked = await t.db
      .selectFrom('audit_events')
      .select('summary')
      .where('target_id', '=', squatter.id)
      .where('action', '=', 'user.identity_linked')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      linked.map((event) => [event.summary.method, event.summary.unproven_credentials_removed]),
      [
        ['github', undefined],
        ['oidc', true],
      ],
    );
  });
});
