import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { SsoService } from '../src/accounts/sso.ts';
import type { AppError } from '../src/http/errors.ts';
import { type GithubAccount, startGithubStandin } from './fixtures/github-standin.ts';
import { type OidcAccount, startOidcProvider } from './fixtures/oidc-provider.ts';
import { type Page, WebAgent } from './fixtures/web-agent.ts';
import { createTestApp } from './harness.ts';

// Surplus must know its public URL before it starts (it is the redirect URI), so take a free port first.
const port = await freePort();
const publicUrl = `http://127.0.0.1:${port}`;
const oidcCallback = `${publicUrl}/api/v1/auth/oidc/callback`;
const githubCallback = `${publicUrl}/api/v1/auth/github/callback`;

const provider = await startOidcProvider({ redirectUris: [oidcCallback] });
const github = await startGithubStandin({ callbackUrl: githubCallback });
after(() => Promise.all([provider.stop(), github.stop()]));

const t = await createTestApp({
  publicUrl,
  oidc: { issuerUrl: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, displayName: 'Test IdP' },
  github: { clientId: github.clientId, clientSecret: github.clientSecret, webUrl: github.webUrl, apiUrl: github.apiUrl },
});
await t.app.listen({ port, host: '127.0.0.1' });

let counter = 0;
function oidcAccount(overrides: Partial<OidcAccount> = {}): OidcAccount {
  counter++;
  const tag = `${counter}-${randomBytes(3).toString('hex')}`;
  const account: OidcAccount = {
    sub: `sub-${tag}`,
    username: `person${tag}`,
    password: `pw-${tag}`,
    email: `person${tag}@idp.example`,
    isEmailVerified: true,
    name: `Person ${tag}`,
    ...overrides,
  };
  provider.addAccount(account);
  return account;
}

function githubAccount(overrides: Partial<GithubAccount> = {}): GithubAccount {
  counter++;
  const tag = `${counter}${randomBytes(3).toString('hex')}`;
  return {
    id: 1000 + counter,
    login: `octo-${tag}`,
    name: `Octo ${tag}`,
    publicEmail: null,
    emails: [
      { email: `octo-${tag}@users.example`, primary: true, verified: true },
      { email: `old-${tag}@users.example`, primary: false, verified: false },
    ],
    ...overrides,
  };
}

/** Starts at Surplus, signs in on the provider's form, and follows every redirect back. */
async function signInWithOidc(agent: WebAgent, account: OidcAccount, query = ''): Promise<Page> {
  const loginPage = await agent.get(`${publicUrl}/api/v1/auth/oidc/start${query}`);
  assert.equal(loginPage.status, 200, loginPage.body);
  assert.ok(loginPage.url.startsWith(provider.issuer), `expected the provider's login page, got ${loginPage.url}`);
  const page = await agent.submit(loginPage, { username: account.username, password: account.password }, '/login');
  return { ...page, hops: [...loginPage.hops, ...page.hops] };
}

async function me(agent: WebAgent) {
  const page = await agent.get(`${publicUrl}/api/v1/me`);
  return { status: page.status, body: JSON.parse(page.body) };
}

function landing(page: Page) {
  const url = new URL(page.url);
  return { origin: url.origin, path: url.pathname, error: url.searchParams.get('error') };
}

