import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, eventually, otherConnection, type TestUser } from './harness.ts';

// API tokens are cached in the process (decision 0007); these changes must reach it from anywhere:
// through the API, and straight in the database from another connection (another Surplus process, an
// operator's SQL), announced by migration 0062's triggers on the channel surplus_auth.
const t = await createTestApp({ hasCaches: true });
const cache = t.services.accounts.tokens;
const other = await otherConnection(t);

const status = async (token: string, url = '/api/v1/me') => (await t.call('GET', url, { as: token })).status;

/** A user whose token this process has looked up and cached. */
async function cachedUser(): Promise<TestUser> {
  const user = await t.user();
  assert.equal(await status(user.token), 200);
  assert.equal(await status(user.token), 200);
  return user;
}

describe('bearer tokens cached in the process', async () => {
  await eventually('the LISTEN connection is up', async () => cache.isListening);

  it('serves a token from the cache once it was looked up', async () => {
    const before = cache.size;
    await cachedUser();
    assert.equal(cache.size, before + 1);
  });

  it('refuses a token at once after it is revoked through the API', async () => {
    const user = await cachedUser();
    const created = await t.call('POST', '/api/v1/me/tokens', { as: user.token, body: { name: 'ci' } });
    assert.equal(await status(created.body.secret), 200);
    const revoked = await t.call('DELETE', `/api/v1/me/tokens/${created.body.token.id}`, { as: user.token });
    assert.equal(revoked.status, 200);
    assert.equal(await status(created.body.secret), 401);
    assert.equal(await status(user.token), 200);
  });

  it('refuses a token revoked by SQL from another connection', async () => {
    const user = await cachedUser();
    const kept = await t.user();
    assert.equal(await status(kept.token), 200);
    await other.query('update api_tokens set revoked_at = now() where user_id = $1', [user.id]);
    await eventually('the revoked token is refused', async () => (await status(user.token)) === 401);
    assert.equal(await status(kept.token), 200);
  });

  it('refuses the tokens of a user disabled by SQL, and of a deleted token', async () => {
    const user = await cachedUser();
    await other.query('update users set is_disabled = true where id = $1', [user.id]);
    await eventually('the disabled user is refused', async () => (await status(user.token)) === 401);
    const gone = await cachedUser();
    await other.query('delete from api_tokens where user_id = $1', [gone.id]);
    await eventually('the deleted token is refused', async () => (await status(gone.token)) === 401);
  });

  it('acts with the roles a user has now, also when they change by SQL', async () => {
    const user = await cachedUser();
    assert.equal(await status(user.token, '/api/v1/projects?scope=all'), 403);
    await other.query(`update users set roles = '{reviewer}' where id = $1`, [user.id]);
    await eventually('the new role counts', async () => (await status(user.token, '/api/v1/projects?scope=all')) === 200);
    const me = await t.call('GET', '/api/v1/me', { as: user.token });
    assert.deepEqual(me.body.user.roles, ['reviewer']);
  });

  it('still records when a token was last used', async () => {
    const user = await cachedUser();
    const { rows } = await other.query('select last_used_at from api_tokens where user_id = $1', [user.id]);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].last_used_at instanceof Date);
  });

  it('drops every entry when the LISTEN connection is lost, and caches again once it is back', async () => {
    await cachedUser();
    assert.ok(cache.size > 0);
    await other.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %'`,
    );
    await eventually('the cache noticed', async () => !cache.isListening);
    assert.equal(cache.size, 0);
    // Without the connection every request looks its token up: a change made now still counts.
    const user = await t.user();
    assert.equal(await status(user.token), 200);
    assert.equal(cache.size, 0);
    await eventually('LISTEN is back', async () => cache.isListening);
    await cachedUser();
    assert.equal(cache.size, 1);
  });
});
