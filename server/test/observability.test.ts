import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from './harness.ts';

const t = await createTestApp();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('are on every response: successes, refusals, errors and unknown routes', async () => {
    const user = await t.user();
    const responses = [
      await t.call('GET', '/healthz'),
      await t.call('GET', '/api/v1/me', { as: user.token }),
      await t.call('GET', '/api/v1/me'),
      await t.call('GET', '/api/v1/audit', { as: user.token }),
      await t.call('GET', '/api/v1/nowhere'),
      await t.call('GET', '/api/v1/projects/no-such-project', { as: user.token }),
      await t.call('POST', '/api/v1/projects', { as: user.token, body: { name: 'x' } }),
      await t.call('POST', '/api/v1/projects', { as: user.token, rawBody: '{', headers: { 'content-type': 'application/json' } }),
      await t.call('POST', '/api/v1/projects', { as: user.token, rawBody: 'x', headers: { 'content-type': 'text/csv' } }),
      await t.call('GET', '/metrics'),
      await t.call('GET', '/api/openapi.json'),
      await t.call('GET', '/api/docs'),
    ];
    const ids = responses.map((response) => response.headers['x-request-id']);
    for (const [index, id] of ids.entries()) assert.match(String(id), UUID, `response ${index} (${responses[index]?.status})`);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('echo a well-formed incoming X-Request-Id and record it in the audit log', async () => {
    const user = await t.user();
    const response = await t.call('POST', '/api/v1/me/tokens', {
      as: user.token,
      body: { name: 'traced' },
      headers: { 'x-request-id': 'lb-7f3a.trace:42' },
    });
    assert.equal(response.headers['x-request-id'], 'lb-7f3a.trace:42');
    const event = await t.db.selectFrom('audit_events').selectAll().where('request_id', '=', 'lb-7f3a.trace:42').executeTakeFirstOrThrow();
    assert.equal(event.action, 'token.created');
  });

  it('replace an incoming id that is too long or has odd characters', async () => {
    for (const incoming of ['x'.repeat(65), 'has space', 'new\\nline', '<script>', '']) {
      const response = await t.call('GET', '/healthz', { headers: { 'x-request-id': incoming } });
      assert.match(String(response.headers['x-request-id']), UUID, JSON.stringify(incoming));
    }
  });
});

describe('health and readiness', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await t.call('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await t.call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
  });
});

describe('metrics', () => {
  it('are Prometheus text with the request duration histogram, labelled by route pattern', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    await t.call('GET', `/api/v1/projects/${project.slug}`, { as: owner.token });
    await t.call('GET', '/api/v1/this-path-does-not-exist-abc123');
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = response.body;
    assert.match(text, /^# HELP surplus_http_request_duration_seconds /m);
    assert.match(text, /^# TYPE surplus_http_request_duration_seconds histogram$/m);
    assert.match(
      text,
      /^surplus_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/projects\/:project",status="200"\} \d+$/m,
    );
    assert.match(text, /^surplus_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/projects",status="201"\} [1-9]\d*$/m);
    // Raw paths would give every project (and every typo) its own series.
    assert.ok(!text.includes(project.slug));
    assert.ok(!text.includes('this-path-does-not-exist'));
    assert.match(text, /^surplus_process_cpu_seconds_total /m);
    for (const line of text.split('\n').filter((candidate) => candidate && !candidate.startsWith('#'))) {
      assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? -?[\d.e+-]+|NaN|[+-]Inf$/, line);
    }
  });
});

describe('API description', () => {
  it('serves an OpenAPI 3.1 document of the API', async () => {
    const response = await t.call('GET', '/api/openapi.json');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const document = response.body;
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.title, 'Surplus API');
    assert.equal(document.info.version, 'test');
    const login = document.paths['/api/v1/auth/login']?.post;
    assert.equal(login?.operationId, 'login');
    assert.ok(document.paths['/api/v1/projects/{project}']?.get);
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['bearer', 'session']);
    assert.ok(document.components.schemas.Project);
    // Every operation has an id: the generated client names its methods after them.
    const operations = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((methods) =>
      Object.values(methods),
    );
    assert.ok(operations.every((operation) => typeof operation.operationId === 'string'));
    assert.equal(new Set(operations.map((operation) => operation.operationId)).size, operations.length);
    // Internal endpoints stay out of the contract.
    assert.equal(document.paths['/healthz'], undefined);
  });

  it('serves browsable docs at /api/docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/html/);
  });
});