describe('OpenID Connect sign-in against a real provider', () => {
  it('creates a user on first sign-in, with the oidc identity, and lands on return_to', async () => {
    const account = oidcAccount();
    const agent = new WebAgent();
    const page = await signInWithOidc(agent, account, '?return_to=/projects');

    const toProvider = page.hops.find((hop) => hop.url.startsWith(`${provider.issuer}/auth?`));
    assert.ok(toProvider, 'Surplus sent the browser to the authorization endpoint');
    const authorize = new URL(toProvider.url);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('redirect_uri'), oidcCallback);
    assert.deepEqual(landing(page), { origin: publicUrl, path: '/projects', error: null });

    const { status, body } = await me(agent);
    assert.equal(status, 200);
    assert.equal(body.user.email, account.email);
    assert.equal(body.user.name, account.name);
    assert.equal(body.user.has_password, false);
    assert.equal(body.via, 'session');
    assert.deepEqual(
      body.identities.map((identity: { provider: string; login: string; email: string }) => [
        identity.provider,
        identity.login,
        identity.email,
      ]),
      [['oidc', account.username, account.email]],
    );
    const identity = await t.db.selectFrom('identities').selectAll().where('user_id', '=', body.user.id).executeTakeFirstOrThrow();
    assert.equal(identity.subject, `${provider.issuer}/#${account.sub}`);
    const actions = await t.db.selectFrom('audit_events').select('action').where('target_id', '=', body.user.id).execute();
    assert.deepEqual(
      actions.map((row) => row.action),
      ['user.signed_up'],
    );
  });

  it('signs the same person in to the same user again, with or without the provider session', async () => {
    const account = oidcAccount();
    const first = new WebAgent();
    await signInWithOidc(first, account);
    const userId = (await me(first)).body.user.id;

    // Same browser: the provider remembers the person, so no login form this time.
    const again = await first.get(`${publicUrl}/api/v1/auth/oidc/start`);
    assert.deepEqual(landing(again), { origin: publicUrl, path: '/', error: null });
    assert.ok(!again.hops.some((hop) => hop.url.includes('/interaction/')), 'no login form on the second round');

    const second = new WebAgent();
    await signInWithOidc(second, account);
    assert.equal((await me(second)).body.user.id, userId);

    const users = await t.db.selectFrom('users').select('id').where('email', '=', account.email).execute();
    assert.equal(users.length, 1);
    const identities = await t.db.selectFrom('identities').select('subject').where('user_id', '=', userId).execute();
    assert.equal(identities.length, 1);
  });

  it('links to an existing local account with the same verified email instead of making a second user', async () => {
    const local = await t.user({ name: 'Local Person' });
    const account = oidcAccount({ email: local.email.toUpperCase() });
    const agent = new WebAgent();
    await signInWithOidc(agent, account);

    const { body } = await me(agent);
    assert.equal(body.user.id, local.id);
    assert.equal(body.user.has_password, true);
    assert.deepEqual(
      body.identities.map((identity: { provider: string }) => identity.provider),
      ['oidc'],
    );
    const users = await t.db.selectFrom('users').select('id').where('email', '=', local.email).execute();
    assert.equal(users.length, 1);
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_user_id'])
      .where('target_id', '=', local.id)
      .where('action', '=', 'user.identity_linked')
      .execute();
    assert.deepEqual(audit, [{ action: 'user.identity_linked', actor_user_id: local.id }]);
  });

  it('does not link on an unverified email: it refuses and says how to link', async () => {
    const local = await t.user();
    const account = oidcAccount({ email: local.email, isEmailVerified: false });
    const agent = new WebAgent();
    const page = await signInWithOidc(agent, account);

    const landed = landing(page);
    assert.equal(landed.path, '/login');
    assert.match(landed.error ?? '', /exists; sign in with its password/);
    assert.equal((await me(agent)).status, 401);
    const identities = await t.db.selectFrom('identities').select('subject').where('user_id', '=', local.id).execute();
    assert.deepEqual(identities, []);
  });

  it('links an identity with another email to the signed-in account with link=true', async () => {
    const local = await t.user();
    const agent = new WebAgent();
    const login = await agent.postJson(`${publicUrl}/api/v1/auth/login`, { email: local.email, password: local.password });
    assert.equal(login.status, 200, login.body);
    const account = oidcAccount({ email: `work-${randomBytes(3).toString('hex')}@corp.example` });

    const page = await signInWithOidc(agent, account, '?link=true&return_to=/profile');
    assert.deepEqual(landing(page), { origin: publicUrl, path: '/profile', error: null });

    const { body } = await me(agent);
    assert.equal(body.user.id, local.id);
    assert.equal(body.user.email, local.email);
    assert.deepEqual(
      body.identities.map((identity: { provider: string; email: string }) => [identity.provider, identity.email]),
      [['oidc', account.email]],
    );
    // The linked identity now signs in to the local account from anywhere.
    const elsewhere = new WebAgent();
    await signInWithOidc(elsewhere, account);
    assert.equal((await me(elsewhere)).body.user.id, local.id);
  });

  it('refuses to link an identity that already belongs to another user', async () => {
    const account = oidcAccount();
    const owner = new WebAgent();
    await signInWithOidc(owner, account);
    const ownerId = (await me(owner)).body.user.id;

    const other = await t.user();
    const agent = new WebAgent();
    await agent.postJson(`${publicUrl}/api/v1/auth/login`, { email: other.email, password: other.password });
    const page = await signInWithOidc(agent, account, '?link=true');

    const landed = landing(page);
    assert.equal(landed.path, '/login');
    assert.match(landed.error ?? '', /already linked to another account/);
    // Still signed in as before, not switched to the identity's owner.
    assert.equal((await me(agent)).body.user.id, other.id);
    const identity = await t.db
      .selectFrom('identities')
      .select('user_id')
      .where('subject', '=', `${provider.issuer}/#${account.sub}`)
      .executeTakeFirstOrThrow();
    assert.equal(identity.user_id, ownerId);
  });

  it('fails with a redirect to /login when the state was tampered with', async () => {
    const account = oidcAccount();
    const agent = new WebAgent();
    const start = await agent.fetchOnce('GET', `${publicUrl}/api/v1/auth/oidc/start`);
    assert.equal(start.status, 302);
    const authorize = new URL(start.headers.get('location') ?? '');
    authorize.searchParams.set('state', 'forged-state');
    const loginPage = await agent.get(authorize.href);
    const page = await agent.submit(loginPage, { username: account.username, password: account.password }, '/login');

    const callbackHop = page.hops.find((hop) => hop.url.startsWith(oidcCallback));
    assert.ok(callbackHop, 'the provider sent the browser back to Surplus');
    assert.equal(new URL(callbackHop.url).searchParams.get('state'), 'forged-state');
    const landed = landing(page);
    assert.equal(landed.path, '/login');
    assert.match(landed.error ?? '', /state does not match/);
    assert.equal(agent.cookie(publicUrl, 'surplus_session'), undefined);
    assert.equal((await me(agent)).status, 401);
    assert.equal(await t.db.selectFrom('users').select('id').where('email', '=', account.email).executeTakeFirst(), undefined);
  });

  it('fails with a redirect to /login when the callback arrives without a sign-in started here', async () => {
    const agent = new WebAgent();
    const page = await agent.get(`${oidcCallback}?code=abc&state=xyz`);
    assert.equal(landing(page).path, '/login');
    assert.match(landing(page).error ?? '', /try again/);
  });

  it('reports a refusal at the provider on the login page', async () => {
    const agent = new WebAgent();
    const loginPage = await agent.get(`${publicUrl}/api/v1/auth/oidc/start`);
    const page = await agent.submit(loginPage, {}, '/abort');
    const landed = landing(page);
    assert.equal(landed.path, '/login');
    assert.match(landed.error ?? '', /access_denied/);
  });

  it('does not sign in a disabled user', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const account = oidcAccount();
    const first = new WebAgent();
    await signInWithOidc(first, account);
    const userId = (await me(first)).body.user.id;
    const disabled = await t.call('PATCH', `/api/v1/users/${userId}`, { as: admin.token, body: { is_disabled: true } });
    assert.equal(disabled.status, 200);

    const agent = new WebAgent();
    const page = await signInWithOidc(agent, account);
    assert.equal(landing(page).path, '/login');
    assert.match(landing(page).error ?? '', /disabled/);
    assert.equal((await me(agent)).status, 401);
  });
});

