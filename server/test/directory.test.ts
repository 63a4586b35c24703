import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, type TestUser } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const operator = await t.user({ roles: ['operator'] });

for (const [slug, isPublic] of [
  ['dir', true],
  ['quiet', false],
] as const) {
  const response = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: 10_000_000, is_public: isPublic },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
}
const staffed = await t.call('PUT', '/api/v1/programs/dir/staff', { as: admin.token, body: { user_id: reviewer.id, role: 'reviewer' } });
assert.equal(staffed.status, 200, JSON.stringify(staffed.body));

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A grant as review will make one: for a request of the project, written directly because granting
 * is the review area's and this file tests what a grant makes visible.
 */
async function grantTo(
  project: { id: string; slug: string },
  program: string,
  state: 'active' | 'expiring' | 'expired' | 'revoked' = 'active',
) {
  const request = await t.call('POST', '/api/v1/requests', {
    as: admin.token,
    body: {
      program,
      project: project.slug,
      purpose: 'ci_cd',
      description: 'CI',
      resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
      end_on: inFuture(90),
      submit: false,
    },
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  await t.db
    .insertInto('grants')
    .values({
      program_id: request.body.program.id,
      project_id: project.id,
      request_id: request.body.id,
      monthly_credit_cents: 50_000,
      max_servers: 1,
      starts_on: '2026-02-01',
      ends_on: inFuture(90),
      state,
    })
    .execute();
}

async function listed(owner: TestUser, name: string) {
  const project = await t.project(owner, { name });
  const response = await t.call('PUT', `/api/v1/projects/${project.slug}/listing`, { as: owner.token, body: { is_listed: true } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return project;
}

async function directory(query = '') {
  const response = await t.call('GET', `/api/v1/public/directory${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function story(owner: TestUser, project: { slug: string }, body: Record<string, unknown>) {
  const response = await t.call('POST', `/api/v1/projects/${project.slug}/stories`, { as: owner.token, body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

describe('public directory', () => {
  it('lists opted-in projects while an active grant of a public program supports them, to anyone', async () => {
    const owner = await t.user();
    const supported = await listed(owner, 'Supported Kernel');
    await grantTo(supported, 'dir');
    const expiring = await listed(owner, 'Expiring Mirror');
    await grantTo(expiring, 'dir', 'expiring');
    const unlisted = await t.project(owner, { name: 'Shy Compiler' });
    await grantTo(unlisted, 'dir');
    const ungranted = await listed(owner, 'Hopeful Library');
    const ended = await listed(owner, 'Former Grantee');
    await grantTo(ended, 'dir', 'expired');
    const quietOnly = await listed(owner, 'Quietly Supported');
    await grantTo(quietOnly, 'quiet');

    const names = (await directory()).items.map((entry: { name: string }) => entry.name);
    assert.deepEqual(names, ['Expiring Mirror', 'Supported Kernel']);

    const entry = (await directory()).items.find((item: { slug: string }) => item.slug === supported.slug);
    assert.deepEqual(entry, {
      slug: supported.slug,
      name: 'Supported Kernel',
      repository: supported.repository,
      license: supported.license,
      programs: [{ slug: 'dir', name: 'Program dir', since: '2026-02-01' }],
      stories: [],
    });

    // Paging walks the same two entries, one at a time.
    const first = await directory('?limit=1');
    assert.equal(first.items.length, 1);
    const second = await directory(`?limit=1&cursor=${encodeURIComponent(first.next_cursor)}`);
    assert.deepEqual(
      [...first.items, ...second.items].map((item: { name: string }) => item.name),
      names,
    );
    assert.equal(second.next_cursor, null);

    // Owners see whether, and why not, their project shows.
    const listing = async (project: { slug: string }) =>
      (await t.call('GET', `/api/v1/projects/${project.slug}/listing`, { as: owner.token })).body;
    assert.deepEqual(await listing(supported), { is_listed: true, is_in_directory: true });
    assert.deepEqual(await listing(ungranted), { is_listed: true, is_in_directory: false });
    assert.deepEqual(await listing(unlisted), { is_listed: false, is_in_directory: false });
  });

  it('lets only owners change the listing, audits it, and leaves the directory when they opt out', async () => {
    const owner = await t.user();
    const member = await t.user();
    const stranger = await t.user();
    const project = await listed(owner, 'Listed Then Not');
    await grantTo(project, 'dir');
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();

    const url = `/api/v1/projects/${project.slug}/listing`;
    assert.equal((await t.call('PUT', url, { as: member.token, body: { is_listed: false } })).status, 403);
    assert.equal((await t.call('PUT', url, { as: stranger.token, body: { is_listed: false } })).status, 404);
    assert.equal((await t.call('PUT', url, { body: { is_listed: false } })).status, 401);
    const bad = await t.call('PUT', url, { as: owner.token, body: { is_listed: 'yes' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.fields.map((field: { field: string }) => field.field),
      ['is_listed'],
    );
    assert.ok((await directory()).items.some((entry: { slug: string }) => entry.slug === project.slug));

    const off = await t.call('PUT', url, { as: owner.token, body: { is_listed: false } });
    assert.deepEqual(off.body, { is_listed: false, is_in_directory: false });
    assert.ok(!(await directory()).items.some((entry: { slug: string }) => entry.slug === project.slug));
    const audit = await t.db
      .selectFrom('audit_events')
      .select(['action', 'summary'])
      .where('target_id', '=', project.id)
      .where('action', '=', 'project.listing_changed')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((row) => row.summary),
      [{ is_listed: { from: false, to: true } }, { is_listed: { from: true, to: false } }],
    );
  });
});

describe('impact stories', () => {
  it('goes from the owners’ draft through review to the public pages, rendered safely', async () => {
    const owner = await t.user();
    const project = await listed(owner, 'Storied Project');
    await grantTo(project, 'dir');
    const created = await story(owner, project, {
      title: 'How we cut CI time in half',
      body: '**Twice** as fast. <script>alert(1)</script> [docs](javascript:alert(2)) [site](https://example.org)',
      program: 'dir',
    });
    assert.equal(created.state, 'draft');
    assert.deepEqual(created.program, { id: created.program.id, slug: 'dir', name: 'Program dir' });
    assert.match(created.body_html, /<strong>Twice<\/strong>/);
    assert.match(created.body_html, /href="https:\/\/example\.org"/);
    assert.doesNotMatch(created.body_html, /<script|javascript:/);

    const edited = await t.call('PATCH', `/api/v1/stories/${created.id}`, { as: owner.token, body: { title: 'How we halved CI time' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.title, 'How we halved CI time');
    const publicStories = async () => (await t.call('GET', '/api/v1/public/stories')).body.items.map((item: { id: string }) => item.id);
    assert.ok(!(await publicStories()).includes(created.id), 'a draft is public');

    const submitted = await t.call('POST', `/api/v1/stories/${created.id}/submit`, { as: owner.token });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.equal(submitted.body.state, 'submitted');
    assert.ok(submitted.body.submitted_at);
    // The program's staff hear about it.
    const staffNotes = await t.db.selectFrom('notifications').select(['kind', 'link']).where('user_id', '=', reviewer.id).execute();
    assert.ok(staffNotes.some((note) => note.kind === 'story.submitted' && note.link === `/stories/${created.id}`));

    const locked = await t.call('PATCH', `/api/v1/stories/${created.id}`, { as: owner.token, body: { title: 'Sneaky edit' } });
    assert.equal(locked.status, 409);
    const queue = await t.call('GET', '/api/v1/stories?state=submitted', { as: reviewer.token });
    assert.ok(queue.body.items.some((item: { id: string }) => item.id === created.id));
    assert.ok(!(await publicStories()).includes(created.id), 'a submitted story is public');

    const published = await t.call('POST', `/api/v1/stories/${created.id}/publish`, { as: reviewer.token });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    assert.equal(published.body.state, 'published');
    assert.ok(published.body.published_at);

    const pub = (await t.call('GET', '/api/v1/public/stories')).body.items.find((item: { id: string }) => item.id === created.id);
    assert.deepEqual(pub, {
      id: created.id,
      title: 'How we halved CI time',
      body_html: created.body_html,
      published_at: published.body.published_at,
      project: { slug: project.slug, name: 'Storied Project' },
      program: { slug: 'dir', name: 'Program dir' },
    });
    const entry = (await directory()).items.find((item: { slug: string }) => item.slug === project.slug);
    assert.deepEqual(entry.stories, [pub]);

    // The owners are told, in the list and by email.
    const ownerNotes = await t.call('GET', '/api/v1/notifications', { as: owner.token });
    assert.deepEqual(
      ownerNotes.body.items.map((item: { kind: string; title: string }) => [item.kind, item.title]),
      [['story.published', 'Your story is published: How we halved CI time']],
    );
    const emails = await t.db.selectFrom('emails').select('subject').where('to_address', '=', owner.email).execute();
    assert.deepEqual(emails, [{ subject: 'Your story is published: How we halved CI time' }]);
  });

  it('is sent back by staff with a note, which takes it off the public pages until published again', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { name: 'Sent Back Project' });
    const draft = await story(owner, project, { title: 'Our mirror', body: 'We serve 100 TB/day.' });
    assert.equal(draft.program, null);
    await t.call('POST', `/api/v1/stories/${draft.id}/submit`, { as: owner.token });
    await t.call('POST', `/api/v1/stories/${draft.id}/publish`, { as: reviewer.token });

    const back = await t.call('POST', `/api/v1/stories/${draft.id}/send-back`, {
      as: reviewer.token,
      body: { reason: 'Please add a number for the bandwidth saved.' },
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.state, 'draft');
    assert.equal(back.body.review_note, 'Please add a number for the bandwidth saved.');
    assert.equal(back.body.published_at, null);
    const ids = (await t.call('GET', '/api/v1/public/stories')).body.items.map((item: { id: string }) => item.id);
    assert.ok(!ids.includes(draft.id));
    const note = await t.db
      .selectFrom('notifications')
      .select(['kind', 'body'])
      .where('user_id', '=', owner.id)
      .where('kind', '=', 'story.sent_back')
      .executeTakeFirstOrThrow();
    assert.equal(note.body, 'Please add a number for the bandwidth saved.');

    assert.equal(
      (await t.call('POST', `/api/v1/stories/${draft.id}/send-back`, { as: reviewer.token, body: { reason: 'again' } })).status,
      409,
    );
    const edited = await t.call('PATCH', `/api/v1/stories/${draft.id}`, {
      as: owner.token,
      body: { body: 'We serve 100 TB/day and saved 2 Gbit/s.' },
    });
    assert.equal(edited.status, 200);
    const resubmitted = await t.call('POST', `/api/v1/stories/${draft.id}/submit`, { as: owner.token });
    assert.equal(resubmitted.body.state, 'submitted');
    assert.equal(resubmitted.body.review_note, null, 'the note stays after the owners answered it');
  });

  it('lets owners write, members read, reviewers publish, and hides drafts from everyone else', async () => {
    const owner = await t.user();
    const member = await t.user();
    const stranger = await t.user();
    const project = await t.project(owner, { name: 'Guarded Project' });
    await t.db.insertInto('project_members').values({ project_id: project.id, user_id: member.id, role: 'member' }).execute();

    assert.equal(
      (await t.call('POST', `/api/v1/projects/${project.slug}/stories`, { as: member.token, body: { title: 'x', body: 'y' } })).status,
      403,
    );
    assert.equal(
      (await t.call('POST', `/api/v1/projects/${project.slug}/stories`, { as: stranger.token, body: { title: 'x', body: 'y' } })).status,
      404,
    );
    const draft = await story(owner, project, { title: 'Draft', body: 'Not yet.' });

    const listedForMember = await t.call('GET', `/api/v1/projects/${project.slug}/stories`, { as: member.token });
    assert.deepEqual(
      listedForMember.body.items.map((item: { id: string }) => item.id),
      [draft.id],
    );
    assert.equal((await t.call('GET', `/api/v1/stories/${draft.id}`, { as: member.token })).status, 200);
    assert.equal((await t.call('GET', `/api/v1/stories/${draft.id}`, { as: stranger.token })).status, 404);
    assert.equal((await t.call('PATCH', `/api/v1/stories/${draft.id}`, { as: stranger.token, body: { title: 'Mine' } })).status, 404);
    assert.equal((await t.call('PATCH', `/api/v1/stories/${draft.id}`, { as: member.token, body: { title: 'Mine' } })).status, 403);
    assert.equal((await t.call('POST', `/api/v1/stories/${draft.id}/submit`, { as: member.token })).status, 403);
    assert.equal((await t.call('POST', `/api/v1/stories/${draft.id}/submit`, { as: reviewer.token })).status, 403);

    assert.equal(
      (await t.call('POST', `/api/v1/stories/${draft.id}/publish`, { as: reviewer.token })).status,
      409,
      'a draft was published',
    );
    await t.call('POST', `/api/v1/stories/${draft.id}/submit`, { as: owner.token });
    for (const who of [owner, operator, stranger]) {
      assert.equal((await t.call('POST', `/api/v1/stories/${draft.id}/publish`, { as: who.token })).status, 403);
    }
    assert.equal((await t.call('GET', '/api/v1/stories', { as: owner.token })).status, 403);
    assert.equal((await t.call('POST', `/api/v1/stories/${draft.id}/publish`, { as: admin.token })).status, 200);
    assert.equal((await t.call('GET', `/api/v1/stories/${draft.id}`, { as: stranger.token })).status, 200, 'a published story is public');
  });

  it('names only programs that granted the project, and keeps a non-public program unnamed on public pages', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { name: 'Quiet Grantee' });
    await grantTo(project, 'quiet');
    for (const [program, message] of [
      ['dir', /has not granted/],
      ['no-such-program', /no such program/],
    ] as const) {
      const response = await t.call('POST', `/api/v1/projects/${project.slug}/stories`, {
        as: owner.token,
        body: { title: 't', body: 'b', program },
      });
      assert.equal(response.status, 400);
      assert.deepEqual(
        response.body.error.fields.map((field: { field: string }) => field.field),
        ['program'],
      );
      assert.match(response.body.error.message, message);
    }
    const bad = await t.call('POST', `/api/v1/projects/${project.slug}/stories`, { as: owner.token, body: { title: '', body: 'b' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.error.fields.map((field: { field: string }) => field.field),
      ['title'],
    );

    const quiet = await story(owner, project, { title: 'Quiet support', body: 'Thanks.', program: 'quiet' });
    await t.call('POST', `/api/v1/stories/${quiet.id}/submit`, { as: owner.token });
    await t.call('POST', `/api/v1/stories/${quiet.id}/publish`, { as: reviewer.token });
    const pub = (await t.call('GET', '/api/v1/public/stories')).body.items.find((item: { id: string }) => item.id === quiet.id);
    assert.ok(pub);
    assert.equal(pub.program, null);
    // Staff, who may see the program, still see it named.
    assert.equal((await t.call('GET', `/api/v1/stories/${quiet.id}`, { as: reviewer.token })).body.program.slug, 'quiet');
  });

  it('pages the public stories newest first', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { name: 'Prolific Project' });
    const ids: string[] = [];
    for (const title of ['one', 'two', 'three']) {
      const created = await story(owner, project, { title, body: title });
      await t.call('POST', `/api/v1/stories/${created.id}/submit`, { as: owner.token });
      await t.call('POST', `/api/v1/stories/${created.id}/publish`, { as: reviewer.token });
      ids.push(created.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const response = await t.call('GET', `/api/v1/public/stories?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(response.status, 200);
      seen.push(...response.body.items.map((item: { id: string }) => item.id));
      cursor = response.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      [...ids].reverse(),
    );
    assert.equal(new Set(seen).size, seen.length, 'a story appeared on two pages');
  });
});
