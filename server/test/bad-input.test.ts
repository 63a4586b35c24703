import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from './harness.ts';

const t = await createTestApp();
const owner = await t.user();
const existing = await t.project(owner, { slug: 'taken-slug' });

const TABLES = [
  'users',
  'sessions',
  'api_tokens',
  'projects',
  'project_members',
  'invitations',
  'ssh_keys',
  'audit_events',
  'emails',
] as const;

async function counts() {
  const result: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await t.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    result[table] = Number(row.n);
  }
  return result;
}

/** Sends a raw request and checks the answer, that nothing was written, and that the app still answers. */
async function refused(
  request: { method?: string; url?: string; payload?: string | Buffer; contentType?: string | null; as?: string | null },
  expected: { status: number; code: string; fields?: string[] },
) {
  const before = await counts();
  const headers: Record<string, string> = {};
  if (request.contentType !== null) headers['content-type'] = request.contentType ?? 'application/json';
  if (request.as !== null) headers.authorization = `Bearer ${request.as ?? owner.token}`;
  const response = await t.app.inject({
    method: (request.method ?? 'POST') as 'POST',
    url: request.url ?? '/api/v1/projects',
    headers,
    payload: request.payload,
  });
  const body = response.json();
  assert.equal(response.statusCode, expected.status, response.body);
  assert.equal(body.error.code, expected.code, response.body);
  assert.equal(typeof body.error.message, 'string');
  if (expected.fields) {
    assert.deepEqual(
      body.error.fields.map((field: { field: string }) => field.field),
      expected.fields,
      response.body,
    );
    for (const field of expected.fields) assert.ok(body.error.message.includes(field), body.error.message);
  }
  assert.deepEqual(await counts(), before);
  const health = await t.call('GET', '/healthz');
  assert.equal(health.status, 200);
  return body.error as { code: string; message: string; fields?: { field: string; message: string }[] };
}

const project = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'Valid name', repository_url: 'https://github.com/valid/repo', license: 'MIT', ...extra });

