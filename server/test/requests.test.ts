import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from './harness.ts';

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const program = await t.call('POST', '/api/v1/programs', {
  as: admin.token,
  body: {
    slug: 'oss',
    name: 'Open Source Partner Program',
    budget_cents_per_year: 100_000_000,
    github_repository: 'example/cluster',
    github_secret: 's3cret-webhook',
  },
});
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const line = { plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' };

describe('requests', () => {
  it('creates a program whose webhook secret is sealed, not stored or returned in clear', async () => {
    assert.equal(program.status, 201, JSON.stringify(program.body));
    assert.equal(program.body.has_github_secret, true);
    assert.ok(!JSON.stringify(program.body).includes('s3cret-webhook'));
    const row = await t.db
      .selectFrom('programs')
      .select('github_secret_encrypted')
      .where('id', '=', program.body.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.github_secret_encrypted && !row.github_secret_encrypted.includes(Buffer.from('s3cret-webhook')));
  });

  it('estimates the monthly cost from the catalog: price × 730 h × quantity', async () => {
    const owner = await t.user();
    const response = await t.call('POST', '/api/v1/requests/estimate', {
      as: owner.token,
      body: { resources: [line, { ...line, plan: 'm3.large.x86', quantity: 1 }] },
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.monthly_cents, 75 * 730 * 2 + 310 * 730);
  });

  it('submits a request for an owned project, with eligibility checks and a timeline', async () => {
    const owner = await t.user();
    const project = await t.project(owner, { license: 'Apache-2.0' });
    const response = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'oss',
        project: project.slug,
        purpose: 'ci_cd',
        description: 'Run CI for arm and x86',
        resources: [line],
        end_on: inFuture(180),
      },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.body.state, 'submitted');
    assert.equal(response.body.monthly_estimate_cents, 75 * 730 * 2);
    assert.deepEqual(
      response.body.timeline.map((event: { to_state: string }) => event.to_state),
      ['draft', 'submitted'],
    );
    const checks = Object.fromEntries(
      response.body.eligibility.map((check: { check: string; status: string }) => [check.check, check.status]),
    );
    assert.deepEqual(checks, { osi_license: 'pass', public_repository: 'pass', maintainers: 'pass', no_other_open_request: 'pass' });

    const second = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'oss',
        project: project.slug,
        purpose: 'benchmarking',
        description: 'More',
        resources: [line],
        end_on: inFuture(30),
        submit: false,
      },
    });
    const duplicate = second.body.eligibility.find((check: { check: string }) => check.check === 'no_other_open_request');
    assert.equal(duplicate.status, 'fail');
    assert.match(duplicate.reason, new RegExp(`#${response.body.number}`));
  });

  it('rejects unknown plans, metros and OSes naming each line, and writes nothing', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const before = await t.db
      .selectFrom('requests')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const response = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'oss',
        project: project.slug,
        purpose: 'ci_cd',
        description: 'x',
        end_on: inFuture(10),
        resources: [
          line,
          { plan: 'z9.huge', quantity: 1, metro: 'xx', operating_system: 'windows' },
          { ...line, plan: 'c3.large.arm64', operating_system: 'freebsd_13' },
        ],
      },
    });
    assert.equal(response.status, 400);
    const fields = response.body.error.fields.map((f: { field: string }) => f.field);
    assert.deepEqual(fields, ['resources[1].plan', 'resources[1].metro', 'resources[1].operating_system', 'resources[2].operating_system']);
    const after = await t.db
      .selectFrom('requests')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
  });

  it('answers 404 for a request on a project you do not own, and hides other projects’ requests', async () => {
    const owner = await t.user();
    const stranger = await t.user();
    const project = await t.project(owner);
    const denied = await t.call('POST', '/api/v1/requests', {
      as: stranger.token,
      body: { program: 'oss', project: project.slug, purpose: 'ci_cd', description: 'x', resources: [line], end_on: inFuture(10) },
    });
    assert.equal(denied.status, 404);
    const created = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: { program: 'oss', project: project.slug, purpose: 'ci_cd', description: 'x', resources: [line], end_on: inFuture(10) },
    });
    assert.equal((await t.call('GET', `/api/v1/requests/${created.body.id}`, { as: stranger.token })).status, 404);
    const list = await t.call('GET', '/api/v1/requests', { as: stranger.token });
    assert.equal(list.body.items.length, 0);
    assert.equal((await t.call('POST', `/api/v1/requests/${created.body.id}/withdraw`, { as: stranger.token, body: {} })).status, 404);
    const withdrawn = await t.call('POST', `/api/v1/requests/${created.body.id}/withdraw`, {
      as: owner.token,
      body: { reason: 'no longer needed' },
    });
    assert.equal(withdrawn.body.state, 'withdrawn');
    assert.equal((await t.call('POST', `/api/v1/requests/${created.body.id}/submit`, { as: owner.token })).status, 409);
  });
});