describe('GitHub sign-in against the GitHub stand-in', () => {
  it('creates a user with the verified primary email and records the GitHub login', async () => {
    const account = githubAccount();
    github.signInAs(account);
    const agent = new WebAgent();
    const page = await agent.get(`${publicUrl}/api/v1/auth/github/start?return_to=/projects`);
    assert.deepEqual(landing(page), { origin: publicUrl, path: '/projects', error: null });

    const { body } = await me(agent);
    assert.equal(body.user.email, account.emails[0]?.email);
    assert.equal(body.user.name, account.name);
    assert.equal(body.user.github_login, account.login);
    assert.deepEqual(
      body.identities.map((identity: { provider: string; login: string }) => [identity.provider, identity.login]),
      [['github', account.login]],
    );
    const identity = await t.db.selectFrom('identities').selectAll().where('user_id', '=', body.user.id).executeTakeFirstOrThrow();
    assert.equal(identity.subject, String(account.id));
  });

  it('records the GitHub login on an existing account it links to, and follows a renamed login', async () => {
    const local = await t.user();
    const account = githubAccount({ emails: [{ email: local.email, primary: true, verified: true }] });
    github.signInAs(account);
    const agent = new WebAgent();
    await agent.get(`${publicUrl}/api/v1/auth/github/start`);
    assert.equal((await me(agent)).body.user.id, local.id);
    assert.equal((await t.call('GET', '/api/v1/me', { as: local.token })).body.user.github_login, account.login);

    // GitHub logins can be renamed; the numeric id is the identity, the login follows it.
    const renamed = { ...account, login: `${account.login}-renamed` };
    github.signInAs(renamed);
    await new WebAgent().get(`${publicUrl}/api/v1/auth/github/start`);
    const after = await t.call('GET', '/api/v1/me', { as: local.token });
    assert.equal(after.body.user.github_login, renamed.login);
    assert.deepEqual(
      after.body.identities.map((identity: { login: string }) => identity.login),
      [renamed.login],
    );
  });

  it('does not link on a public but unverified GitHub email', async () => {
    const local = await t.user();
    const account = githubAccount({ publicEmail: local.email, emails: [] });
    github.signInAs(account);
    const agent = new WebAgent();
    const page = await agent.get(`${publicUrl}/api/v1/auth/github/start`);
    assert.equal(landing(page).path, '/login');
    assert.equal((await me(agent)).status, 401);
    assert.equal((await t.call('GET', '/api/v1/me', { as: local.token })).body.user.github_login, null);
  });

  it('turns GitHub’s token errors (wrong client secret, replayed code) into a failed sign-in', async () => {
    const account = githubAccount();
    github.signInAs(account);
    const redirect = await fetch(`${github.webUrl}/login/oauth/authorize?client_id=${github.clientId}&state=s1`, { redirect: 'manual' });
    const callback = new URL(redirect.headers.get('location') ?? '');
    assert.equal(callback.searchParams.get('state'), 's1');
    const saved = { state: 's1', nonce: 'n', verifier: 'v', returnTo: '/', link: false };

    const misconfigured = new SsoService({
      oidc: null,
      github: { clientId: github.clientId, clientSecret: 'wrong', webUrl: github.webUrl, apiUrl: github.apiUrl },
    });
    await assert.rejects(misconfigured.finish('github', callback, saved), (error: AppError) => {
      assert.equal(error.code, 'ERR_SSO_FAILED');
      assert.match(error.message, /client_id and\/or client_secret passed are incorrect/);
      return true;
    });
    const configured = new SsoService({
      oidc: null,
      github: { clientId: github.clientId, clientSecret: github.clientSecret, webUrl: github.webUrl, apiUrl: github.apiUrl },
    });
    assert.equal((await configured.finish('github', callback, saved)).login, account.login);
    await assert.rejects(configured.finish('github', callback, saved), (error: AppError) => {
      assert.equal(error.code, 'ERR_SSO_FAILED');
      assert.match(error.message, /code passed is incorrect or expired/);
      return true;
    });
  });

  it('reads the API from a GitHub Enterprise layout (/api/v3)', async () => {
    const account = githubAccount();
    github.signInAs(account);
    const enterprise = new SsoService({
      oidc: null,
      github: { clientId: github.clientId, clientSecret: github.clientSecret, webUrl: github.webUrl, apiUrl: `${github.webUrl}/api/v3` },
    });
    const { url, state } = await enterprise.start('github', githubCallback, '/', false);
    const redirect = await fetch(url, { redirect: 'manual' });
    const profile = await enterprise.finish('github', new URL(redirect.headers.get('location') ?? ''), state);
    assert.deepEqual(profile, {
      provider: 'github',
      subject: String(account.id),
      email: account.emails[0]?.email,
      isEmailVerified: true,
      name: account.name,
      login: account.login,
    });
  });
});

