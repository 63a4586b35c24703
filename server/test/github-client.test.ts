import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GithubApiError, GithubClient } from '../src/intake/github-client.ts';
import { startGithubApiStandin } from './fixtures/github-api-standin.ts';

const github = await startGithubApiStandin();
after(() => github.stop());

const noWait = async () => {};
const client = (overrides: { url?: string; token?: string; timeoutMs?: number } = {}) =>
  new GithubClient({ url: overrides.url ?? github.url, token: overrides.token ?? github.token, timeoutMs: overrides.timeoutMs }, noWait);
const callsSince = (start: number) => github.calls.slice(start).map((call) => `${call.method} ${call.path}`);

describe('GitHub REST client (against the GitHub API stand-in)', () => {
  it('comments, lists comments and sets labels with the token and API version', async () => {
    const start = github.calls.length;
    const comment = await client().createComment('acme/requests', 7, 'Hello');
    assert.equal(comment.user?.login, github.botLogin);
    const listed = await client().listComments('acme/requests', 7, null);
    assert.deepEqual(
      listed.map((entry) => entry.body),
      ['Hello'],
    );
    assert.deepEqual(await client().addLabels('acme/requests', 7, ['surplus:submitted']), ['surplus:submitted']);
    await client().removeLabel('acme/requests', 7, 'surplus:submitted');
    assert.deepEqual(github.labels('acme/requests', 7), []);
    assert.deepEqual(callsSince(start), [
      'POST /repos/acme/requests/issues/7/comments',
      'GET /repos/acme/requests/issues/7/comments',
      'POST /repos/acme/requests/issues/7/labels',
      'DELETE /repos/acme/requests/issues/7/labels/surplus%3Asubmitted',
    ]);
    assert.equal(github.calls[start]?.authorization, `Bearer ${github.token}`);
    assert.deepEqual(github.calls[start]?.body, { body: 'Hello' });
  });

  it('works under a GitHub Enterprise base URL (/api/v3), with or without a trailing slash', async () => {
    const start = github.calls.length;
    await client({ url: `${github.enterpriseUrl}/` }).addLabels('acme/requests', 8, ['x']);
    assert.equal(github.calls.length, start + 1);
    assert.deepEqual(github.labels('acme/requests', 8), ['x']);
  });

  it('retries reads and label calls on 5xx, then succeeds', async () => {
    github.failNext(2, 502);
    const start = github.calls.length;
    assert.deepEqual(await client().addLabels('acme/requests', 9, ['surplus:in-review']), ['surplus:in-review']);
    assert.equal(github.calls.length - start, 3);
  });

  it('gives up after its attempts and says the error is worth retrying later', async () => {
    github.failNext(3, 503);
    await assert.rejects(client().listComments('acme/requests', 9, null), (error: GithubApiError) => {
      assert.equal(error.status, 503);
      assert.equal(error.isRetryable, true);
      assert.match(error.message, /GitHub GET \/repos\/acme\/requests\/issues\/9\/comments answered 503/);
      return true;
    });
  });

  it('does not repeat creating a comment: GitHub may have made it before failing', async () => {
    github.failNext(1, 500);
    const start = github.calls.length;
    await assert.rejects(client().createComment('acme/requests', 10, 'once'), GithubApiError);
    assert.equal(github.calls.length - start, 1);
  });

  it('does not retry a refused token', async () => {
    const start = github.calls.length;
    await assert.rejects(client({ token: 'ghs_wrong' }).addLabels('acme/requests', 11, ['x']), (error: GithubApiError) => {
      assert.equal(error.status, 401);
      assert.equal(error.isRetryable, false);
      assert.match(error.message, /Bad credentials/);
      return true;
    });
    assert.equal(github.calls.length - start, 1);
  });

  it('treats removing a label the issue does not have as done', async () => {
    await client().removeLabel('acme/requests', 12, 'surplus:approved');
  });

  it('times out a call that gets no answer, and retries it', async () => {
    github.stallNext(1);
    const start = github.calls.length;
    assert.deepEqual(await client({ timeoutMs: 200 }).addLabels('acme/requests', 13, ['late']), ['late']);
    assert.equal(github.calls.length - start, 2);
  });
});
