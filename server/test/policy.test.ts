import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POLICIES } from '../src/http/policy.ts';
import { createHttpServer, type HttpOptions } from '../src/http/server.ts';
import { createTestApp } from './harness.ts';

const t = await createTestApp();

type Route = { method: string; url: string };

/** Reads every (method, url) the router holds from its printed tree: independent of our own bookkeeping. */
function routesOf(tree: string): Route[] {
  const paths: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    paths.length = depth;
    const url = (paths[depth - 1] ?? '') + (match[2] as string);
    paths[depth] = url;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url });
  }
  return routes;
}

const key = (route: Route) => `${route.method} ${route.url}`;

function stubOptions(): HttpOptions {
  return {
    logger: false,
    cookieSecret: 'x'.repeat(32),
    isSecureCookie: false,
    webDir: null,
    version: 'test',
    authenticate: { session: async () => undefined, token: async () => undefined },
    resolveProject: async () => undefined,
    metrics: null,
    isReady: async () => true,
  };
}

describe('route policies', () => {
  // The compact tree: with commonPrefix off, find-my-way drops the "static/" above a wildcard.
  const routes = routesOf(t.app.printRoutes());
  const policies = new Map(t.app.routePolicies.map((route) => [key(route), route.policy]));

  it('finds the routes to check', () => {
    assert.ok(routes.length > 40, `only ${routes.length} routes parsed`);
    for (const expected of ['POST /api/v1/auth/login', 'GET /api/v1/projects/:project', 'DELETE /api/v1/me/ssh-keys/:id', 'GET /healthz']) {
      assert.ok(
        routes.some((route) => key(route) === expected),
        expected,
      );
    }
  });

  it('gives every route the router holds a known policy', () => {
    const missing = routes.filter((route) => !POLICIES.includes(policies.get(key(route)) as (typeof POLICIES)[number]));
    assert.deepEqual(missing, []);
    // And the bookkeeping holds nothing the router does not.
    const known = new Set(routes.map(key));
    assert.deepEqual(
      [...policies.keys()].filter((route) => !known.has(route)),
      [],
    );
  });

  it('gives every operation in the OpenAPI document a policy', async () => {
    const response = await t.call('GET', '/api/openapi.json');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const document = response.body;
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') })),
    );
    assert.ok(operations.length > 30);
    assert.deepEqual(
      operations.filter((operation) => !policies.has(key(operation))),
      [],
    );
  });

  it('makes the documented public endpoints public, and the API’s signed-in ones not', () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/api/openapi.json', '/api/docs', '/api/v1/public/projects']) {
      assert.equal(policies.get(`GET ${url}`), 'public', url);
    }
    assert.equal(policies.get('POST /api/v1/auth/login'), 'public');
    assert.equal(policies.get('GET /api/v1/audit'), 'admin');
    assert.equal(policies.get('PATCH /api/v1/users/:id'), 'admin');
    assert.equal(policies.get('PATCH /api/v1/projects/:project'), 'project:owner');
  });

  it('answers anonymous callers of every non-public route with 401, before anything else', async () => {
    const guarded = t.app.routePolicies.filter((route) => route.policy !== 'public');
    assert.ok(guarded.length > 20);
    for (const route of guarded) {
      const url = route.url.replace(/:project\b/, 'some-project').replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
      const response = await t.call(route.method, url, route.method === 'GET' || route.method === 'HEAD' ? {} : { body: {} });
      assert.equal(response.status, 401, `${key(route)}: ${response.status} ${JSON.stringify(response.body)}`);
      if (route.method !== 'HEAD') assert.equal(response.body.error.code, 'ERR_UNAUTHENTICATED', key(route));
    }
  });
});

describe('registration refuses routes without a usable policy', () => {
  it('refuses a route without a policy at registration', async () => {
    const app = await createHttpServer(stubOptions());
    try {
      assert.throws(() => app.get('/api/v1/forgotten', async () => ({})), /route GET \/api\/v1\/forgotten declares no policy/);
      assert.throws(
        () => app.route({ method: ['POST', 'PUT'], url: '/api/v1/forgotten-too', config: {}, handler: async () => ({}) }),
        /declares no policy/,
      );
    } finally {
      await app.close();
    }
  });

  it('makes start-up fail when a plugin adds a route without a policy', async () => {
    const app = await createHttpServer(stubOptions());
    app.register(async (child) => {
      child.post('/api/v1/in-a-plugin', async () => ({}));
    });
    await assert.rejects(async () => app.ready(), /route POST \/api\/v1\/in-a-plugin declares no policy/);
    await app.close().catch(() => {});
  });

  it('refuses an unknown policy and a project policy on a route without :project', async () => {
    const app = await createHttpServer(stubOptions());
    try {
      assert.throws(
        // @ts-expect-error: a policy the type does not know, as plain JavaScript could pass
        () => app.get('/api/v1/typo', { config: { policy: 'admins' } }, async () => ({})),
        /declares unknown policy "admins"/,
      );
      assert.throws(
        () => app.get('/api/v1/things/:id', { config: { policy: 'project:member' } }, async () => ({})),
        /has policy project:member but no :project parameter/,
      );
      // A route with a policy is fine and is recorded with it.
      app.get('/api/v1/fine/:project', { config: { policy: 'project:owner' } }, async () => ({}));
      assert.ok(app.routePolicies.some((route) => route.url === '/api/v1/fine/:project' && route.policy === 'project:owner'));
    } finally {
      await app.close();
    }
  });
});
