import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { signatureOf } from '../src/intake/webhook.ts';
import { startGithubApiStandin } from './fixtures/github-api-standin.ts';
import { createTestApp } from './harness.ts';

const github = await startGithubApiStandin({ botLogin: 'surplus-bot' });
after(() => github.stop());
const t = await createTestApp({ githubApi: { url: github.url, token: github.token, botLogin: github.botLogin } });
// Deliveries arrive over real HTTP, as GitHub sends them.
await t.app.listen({ port: 0, host: '127.0.0.1' });
const hookUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/hooks/github`;

const REPO = 'acme-oss/cluster';
const ARM_REPO = 'acme-oss/arm-builders';
const SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const ARM_SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const fixture = (name: string) => readFileSync(new URL(`../src/intake/fixtures/${name}`, import.meta.url), 'utf8');

const admin = await t.user({ roles: ['admin'] });
for (const [slug, repository, secret] of [
  ['oss', REPO, SECRET],
  ['arm', ARM_REPO, ARM_SECRET],
]) {
  const created = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: 10_000_000, github_repository: repository, github_secret: secret },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

type Delivery = { status: number; body: any };

async function send(raw: string, headers: Record<string, string>): Promise<Delivery> {
  const response = await fetch(hookUrl, { method: 'POST', headers, body: raw });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Sends a delivery signed the way GitHub signs it (unless told otherwise). */
async function deliver(
  event: string,
  payload: unknown,
  options: { secret?: string; deliveryId?: string; signature?: string | null; raw?: string; contentType?: string } = {},
): Promise<Delivery> {
  const raw = options.raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': event,
    'x-github-delivery': options.deliveryId ?? randomUUID(),
  };
  const signature = options.signature === undefined ? signatureOf(options.secret ?? SECRET, Buffer.from(raw)) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return send(raw, headers);
}

let nextIssue = 100;
function issueEvent(
  action: string,
  issue: { number: number; body: string; title?: string; login?: string; state?: string },
  repository = REPO,
) {
  const login = issue.login ?? 'octo-maintainer';
  return {
    action,
    issue: {
      number: issue.number,
      title: issue.title ?? '[Cluster Request]: bare metal for CI',
      body: issue.body,
      state: issue.state ?? (action === 'closed' ? 'closed' : 'open'),
      user: { login, id: 4242, type: 'User' },
      labels: [],
      html_url: `https://github.com/${repository}/issues/${issue.number}`,
    },
    repository: {
      id: 99,
      name: repository.split('/')[1],
      full_name: repository,
      private: false,
      owner: { login: repository.split('/')[0] },
    },
    sender: { login, id: 4242, type: 'User' },
  };
}
function commentEvent(action: string, issueNumber: number, comment: { id: number; body: string; login: string }) {
  return {
    action,
    issue: { number: issueNumber, title: 'x', state: 'open', user: { login: 'octo-maintainer' } },
    comment: { id: comment.id, body: comment.body, user: { login: comment.login, id: 7, type: 'User' } },
    repository: { id: 99, name: 'cluster', full_name: REPO, owner: { login: 'acme-oss' } },
    sender: { login: comment.login },
  };
}

