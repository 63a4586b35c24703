import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { encodeCursor } from '../src/http/pagination.ts';
import { createTestApp, type TestUser } from './harness.ts';

// GET /api/v1/projects is written from PostgreSQL's kept JSON (ProjectsRepository.listPage, through
// the process's ProjectJsonCache); GET
// /api/v1/projects/:project by the Project schema's serializer. Every page must be byte for byte
// the page the serializer would write for the same projects.
const t = await createTestApp();

async function raw(user: TestUser, url: string) {
  const response = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(response.statusCode, 200, response.body);
  return { body: response.body, contentType: response.headers['content-type'] };
}

/** Walks every page of a listing and checks each against the serializer's writing of its projects. */
async function walk(user: TestUser, query: string) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await raw(user, `/api/v1/projects?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.contentType, 'application/json; charset=utf-8');
    const parsed = JSON.parse(page.body) as { items: { id: string }[]; next_cursor: string | null };
    const items = await Promise.all(parsed.items.map(async (item) => (await raw(user, `/api/v1/projects/${item.id}`)).body));
    assert.equal(page.body, `{"items":[${items.join(',')}],"next_cursor":${JSON.stringify(parsed.next_cursor)}}`);
    ids.push(...parsed.items.map((item) => item.id));
    cursor = parsed.next_cursor;
  } while (cursor);
  return ids;
}

describe('project pages written by PostgreSQL', async () => {
  const owner = await t.user({ name: 'Øwner “quoted”' });
  const other = await t.user();
  const staff = await t.user({ roles: ['reviewer'] });
  const tricky = [
    {
      name: 'Ünïcødé — 日本語 "quotes" \\ back\\slash 😀',
      repository_url: 'https://gitlab.com/Group-X/Sub.Repo_1',
      license: 'GPL-2.0+ OR LicenseRef-Custom',
      description:
        '# Title\n\n**bold** `code` "quoted" \\ <b>html</b>\ttab\r\nline\u2028sep\u2029 ctl\u0001\u001f\u007f 😀 [link](https://example.org/?a=1&b="2")',
      website: 'https://example.org/ü?q="x"',
      foundation: 'Linux Foundation "LF" \\',
      is_public: true,
      public_fields: ['members', 'foundation'],
    },
    { name: 'Plain', repository_url: 'github.com/example/plain', license: 'MIT', description: '', website: null, foundation: null },
    {
      name: "O'Brien's <tool> & co",
      repository_url: 'git@github.com:example/quotes.git',
      license: 'Apache-2.0 WITH LLVM-exception AND (MIT OR BSD-3-Clause)',
      description: '> quote\n\n- a\n- b\n\n<script>alert("x")</script>',
      is_public: true,
      public_fields: [],
    },
    { name: 'Empty licence list', repository_url: 'https://github.com/example/ref', license: 'LicenseRef-Internal' },
  ];
  const projects: { id: string }[] = [];
  for (const body of tricky) projects.push(await t.project(owner, body));
  for (let i = 0; i < 5; i++) projects.push(await t.project(owner));
  const [first, second, third] = projects as [{ id: string }, { id: string }, { id: string }];
  // Timestamps at the edges of a millisecond, and memberships sharing one time (a bulk import).
  await sql`update projects set created_at = '2026-01-02 03:04:05.999999+00', updated_at = '2026-01-02 03:04:05+00' where id = ${first.id}`.execute(
    t.db,
  );
  await sql`update projects set created_at = '1999-12-31 23:59:59.000999+00', updated_at = '2026-11-26 00:00:00.123456+00' where id = ${second.id}`.execute(
    t.db,
  );
  await sql`update project_members set created_at = '2026-03-04 05:06:07.891234+00' where user_id = ${owner.id} and project_id in (${first.id}, ${second.id}, ${third.id})`.execute(
    t.db,
  );
  await t.db
    .insertInto('project_members')
    .values([first, third].map((project) => ({ project_id: project.id, user_id: other.id, role: 'member' as const })))
    .execute();

  it('lists my projects, page by page, exactly as the schema writes them', async () => {
    const ids = await walk(owner, 'limit=3');
    const expected = await t.db
      .selectFrom('project_members')
      .select('project_id')
      .where('user_id', '=', owner.id)
      .orderBy('created_at', 'desc')
      .orderBy('project_id', 'desc')
      .execute();
    assert.deepEqual(
      ids,
      expected.map((row) => row.project_id),
    );
    assert.equal(ids.length, 9);
  });

  it('lists every project for staff, who are members of none, and searches', async () => {
    const ids = await walk(staff, 'scope=all&limit=4');
    assert.ok(projects.every((project) => ids.includes(project.id)));
    assert.deepEqual(await walk(staff, `scope=all&q=${encodeURIComponent('日本語')}`), [first.id]);
    assert.deepEqual(await walk(owner, `q=${encodeURIComponent("o'brien")}`), [third.id]);
    assert.deepEqual(await walk(other, 'limit=1'), [third.id, first.id].sort().reverse());
  });

  it('gives the cursor the API always gave: the last row’s time in milliseconds and its id', async () => {
    const page = JSON.parse((await raw(owner, '/api/v1/projects?limit=2')).body) as { items: { id: string }[]; next_cursor: string };
    const lastId = page.items[1]?.id as string;
    const row = await t.db
      .selectFrom('project_members')
      .select('created_at')
      .where('user_id', '=', owner.id)
      .where('project_id', '=', lastId)
      .executeTakeFirstOrThrow();
    assert.equal(page.next_cursor, encodeCursor({ at: row.created_at, id: lastId }));
  });

  it('writes a project anew when it changes', async () => {
    const patched = await t.call('PATCH', `/api/v1/projects/${second.id}`, {
      as: owner.token,
      body: {
        name: 'Renamed \u00e9 "again"',
        description: 'New *text*\n\n| a | b |\n|---|---|\n| 1 | 2 |',
        website: null,
        license: 'MIT OR Apache-2.0',
      },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const ids = await walk(owner, 'limit=5');
    assert.ok(ids.includes(second.id));
    const page = JSON.parse((await raw(owner, `/api/v1/projects?q=${encodeURIComponent('renamed')}`)).body) as {
      items: { name: string }[];
    };
    assert.equal(page.items[0]?.name, 'Renamed é "again"');
  });

  it('serves cached projects until their JSON changes, whoever changes it', async () => {
    const cache = t.services.projects.jsonCache;
    await walk(owner, 'limit=4');
    const held = cache.size;
    assert.ok(held >= projects.length, `cache holds ${held}`);
    const version = async (id: string) =>
      (await t.db.selectFrom('projects').select('json_version').where('id', '=', id).executeTakeFirstOrThrow()).json_version;
    // A change straight in the database, as another process or an operator would make it.
    const changed = projects[4] as { id: string };
    const before = await version(changed.id);
    const name = String.raw`Changed "by SQL" \ ü`;
    await sql`update projects set name = ${name}, website = 'https://example.org/new' where id = ${changed.id}`.execute(t.db);
    assert.notEqual(await version(changed.id), before);
    await walk(owner, 'limit=4');
    const page = JSON.parse((await raw(owner, `/api/v1/projects?q=${encodeURIComponent('by SQL')}`)).body) as {
      items: { id: string; name: string; website: string }[];
    };
    assert.deepEqual(
      page.items.map((item) => [item.id, item.name, item.website]),
      [[changed.id, name, 'https://example.org/new']],
    );
    // A membership changes the count, not the JSON: the version stays and the page still counts right.
    const kept = await version(first.id);
    const joiner = await t.user();
    await t.db.insertInto('project_members').values({ project_id: first.id, user_id: joiner.id, role: 'member' }).execute();
    assert.equal(await version(first.id), kept);
    const [item] = JSON.parse((await raw(joiner, '/api/v1/projects')).body).items as { id: string; member_count: number }[];
    assert.equal(item?.id, first.id);
    assert.equal(item?.member_count, 3);
    await walk(joiner, 'limit=1');
    await t.db.deleteFrom('project_members').where('project_id', '=', first.id).where('user_id', '=', joiner.id).execute();
    assert.equal(cache.size, held);
  });

  it('keeps member counts on the project row as memberships come and go', async () => {
    const counts = async () => {
      const rows = await sql<{ id: string; kept: number; counted: string }>`
        select projects.id, projects.member_count as kept, (select count(*) from project_members pm where pm.project_id = projects.id) as counted
        from projects`.execute(t.db);
      return rows.rows;
    };
    const before = await counts();
    assert.ok(before.every((row) => row.kept === Number(row.counted)));
    assert.equal(before.find((row) => row.id === first.id)?.kept, 2);
    await t.db.deleteFrom('project_members').where('project_id', '=', first.id).where('user_id', '=', other.id).execute();
    await t.db.deleteFrom('users').where('id', '=', other.id).execute();
    const after = await counts();
    assert.ok(after.every((row) => row.kept === Number(row.counted)));
    assert.equal(after.find((row) => row.id === first.id)?.kept, 1);
    assert.equal(after.find((row) => row.id === third.id)?.kept, 1);
    const page = JSON.parse((await raw(owner, `/api/v1/projects?q=${encodeURIComponent("o'brien")}`)).body) as {
      items: { member_count: number }[];
    };
    assert.equal(page.items[0]?.member_count, 1);
  });
});