describe('bad input', () => {
  it('answers 400 ERR_MALFORMED_JSON to bodies that are not JSON', async () => {
    for (const payload of ['{"name": "x",', '{name: "x"}', 'not json', '{"a":1}}', '']) {
      await refused({ payload }, { status: 400, code: 'ERR_MALFORMED_JSON' });
    }
  });

  it('refuses prototype-poisoning JSON', async () => {
    await refused({ payload: project({}).replace('{', '{"__proto__": {"isAdmin": true}, ') }, { status: 400, code: 'ERR_MALFORMED_JSON' });
    await refused({ payload: '{"constructor": {"prototype": {"x": 1}}}' }, { status: 400, code: 'ERR_MALFORMED_JSON' });
  });

  it('answers 400 naming unknown fields', async () => {
    const error = await refused({ payload: project({ owner_id: 'x', is_admin: true }) }, { status: 400, code: 'ERR_VALIDATION' });
    const named = (error.fields ?? []).map((field) => field.field).join(',');
    assert.ok(named.includes('owner_id') && named.includes('is_admin'), JSON.stringify(error));
    await refused(
      { url: '/api/v1/me/ssh-keys', payload: JSON.stringify({ public_key: 'x', fingerprint: 'y' }) },
      {
        status: 400,
        code: 'ERR_VALIDATION',
        fields: ['fingerprint'],
      },
    );
  });

  it('answers 400 naming missing and mistyped fields', async () => {
    await refused(
      { payload: JSON.stringify({ name: 'No repository', license: 'MIT' }) },
      { status: 400, code: 'ERR_VALIDATION', fields: ['repository_url'] },
    );
    await refused({ payload: project({ name: 42 }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['name'] });
    await refused({ payload: project({ is_public: 'yes' }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['is_public'] });
    await refused({ payload: project({ public_fields: ['email'] }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['public_fields.0'] });
    await refused({ payload: project({ website: 'javascript:alert(1)' }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['website'] });
    await refused({ payload: '[]' }, { status: 400, code: 'ERR_VALIDATION' });
    await refused({ payload: '"a string"' }, { status: 400, code: 'ERR_VALIDATION' });
  });

  it('answers 400 naming license for an invalid licence expression', async () => {
    const error = await refused({ payload: project({ license: 'MIT OR' }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['license'] });
    assert.equal(error.fields?.[0]?.message, 'is not a valid SPDX expression (it ends too early)');
    await refused({ payload: project({ license: 'Made-Up-1.0' }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['license'] });
  });

  it('answers 400 naming repository_url for a malformed repository URL', async () => {
    for (const url of ['https://github.com/only-owner', 'ftp://github.com/a/b', 'https://github.com/a/%']) {
      await refused({ payload: project({ repository_url: url }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['repository_url'] });
    }
  });

  it('answers 409 naming slug for a slug that is taken, in any case', async () => {
    const error = await refused(
      { payload: project({ slug: existing.slug.toUpperCase() }) },
      { status: 409, code: 'ERR_SLUG_TAKEN', fields: ['slug'] },
    );
    assert.match(error.message, /taken-slug/);
    await refused({ payload: project({ name: 'Taken slug' }) }, { status: 409, code: 'ERR_SLUG_TAKEN', fields: ['slug'] });
    await refused({ payload: project({ slug: '-bad-' }) }, { status: 400, code: 'ERR_VALIDATION', fields: ['slug'] });
  });

  it('answers 409 to all but one of concurrent creations of one slug', async () => {
    for (let round = 0; round < 3; round++) {
      const slug = `race-slug-${round}`;
      const bodies = [0, 1, 2, 3, 4].map((index) => ({
        name: `Race ${index}`,
        slug,
        repository_url: 'github.com/race/slug',
        license: 'MIT',
      }));
      const responses = await Promise.all(bodies.map((body) => t.call('POST', '/api/v1/projects', { as: owner.token, body })));
      assert.deepEqual(
        responses.map((response) => response.status).sort(),
        [201, 409, 409, 409, 409],
        JSON.stringify(responses.map((r) => r.body)),
      );
      for (const loser of responses.filter((response) => response.status === 409)) {
        assert.equal(loser.body.error.code, 'ERR_SLUG_TAKEN');
        assert.deepEqual(
          loser.body.error.fields.map((field: { field: string }) => field.field),
          ['slug'],
        );
      }
      const rows = await t.db.selectFrom('projects').select('id').where('slug', '=', slug).execute();
      assert.equal(rows.length, 1);
      const events = await t.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'project.created')
        .where('target_id', '=', rows[0]?.id as string)
        .execute();
      assert.equal(events.length, 1);
    }
  });

  it('answers 400 naming public_key for an invalid SSH key', async () => {
    const error = await refused(
      { url: '/api/v1/me/ssh-keys', payload: JSON.stringify({ public_key: 'ssh-dss AAAAB3NzaC1kc3M=' }) },
      { status: 400, code: 'ERR_VALIDATION', fields: ['public_key'] },
    );
    assert.match(error.fields?.[0]?.message ?? '', /DSA/);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const payload = project({ description: 'x'.repeat(1024 * 1024) });
    await refused({ payload }, { status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' });
    // Even before signing in: the limit is not something only the signed-in get.
    await refused({ url: '/api/v1/auth/login', payload, as: null }, { status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' });
  });

  it('answers 415 to bodies that are not sent as JSON', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      await refused({ payload: project(), contentType }, { status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
    }
    await refused(
      { url: '/api/v1/auth/login', payload: 'email=a@b.c&password=x', contentType: 'application/x-www-form-urlencoded', as: null },
      {
        status: 415,
        code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      },
    );
  });

  it('takes JSON with a charset', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${owner.token}` },
      payload: project({ name: 'With charset' }),
    });
    assert.equal(response.statusCode, 201, response.body);
  });

  it('answers 400 naming the parameter for malformed ids and queries', async () => {
    await refused(
      { method: 'DELETE', url: '/api/v1/me/ssh-keys/not-a-uuid', payload: undefined, contentType: null },
      {
        status: 400,
        code: 'ERR_VALIDATION',
        fields: ['id'],
      },
    );
    await refused(
      { method: 'GET', url: '/api/v1/projects?limit=many', contentType: null },
      { status: 400, code: 'ERR_VALIDATION', fields: ['limit'] },
    );
    await refused(
      { method: 'GET', url: '/api/v1/projects?scope=everything', contentType: null },
      { status: 400, code: 'ERR_VALIDATION', fields: ['scope'] },
    );
    await refused(
      { method: 'GET', url: '/api/v1/projects?cursor=bogus', contentType: null },
      { status: 400, code: 'ERR_VALIDATION', fields: ['cursor'] },
    );
    // The project policy runs before validation: no project has such a key.
    await refused({ method: 'GET', url: `/api/v1/projects/${'x'.repeat(65)}`, contentType: null }, { status: 404, code: 'ERR_NOT_FOUND' });
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    await refused({ method: 'GET', url: '/api/v1/nothing-here', contentType: null }, { status: 404, code: 'ERR_NOT_FOUND' });
    await refused({ method: 'PUT', url: '/api/v1/projects', payload: project() }, { status: 404, code: 'ERR_NOT_FOUND' });
  });

  it('keeps working after all of it', async () => {
    const created = await t.call('POST', '/api/v1/projects', {
      as: owner.token,
      body: { name: 'After the storm', repository_url: 'github.com/after/storm', license: 'MIT' },
    });
    assert.equal(created.status, 201);
    assert.equal((await t.call('GET', '/readyz')).status, 200);
  });
});