const programId = async (slug: string) =>
  (await t.db.selectFrom('programs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
const requestFor = (program: string, issue: number) =>
  t.db.selectFrom('requests').selectAll().where('program_id', '=', program).where('github_issue', '=', issue).executeTakeFirst();
const resourcesOf = (requestId: string) =>
  t.db
    .selectFrom('request_resources')
    .select(['plan_slug', 'quantity', 'metro_code', 'os_slug', 'unmatched'])
    .where('request_id', '=', requestId)
    .orderBy('position')
    .execute();
const rowCounts = async () => {
  const count = async (table: 'requests' | 'github_deliveries' | 'audit_events' | 'request_comments' | 'project_claims') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    requests: await count('requests'),
    deliveries: await count('github_deliveries'),
    audit: await count('audit_events'),
    comments: await count('request_comments'),
    claims: await count('project_claims'),
  };
};
const labelsOf = (issue: number, repository = REPO) => github.labels(repository, issue).toSorted();
const botComments = (issue: number, repository = REPO) => github.comments(repository, issue).map((comment) => comment.body);

/**
 * Runs queued jobs and waits for the ones still running: the harness stops its worker as soon as
 * nothing is waiting, while a reply job may still be retrying a GitHub call.
 */
async function runJobs() {
  await t.runJobs();
  for (let i = 0; i < 200; i++) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from graphile_worker.jobs where locked_at is not null`.execute(t.db);
    if (Number(rows[0]?.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('a job is still running after 10 s');
}

let oss: string;
let maintainer: Awaited<ReturnType<typeof t.user>>;
before(async () => {
  oss = await programId('oss');
  maintainer = await t.user({ githubLogin: 'octo-maintainer' });
  await t.project(maintainer, { name: 'Kepler', repository_url: 'https://github.com/Sustainable-Computing-IO/kepler' });
});

describe('GitHub intake: deliveries', () => {
  it('answers ping with 200 and records the delivery', async () => {
    const deliveryId = randomUUID();
    const response = await deliver(
      'ping',
      { zen: 'Keep it logically awesome.', hook_id: 1, repository: { full_name: REPO } },
      { deliveryId },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.outcome, 'pong');
    const row = await t.db.selectFrom('github_deliveries').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirstOrThrow();
    assert.equal(row.program_id, oss);
    assert.equal(row.event, 'ping');
  });

  it('opened with a complete body: a submitted request, linked to the author’s project, resources matched; the bot acknowledges', async () => {
    const number = nextIssue++;
    const response = await deliver('issues', issueEvent('opened', { number, body: fixture('01-form-complete.md') }));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.outcome, 'request_created');
    assert.equal(response.body.request.state, 'submitted');

    const request = await requestFor(oss, number);
    assert.ok(request);
    assert.equal(request.source, 'github');
    assert.equal(request.github_author, 'octo-maintainer');
    assert.equal(request.created_by, maintainer.id);
    assert.ok(request.project_id, 'the author’s project with that repository (any letter case) is linked');
    assert.equal(request.title, 'Energy measurement CI for Kepler on real hardware');
    assert.equal(request.contact_email, 'jane.doe@kepler-project.io');
    assert.deepEqual(request.missing, []);
    assert.equal(Number(request.monthly_estimate_cents), 5 * 310 * 730, '5 × m3.large.x86 at 310 ¢/h × 730 h');
    assert.deepEqual(await resourcesOf(request.id), [
      { plan_slug: 'm3.large.x86', quantity: 5, metro_code: null, os_slug: 'ubuntu_22_04', unmatched: null },
    ]);
    const claims = await t.db.selectFrom('project_claims').select('id').where('request_id', '=', request.id).execute();
    assert.equal(claims.length, 0, 'a linked request needs no claim');

    // The fixed point: the API lists it with source, github_issue and resources.
    const listed = await t.call('GET', '/api/v1/requests?program=oss&source=github', { as: admin.token });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const item = listed.body.items.find((entry: { github_issue: number }) => entry.github_issue === number);
    assert.equal(item.state, 'submitted');
    assert.equal(item.source, 'github');
    assert.deepEqual(
      item.resources.map(({ monthly_cents: _, ...line }: { monthly_cents: number }) => line),
      [{ plan: 'm3.large.x86', quantity: 5, metro: null, operating_system: 'ubuntu_22_04', unmatched: null }],
    );

    await runJobs();
    const comments = botComments(number);
    assert.equal(comments.length, 1);
    assert.match(comments[0] ?? '', /^Thanks, @octo-maintainer: your request is complete and waiting for review as request #\d+/);
    assert.doesNotMatch(comments[0] ?? '', /sign in to Surplus with GitHub/, 'a linked request needs no claim');
    assert.deepEqual(labelsOf(number), ['surplus:submitted']);
    const call = github.calls.find((entry) => entry.method === 'POST' && entry.path === `/repos/${REPO}/issues/${number}/comments`);
    assert.equal(call?.authorization, `Bearer ${github.token}`);
  });

  it('keeps a plan it cannot match as text, flags it, and tells the author a reviewer will check it', async () => {
    const number = nextIssue++;
    const response = await deliver(
      'issues',
      issueEvent('opened', { number, body: fixture('05-form-unmatched-plans.md'), login: 'priya-r' }),
    );
    assert.equal(response.body.request.state, 'submitted', 'an unmatched plan is for reviewers, not a missing answer');
    const request = await requestFor(oss, number);
    assert.ok(request);
    const lines = await resourcesOf(request.id);
    assert.deepEqual(
      lines.map((line) => [line.plan_slug, line.quantity, line.metro_code]),
      [
        ['c3.small.x86', 2, 'da'],
        [null, 1, 'da'],
        ['s3.xlarge.x86', 2, 'da'],
        [null, 4, 'da'],
      ],
    );
    assert.match(lines[1]?.unmatched ?? '', /^1 x c1\.small\.x86/);
    assert.match(lines[3]?.unmatched ?? '', /^4 x x2\.xlarge\.x86/);
    assert.equal(Number(request.monthly_estimate_cents), (2 * 75 + 2 * 295) * 730, 'unmatched lines cost nothing in the estimate');

    await runJobs();
    const [comment] = botComments(number);
    assert.match(comment ?? '', /matched nothing in the catalog; a reviewer will check them/);
    assert.match(comment ?? '', /- `1 x c1\.small\.x86/);
    assert.match(comment ?? '', /sign in to Surplus with GitHub to take this request over/);
  });

  it('opened with missing answers: needs_info, and the reply lists exactly what is missing; editing it complete submits it', async () => {
    const number = nextIssue++;
    // A program webhook hears of the submission (not of needs_info); its receiver is not needed here.
    const hook = await t.call('POST', '/api/v1/programs/oss/webhooks', {
      as: admin.token,
      body: { url: 'http://127.0.0.1:9/surplus-events', events: ['request.submitted'] },
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const announced = () =>
      t.db.selectFrom('webhook_deliveries').select('payload').where('webhook_id', '=', hook.body.webhook.id).execute();
    const opened = await deliver('issues', issueEvent('opened', { number, body: fixture('04-form-missing.md') }));
    assert.equal(opened.status, 200);
    assert.equal(opened.body.request.state, 'needs_info');
    const request = await requestFor(oss, number);
    assert.ok(request);
    assert.deepEqual(request.missing, ['email', 'open_source_url', 'machines']);
    assert.deepEqual(await resourcesOf(request.id), []);

    await runJobs();
    const [reply] = botComments(number);
    const listed = (reply ?? '')
      .split('\n')
      .filter((line) => line.startsWith('- '))
      .map((line) => line.replace(/:.*/, ''));
    assert.deepEqual(listed, ['- Email', '- Open source project URL', '- Machines'], reply);
    assert.match(reply ?? '', /Thanks for your request, @octo-maintainer!/);
    assert.deepEqual(labelsOf(number), ['surplus:needs-info']);

    const complete = fixture('04-form-missing.md')
      .replace('### Email\n\n_No response_', '### Email\n\nsam@csi-driver.example')
      .replace('Yes it is open source, I lead the project.', 'Yes: https://github.com/example/csi-driver, I lead the project.')
      .replace(/(### What kind of machines[^\n]*\n\n)_No response_/, '$12 x c3.small.x86 in NY');
    const edited = await deliver('issues', issueEvent('edited', { number, body: complete }));
    assert.equal(edited.body.outcome, 'request_updated');
    assert.equal(edited.body.request.state, 'submitted');
    const after = await requestFor(oss, number);
    assert.deepEqual(after?.missing, []);
    assert.equal(after?.contact_email, 'sam@csi-driver.example');
    assert.deepEqual(await resourcesOf(request.id), [
      { plan_slug: 'c3.small.x86', quantity: 2, metro_code: 'ny', os_slug: null, unmatched: null },
    ]);
    const events = await t.db
      .selectFrom('request_events')
      .select(['from_state', 'to_state'])
      .where('request_id', '=', request.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((event) => `${event.from_state}→${event.to_state}`),
      ['null→draft', 'draft→needs_info', 'needs_info→submitted'],
    );
    const [submitted, ...more] = (await announced()).map((row) => (row.payload as any).data);
    assert.equal(more.length, 0, 'announced once, when it became complete');
    assert.equal(submitted.from_state, 'needs_info');
    assert.equal(submitted.request.id, request.id);
    assert.equal(submitted.request.source, 'github');
    assert.equal(submitted.request.github_issue, number);
    assert.equal(submitted.request.state, 'submitted');
    assert.equal((await t.call('DELETE', `/api/v1/programs/oss/webhooks/${hook.body.webhook.id}`, { as: admin.token })).status, 204);

    await runJobs();
    assert.equal(botComments(number).length, 2);
    assert.match(botComments(number)[1] ?? '', /your request is complete/);
    assert.deepEqual(labelsOf(number), ['surplus:submitted'], 'the needs-info label is gone');
  });

  it('a reply job that failed half way is run again without a second comment', async () => {
    const number = nextIssue++;
    await deliver('issues', issueEvent('opened', { number, body: fixture('03-form-spelled-count.md') }));
    // GitHub takes the comment, then fails every attempt at the labels: the job fails and is retried later.
    github.failNext(3, 502, /^POST \/repos\/.+\/labels$/);
    await runJobs();
    assert.equal(botComments(number).length, 1);
    assert.deepEqual(labelsOf(number), []);
    const failed = await sql<{
      last_error: string;
    }>`select last_error from graphile_worker.jobs where task_identifier = 'github_reply' and attempts > 0`.execute(t.db);
    assert.match(failed.rows[0]?.last_error ?? '', /answered 502/);

    await sql`update graphile_worker._private_jobs set run_at = now()`.execute(t.db);
    await runJobs();
    assert.equal(botComments(number).length, 1, 'the job found its own comment and did not post it again');
    assert.deepEqual(labelsOf(number), ['surplus:submitted']);
  });

  it('a replayed delivery answers 200 and changes nothing', async () => {
    const number = nextIssue++;
    const deliveryId = randomUUID();
    const payload = issueEvent('opened', { number, body: fixture('02-form-several-plans.md') });
    const first = await deliver('issues', payload, { deliveryId });
    assert.equal(first.body.outcome, 'request_created');
    const before = await rowCounts();
    const replayed = await deliver('issues', payload, { deliveryId });
    assert.equal(replayed.status, 200);
    assert.equal(replayed.body.outcome, 'duplicate');
    assert.deepEqual(await rowCounts(), before);
    const requests = await t.db
      .selectFrom('requests')
      .select('id')
      .where('program_id', '=', oss)
      .where('github_issue', '=', number)
      .execute();
    assert.equal(requests.length, 1);
  });

  it('an opening and an edit of one issue arriving at once make one request', async () => {
    const number = nextIssue++;
    const [opened, edited] = await Promise.all([
      deliver('issues', issueEvent('opened', { number, body: fixture('04-form-missing.md') })),
      deliver('issues', issueEvent('edited', { number, body: fixture('02-form-several-plans.md') })),
    ]);
    assert.deepEqual([opened.status, edited.status], [200, 200], JSON.stringify([opened.body, edited.body]));
    const requests = await t.db
      .selectFrom('requests')
      .select('id')
      .where('program_id', '=', oss)
      .where('github_issue', '=', number)
      .execute();
    assert.equal(requests.length, 1);
    assert.deepEqual(
      [opened.body.outcome, edited.body.outcome].toSorted(),
      ['request_created', 'request_updated'],
      'whichever came second saw the first',
    );
  });

  it('closing the issue withdraws the request, quietly: a label, no comment', async () => {
    const number = nextIssue++;
    await deliver('issues', issueEvent('opened', { number, body: fixture('03-form-spelled-count.md') }));
    await runJobs();
    const closed = await deliver('issues', issueEvent('closed', { number, body: fixture('03-form-spelled-count.md') }));
    assert.equal(closed.body.outcome, 'request_withdrawn');
    assert.equal((await requestFor(oss, number))?.state, 'withdrawn');
    await runJobs();
    assert.equal(botComments(number).length, 1, 'only the acknowledgement of the opening');
    assert.deepEqual(labelsOf(number), ['surplus:withdrawn']);

    const editedAfter = await deliver('issues', issueEvent('edited', { number, body: fixture('04-form-missing.md'), state: 'closed' }));
    assert.equal(editedAfter.body.outcome, 'ignored: the request is withdrawn', 'a decided request is not re-read');
    assert.equal((await requestFor(oss, number))?.state, 'withdrawn');
  });

  it('reopening the issue of a withdrawn request starts a new request from it, and says so on the issue', async () => {
    const number = nextIssue++;
    const requestsOf = () =>
      t.db
        .selectFrom('requests')
        .select(['id', 'number', 'state'])
        .where('program_id', '=', oss)
        .where('github_issue', '=', number)
        .orderBy('created_at')
        .execute();
    await deliver('issues', issueEvent('opened', { number, body: fixture('03-form-spelled-count.md') }));
    await runJobs();
    await deliver('issues', issueEvent('closed', { number, body: fixture('03-form-spelled-count.md') }));
    await runJobs();
    const [withdrawn] = await requestsOf();
    assert.equal(withdrawn?.state, 'withdrawn');

    // Withdrawal is final (docs/github-intake.md): the withdrawn request stays as it was, a new one starts.
    const reopened = await deliver('issues', issueEvent('reopened', { number, body: fixture('03-form-spelled-count.md') }));
    assert.equal(reopened.status, 200);
    assert.equal(reopened.body.outcome, 'request_reopened');
    const [first, second] = await requestsOf();
    assert.deepEqual([first?.state, second?.state], ['withdrawn', 'submitted']);
    assert.equal(reopened.body.request.id, second?.id);
    const events = await t.db
      .selectFrom('request_events')
      .select('note')
      .where('request_id', '=', second?.id as string)
      .execute();
    assert.ok(
      events.some((event) => event.note?.includes(`reopened after request #${withdrawn?.number} was withdrawn`)),
      JSON.stringify(events),
    );
    await runJobs();
    const comments = botComments(number);
    assert.equal(comments.length, 2, 'the new request is acknowledged on the issue');
    assert.match(comments[1] ?? '', new RegExp(`waiting for review as request #${second?.number}\\b`));
    assert.deepEqual(labelsOf(number), ['surplus:submitted']);

    // The issue's comments and edits now belong to the new request.
    const comment = await deliver(
      'issue_comment',
      commentEvent('created', number, { id: 9_100_001, body: 'Still needed, thanks!', login: 'octo-maintainer' }),
    );
    assert.equal(comment.body.request.id, second?.id);
    const replayed = await deliver('issues', issueEvent('reopened', { number, body: fixture('03-form-spelled-count.md') }));
    assert.equal(replayed.body.outcome, 'request_updated', 'a second reopening while one is open starts nothing');
    assert.equal((await requestsOf()).length, 2);
  });

  it('stores issue comments with their GitHub id, follows edits and deletions, and ignores the bot’s own', async () => {
    const number = nextIssue++;
    await deliver('issues', issueEvent('opened', { number, body: fixture('01-form-complete.md') }));
    const request = await requestFor(oss, number);
    assert.ok(request);
    const stored = await deliver(
      'issue_comment',
      commentEvent('created', number, { id: 555001, body: 'We can also use **arm64**.', login: 'octo-maintainer' }),
    );
    assert.equal(stored.body.outcome, 'comment_stored');
    const rows = await t.db.selectFrom('request_comments').selectAll().where('request_id', '=', request.id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.github_comment_id, '555001');
    assert.equal(rows[0]?.author_user_id, maintainer.id);
    assert.equal(rows[0]?.author_label, '@octo-maintainer on GitHub');
    assert.match(rows[0]?.body_html ?? '', /<strong>arm64<\/strong>/);

    const edited = await deliver(
      'issue_comment',
      commentEvent('edited', number, { id: 555001, body: 'We can use arm64 too.', login: 'octo-maintainer' }),
    );
    assert.equal(edited.body.outcome, 'comment_updated');

    await runJobs();
    const [botReply] = github.comments(REPO, number);
    assert.ok(botReply);
    const echoed = await deliver(
      'issue_comment',
      commentEvent('created', number, { id: botReply.id, body: botReply.body, login: github.botLogin }),
    );
    assert.equal(echoed.body.outcome, 'ignored: the bot’s own comment');
    const quoted = await deliver(
      'issue_comment',
      commentEvent('created', number, { id: 555002, body: botReply.body, login: 'someone-else' }),
    );
    assert.equal(quoted.body.outcome, 'ignored: the bot’s own comment', 'the reply marker identifies the bot under any account');
    const after = await t.db.selectFrom('request_comments').select(['body_md']).where('request_id', '=', request.id).execute();
    assert.deepEqual(
      after.map((row) => row.body_md),
      ['We can use arm64 too.'],
    );

    const deleted = await deliver('issue_comment', commentEvent('deleted', number, { id: 555001, body: '', login: 'octo-maintainer' }));
    assert.equal(deleted.body.outcome, 'comment_deleted');
    const actions = await t.db.selectFrom('audit_events').select('action').where('target_id', '=', request.id).orderBy('id').execute();
    assert.deepEqual(
      actions.map((row) => row.action).filter((action) => action.startsWith('request.comment')),
      ['request.comment_added', 'request.comment_edited', 'request.comment_deleted'],
    );
  });

  it('takes GitHub’s form-encoded deliveries too (payload=…)', async () => {
    const number = nextIssue++;
    const raw = new URLSearchParams({
      payload: JSON.stringify(issueEvent('opened', { number, body: fixture('08-old-bullets.md') })),
    }).toString();
    const response = await deliver('issues', null, { raw, contentType: 'application/x-www-form-urlencoded' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.request.state, 'submitted');
  });
});

describe('GitHub intake: bad deliveries change nothing', () => {
  const payload = () => issueEvent('opened', { number: nextIssue++, body: fixture('01-form-complete.md') });

  it('a wrong signature: 401, zero rows', async () => {
    const before = await rowCounts();
    const response = await deliver('issues', payload(), { secret: 'not-the-secret' });
    assert.equal(response.status, 401);
    assert.equal(response.body.error.code, 'ERR_UNAUTHENTICATED');
    assert.match(response.body.error.message, /X-Hub-Signature-256 does not match/);
    assert.deepEqual(await rowCounts(), before);
  });

  it('a missing signature: 401, zero rows', async () => {
    const before = await rowCounts();
    const response = await deliver('issues', payload(), { signature: null });
    assert.equal(response.status, 401);
    assert.match(response.body.error.message, /X-Hub-Signature-256 is missing/);
    assert.deepEqual(await rowCounts(), before);
  });

  it('a signature of another shape (the old SHA-1 header format): 401', async () => {
    const response = await deliver('issues', payload(), { signature: 'sha1=0123456789abcdef0123456789abcdef01234567' });
    assert.equal(response.status, 401);
  });

  it('a repository no program takes deliveries from: 401, zero rows', async () => {
    const before = await rowCounts();
    const response = await deliver('issues', issueEvent('opened', { number: 1, body: 'x' }, 'someone/elses-repo'));
    assert.equal(response.status, 401);
    assert.match(response.body.error.message, /No program takes GitHub deliveries from someone\/elses-repo/);
    assert.deepEqual(await rowCounts(), before);
  });

  it('a body over 1 MiB: 413, zero rows', async () => {
    const before = await rowCounts();
    const big = issueEvent('opened', { number: nextIssue++, body: 'x'.repeat(1024 * 1024) });
    const response = await deliver('issues', big);
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'ERR_PAYLOAD_TOO_LARGE');
    assert.deepEqual(await rowCounts(), before);
  });

  it('malformed JSON: 400 when signed with a program’s secret, 401 when not', async () => {
    const before = await rowCounts();
    const signed = await deliver('issues', null, { raw: '{"action": "opened", "issue": ' });
    assert.equal(signed.status, 400);
    assert.equal(signed.body.error.code, 'ERR_MALFORMED_JSON');
    const unsigned = await deliver('issues', null, { raw: '{"action": "opened", "issue": ', secret: 'guess' });
    assert.equal(unsigned.status, 401);
    assert.deepEqual(await rowCounts(), before);
  });

  it('a signed delivery missing a header or a field: 400 naming it', async () => {
    const before = await rowCounts();
    const raw = JSON.stringify(payload());
    const noDelivery = await send(raw, {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-hub-signature-256': signatureOf(SECRET, Buffer.from(raw)),
    });
    assert.equal(noDelivery.status, 400);
    assert.deepEqual(noDelivery.body.error.fields, [{ field: 'X-GitHub-Delivery', message: 'is missing or not a delivery id' }]);
    const broken = issueEvent('opened', { number: 5, body: 'x' }) as { issue: Record<string, unknown> };
    delete broken.issue.number;
    const noNumber = await deliver('issues', broken);
    assert.equal(noNumber.status, 400);
    assert.equal(noNumber.body.error.fields[0].field, 'issue.number');
    assert.deepEqual(await rowCounts(), before);
  });
});

describe('GitHub intake: one URL for every program', () => {
  it('routes each delivery by its repository to that program, checked with that program’s secret', async () => {
    const arm = await programId('arm');
    const number = 7;
    const wrongSecret = await deliver('issues', issueEvent('opened', { number, body: fixture('02-form-several-plans.md') }, ARM_REPO));
    assert.equal(wrongSecret.status, 401, 'the oss program’s secret does not open the arm program’s deliveries');
    const response = await deliver('issues', issueEvent('opened', { number, body: fixture('02-form-several-plans.md') }, ARM_REPO), {
      secret: ARM_SECRET,
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.ok(await requestFor(arm, number));
    assert.equal(await requestFor(oss, number), undefined);
    await runJobs();
    assert.equal(botComments(number, ARM_REPO).length, 1, 'the reply goes to the issue in the arm program’s repository');
  });
});

describe('GitHub intake: project claims', () => {
  it('an unknown author gets a claim, and takes the request over after signing in with GitHub', async () => {
    const number = nextIssue++;
    const opened = await deliver('issues', issueEvent('opened', { number, body: fixture('03-form-spelled-count.md'), login: 'MJ-Garcia' }));
    assert.equal(opened.body.request.state, 'submitted');
    const request = await requestFor(oss, number);
    assert.ok(request);
    assert.equal(request.project_id, null);
    assert.equal(request.created_by, null);
    const claim = await t.db.selectFrom('project_claims').selectAll().where('request_id', '=', request.id).executeTakeFirstOrThrow();
    assert.equal(claim.github_login, 'MJ-Garcia');
    assert.equal(claim.repository_url, 'https://github.com/volcano-sh/volcano');

    // They sign up, then sign in with GitHub (which sets their login), and find the claim.
    const author = await t.user();
    const before = await t.call('GET', '/api/v1/claims', { as: author.token });
    assert.deepEqual(before.body, { items: [], github_login: null });
    await t.db.updateTable('users').set({ github_login: 'mj-garcia' }).where('id', '=', author.id).execute();
    const mine = await t.call('GET', '/api/v1/claims', { as: author.token });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.equal(mine.body.items.length, 1);
    assert.equal(mine.body.items[0].id, claim.id);
    assert.equal(mine.body.items[0].suggested_name, 'Scheduler benchmarks for Volcano batch jobs');
    assert.equal(mine.body.items[0].request.github_issue, number);

    const stranger = await t.user({ githubLogin: 'not-them' });
    const stolen = await t.call('POST', `/api/v1/claims/${claim.id}/accept`, { as: stranger.token, body: { license: 'MIT' } });
    assert.equal(stolen.status, 404);

    const noLicence = await t.call('POST', `/api/v1/claims/${claim.id}/accept`, { as: author.token, body: {} });
    assert.equal(noLicence.status, 400);
    assert.equal(noLicence.body.error.fields[0].field, 'license');

    const auditBefore = await t.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();
    const accepted = await t.call('POST', `/api/v1/claims/${claim.id}/accept`, {
      as: author.token,
      body: { name: 'Volcano benchmarks', license: 'Apache-2.0' },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.is_new_project, true);
    assert.equal(accepted.body.project.name, 'Volcano benchmarks');
    const project = await t.call('GET', `/api/v1/projects/${accepted.body.project.slug}`, { as: author.token });
    assert.equal(project.status, 200);
    assert.equal(project.body.repository.url, 'https://github.com/volcano-sh/volcano');
    assert.equal(project.body.license.expression, 'Apache-2.0');
    assert.equal(project.body.my_role, 'owner');

    const linked = await requestFor(oss, number);
    assert.equal(linked?.project_id, accepted.body.project.id);
    assert.equal(linked?.created_by, author.id);
    const shown = await t.call('GET', `/api/v1/requests/${request.id}`, { as: author.token });
    assert.equal(shown.status, 200, 'the request is now theirs to see');
    const closedClaim = await t.db.selectFrom('project_claims').selectAll().where('id', '=', claim.id).executeTakeFirstOrThrow();
    assert.equal(closedClaim.claimed_by, author.id);
    assert.ok(closedClaim.claimed_at);
    const actions = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_user_id'])
      .where('id', '>', String(auditBefore.id))
      .orderBy('id')
      .execute();
    assert.deepEqual(
      actions.map((row) => `${row.action} by ${row.actor_user_id === author.id ? 'author' : row.actor_user_id}`),
      ['project.created by author', 'request.project_linked by author', 'project_claim.accepted by author'],
      'each step of the accept is audited as the author, and nothing else (the failed attempts) is',
    );
    assert.deepEqual((await t.call('GET', '/api/v1/claims', { as: author.token })).body.items, []);
    const again = await t.call('POST', `/api/v1/claims/${claim.id}/accept`, { as: author.token, body: { license: 'Apache-2.0' } });
    assert.equal(again.status, 409);
  });

  it('a claim links a project the author already owns instead of registering one', async () => {
    const number = nextIssue++;
    await deliver('issues', issueEvent('opened', { number, body: fixture('07-old-plain-lines.md'), login: 'ana-lima' }));
    const request = await requestFor(oss, number);
    assert.ok(request);
    const claim = await t.db.selectFrom('project_claims').select('id').where('request_id', '=', request.id).executeTakeFirstOrThrow();
    const author = await t.user({ githubLogin: 'ana-lima' });
    const own = await t.project(author, { name: 'Falco', repository_url: 'https://github.com/falcosecurity/falco' });
    const accepted = await t.call('POST', `/api/v1/claims/${claim.id}/accept`, { as: author.token, body: {} });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.is_new_project, false);
    assert.equal(accepted.body.project.id, own.id);
    assert.equal((await requestFor(oss, number))?.project_id, own.id);
  });

  it('an author who registers the project later is linked by the next edit of the issue', async () => {
    const number = nextIssue++;
    await deliver('issues', issueEvent('opened', { number, body: fixture('08-old-bullets.md'), login: 'chen-wei' }));
    const request = await requestFor(oss, number);
    assert.equal(request?.project_id, null);
    const author = await t.user({ githubLogin: 'chen-wei' });
    const own = await t.project(author, { name: 'OpenYurt', repository_url: 'https://github.com/openyurtio/openyurt' });
    await deliver('issues', issueEvent('edited', { number, body: `${fixture('08-old-bullets.md')}\n(edited)`, login: 'chen-wei' }));
    assert.equal((await requestFor(oss, number))?.project_id, own.id);
    const claim = await t.db
      .selectFrom('project_claims')
      .selectAll()
      .where('request_id', '=', request?.id as string)
      .executeTakeFirstOrThrow();
    assert.equal(claim.claimed_by, author.id);
  });
});