describe('single sign-on when sign-up is closed', () => {
  it('blocks new SSO users but still signs in people who have an account', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const known = oidcAccount();
    await signInWithOidc(new WebAgent(), known);

    const closed = await t.call('PUT', '/api/v1/auth/settings', { as: admin.token, body: { signup_open: false } });
    assert.equal(closed.status, 200);
    try {
      const stranger = oidcAccount();
      const agent = new WebAgent();
      const page = await signInWithOidc(agent, stranger);
      assert.equal(landing(page).path, '/login');
      assert.match(landing(page).error ?? '', /Sign-up is closed/);
      assert.equal(await t.db.selectFrom('users').select('id').where('email', '=', stranger.email).executeTakeFirst(), undefined);

      const githubStranger = githubAccount();
      github.signInAs(githubStranger);
      const githubPage = await new WebAgent().get(`${publicUrl}/api/v1/auth/github/start`);
      assert.match(landing(githubPage).error ?? '', /Sign-up is closed/);

      const returning = new WebAgent();
      await signInWithOidc(returning, known);
      assert.equal((await me(returning)).body.user.email, known.email);
    } finally {
      await t.call('PUT', '/api/v1/auth/settings', { as: admin.token, body: { signup_open: true } });
    }
  });

  it('lists the configured providers for the sign-in page', async () => {
    const response = await t.call('GET', '/api/v1/auth/settings');
    assert.deepEqual(response.body.providers, { local: true, oidc: { name: 'Test IdP' }, github: true });
  });
});

describe('single sign-on that cannot start', () => {
  it('sends the browser back to the sign-in page with the reason', async () => {
    const broken = await createTestApp({
      oidc: { issuerUrl: `http://127.0.0.1:${await freePort()}`, clientId: 'x', clientSecret: 'y', displayName: 'Gone' },
      github: null,
    });
    const unreachable = await broken.call('GET', '/api/v1/auth/oidc/start');
    assert.equal(unreachable.status, 302);
    const location = new URL(String(unreachable.headers.location), 'http://surplus.test');
    assert.equal(location.pathname, '/login');
    assert.match(location.searchParams.get('error') ?? '', /Cannot reach the OpenID Connect issuer/);

    const unconfigured = await broken.call('GET', '/api/v1/auth/github/start');
    assert.equal(unconfigured.status, 302);
    assert.match(String(unconfigured.headers.location), /^\/login\?error=GitHub%20sign-in%20is%20not%20configured/);
    assert.equal((await broken.call('GET', '/api/v1/auth/settings')).body.providers.github, false);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
