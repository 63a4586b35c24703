/**
 * Supply-chain insight on a real PostgreSQL: real public lock files uploaded to products, counts held
 * to the offline scan, coverage following grants, bad files refused with nothing stored.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { scan } from '@surplus/deps';
import { MAX_FILE_BYTES } from '../src/insight/insight.service.ts';
import { createTestApp, type TestUser } from './harness.ts';

const SAMPLES = '/work/shared/samples/deps/';
const sample = (name: string) => readFileSync(`${SAMPLES}${name}`);
const GO_MOD = sample('go__cli_cli__go.mod');
const GO_SUM = sample('go__cli_cli__go.sum');
const COMPOSER_LOCK = sample('composer__composer_composer__composer.lock');
const COMPOSER_JSON = sample('composer__composer_composer__composer.json');

const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const reviewer = await t.user({ roles: ['reviewer'] });
const lead = await t.user({ roles: ['reviewer'] });

const programResponse = await t.call('POST', '/api/v1/programs', {
  as: admin.token,
  body: { slug: 'osp', name: 'Open Source Partners', budget_cents_per_year: 1_000_000_000, policy: {} },
});
assert.equal(programResponse.status, 201, JSON.stringify(programResponse.body));
await t.db.insertInto('program_staff').values({ program_id: programResponse.body.id, user_id: lead.id, role: 'lead' }).execute();

type Part = { field: string; name: string; bytes: Buffer };

/** POSTs a file as the raw body (`?name=`), or as multipart with a companion. */
async function upload(as: TestUser, product: string, file: { name: string; bytes: Buffer }, companion?: { name: string; bytes: Buffer }) {
  let payload: Buffer;
  let contentType: string;
  let url = `/api/v1/products/${product}/uploads`;
  if (companion) {
    const boundary = '----surplus-test-boundary';
    const parts: Part[] = [
      { field: 'file', ...file },
      { field: 'companion', ...companion },
    ];
    payload = Buffer.concat([
      ...parts.flatMap((part) => [
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"; filename="${part.name}"\r\n\r\n`),
        part.bytes,
        Buffer.from('\r\n'),
      ]),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    contentType = `multipart/form-data; boundary=${boundary}`;
  } else {
    payload = file.bytes;
    contentType = 'application/octet-stream';
    url += `?name=${encodeURIComponent(file.name)}`;
  }
  const response = await t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${as.token}`, 'content-type': contentType },
    payload,
  });
  return { status: response.statusCode, body: response.json() };
}

async function product(slug: string, name: string) {
  const response = await t.call('POST', '/api/v1/products', { as: admin.token, body: { slug, name, description: `${name}, as shipped` } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function rowCounts() {
  const count = async (table: 'product_uploads' | 'upload_upstream_projects' | 'upstream_projects') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    uploads: await count('product_uploads'),
    uses: await count('upload_upstream_projects'),
    upstream: await count('upstream_projects'),
  };
}

async function projectByKey(key: string) {
  const response = await t.call('GET', `/api/v1/insight/projects?q=${encodeURIComponent(key)}&limit=1000`, { as: reviewer.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.items.find((p: { key: string }) => p.key === key);
}

const cli = await product('gh-cli', 'GitHub CLI');
const composer = await product('composer', 'Composer');

describe('supply-chain insight', () => {
  it('uploads two real files to two products with counts equal to the offline scan', async () => {
    const goScan = scan(GO_MOD, 'go.mod', { bytes: GO_SUM, name: 'go.sum' });
    const composerScan = scan(COMPOSER_LOCK, 'composer.lock', { bytes: COMPOSER_JSON, name: 'composer.json' });
    // The counts docs/supply-chain.md gives, found independently (grep and jq over the files).
    assert.deepEqual([goScan.packages, goScan.direct, composerScan.packages, composerScan.direct], [158, 47, 36, 27]);

    const goUpload = await upload(admin, cli.slug, { name: 'go.mod', bytes: GO_MOD }, { name: 'go.sum', bytes: GO_SUM });
    assert.equal(goUpload.status, 201, JSON.stringify(goUpload.body));
    assert.equal(goUpload.body.format, 'go.mod');
    assert.equal(goUpload.body.companion_name, 'go.sum');
    assert.equal(goUpload.body.packages, goScan.packages);
    assert.equal(goUpload.body.direct, goScan.direct);
    assert.equal(goUpload.body.upstream_projects, goScan.projects.length);
    assert.equal(goUpload.body.size_bytes, GO_MOD.length);
    assert.match(goUpload.body.sha256, /^[0-9a-f]{64}$/);
    assert.equal(
      goUpload.body.depth_histogram.reduce((a: number, b: number) => a + b, 0),
      goScan.packages,
    );

    // The lead of a program may upload too; composer.json as the companion says what is direct.
    const composerUpload = await upload(
      lead,
      composer.id,
      { name: 'composer.lock', bytes: COMPOSER_LOCK },
      { name: 'composer.json', bytes: COMPOSER_JSON },
    );
    assert.equal(composerUpload.status, 201, JSON.stringify(composerUpload.body));
    assert.deepEqual([composerUpload.body.packages, composerUpload.body.direct], [composerScan.packages, composerScan.direct]);

    const view = await t.call('GET', `/api/v1/products/${cli.slug}`, { as: reviewer.token });
    assert.equal(view.status, 200);
    assert.equal(view.body.uploads, 1);
    assert.equal(view.body.latest_upload.packages, 158);
    assert.deepEqual(view.body.latest_upload.depth_histogram, [47, 111]);

    const projects = await t.call('GET', `/api/v1/products/${cli.slug}/projects`, { as: reviewer.token });
    assert.equal(projects.status, 200);
    assert.equal(projects.body.items.length, goScan.projects.length);
    assert.equal(projects.body.summary.products, 1);

    const all = await t.call('GET', '/api/v1/insight/projects?limit=1000', { as: reviewer.token });
    assert.equal(all.status, 200);
    assert.equal(all.body.total, goScan.projects.length + composerScan.projects.length);
    assert.equal(all.body.summary.products, 2);
    const ranks = all.body.items.map((p: { rank: number }) => p.rank);
    assert.deepEqual(
      ranks,
      ranks.toSorted((a: number, b: number) => a - b),
    );
    const cobra = all.body.items.find((p: { key: string }) => p.key === 'github.com/spf13/cobra');
    // Direct in one product, one package, one path: 4 + 4 + 2 + 1.
    assert.deepEqual(cobra.terms, { usage: 4, proximity: 4, breadth: 2, reach: 1, signals: 0, dev_factor: 1 });
    assert.equal(cobra.score, 11);
    assert.deepEqual(
      cobra.products.map((p: { slug: string }) => p.slug),
      [cli.slug],
    );
  });

  it('counts the products depending on a project across the portfolio', async () => {
    const bat = await product('bat', 'bat');
    const sbom = await product('sbom-tool', 'sbom tool');
    const cargo = await upload(
      admin,
      bat.slug,
      { name: 'Cargo.lock', bytes: sample('cargo__sharkdp_bat__Cargo.lock') },
      { name: 'Cargo.toml', bytes: sample('cargo__sharkdp_bat__Cargo.toml') },
    );
    assert.equal(cargo.status, 201, JSON.stringify(cargo.body));
    assert.deepEqual([cargo.body.packages, cargo.body.direct], [316, 49]);
    const spdx = await upload(admin, sbom.slug, {
      name: 'sbom.spdx.json',
      bytes: sample('spdx-2.3__psastras_sbom-rs__examples_cargo-binary_sbom.spdx.json'),
    });
    assert.equal(spdx.status, 201, JSON.stringify(spdx.body));
    assert.deepEqual([spdx.body.packages, spdx.body.direct], [35, 1]);
    const shared = await projectByKey('pkg:cargo/proc-macro2');
    assert.deepEqual(shared.products.map((p: { slug: string }) => p.slug).sort(), ['bat', 'sbom-tool']);
    assert.equal(shared.terms.usage, 6.34); // 4 · log2(3)
    assert.equal(shared.kind, 'package');
    assert.equal(shared.repository, null);
  });

  it('answers "why is this here?" with the same paths as the offline scan', async () => {
    const goScan = scan(GO_MOD, 'go.mod', { bytes: GO_SUM, name: 'go.sum' });
    const deep = goScan.graph.components.find((c) => c.depth === 2) as (typeof goScan.graph.components)[number];
    const response = await t.call('GET', `/api/v1/products/${cli.slug}/paths?purl=${encodeURIComponent(deep.purl)}`, {
      as: reviewer.token,
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [item] = response.body.items;
    assert.equal(item.purl, deep.purl);
    assert.equal(item.depth, 2);
    assert.deepEqual(
      item.paths.map((path: { purl: string | null }[]) => path.map((step) => step.purl)),
      goScan.graph.pathsTo(deep.purl, 20).map((path) => [null, ...path.slice(1)]),
    );
    assert.equal(item.paths[0][0].name, 'github.com/cli/cli/v2');

    // Without a version: every version the product has.
    const unversioned = deep.purl.replace(/@[^@]*$/, '');
    const any = await t.call('GET', `/api/v1/products/${cli.slug}/paths?purl=${encodeURIComponent(unversioned)}`, { as: reviewer.token });
    assert.equal(any.status, 200);
    assert.equal(any.body.items[0].purl, deep.purl);
    // Or by name, as people write it.
    const byName = await t.call('GET', `/api/v1/products/${cli.slug}/paths?purl=${encodeURIComponent(`${deep.namespace}/${deep.name}`)}`, {
      as: reviewer.token,
    });
    assert.deepEqual(
      byName.body.items.map((i: { purl: string }) => i.purl),
      [deep.purl],
    );
    const missing = await t.call('GET', `/api/v1/products/${cli.slug}/paths?purl=pkg:npm/left-pad@1.0.0`, { as: reviewer.token });
    assert.equal(missing.status, 404);
  });

  it('flips a project to supported when a Surplus project with its repository gets a grant', async () => {
    const before = await projectByKey('github.com/spf13/cobra');
    assert.equal(before.coverage, 'unsupported');
    assert.equal(before.invitable, true);
    const critical = await t.call('GET', '/api/v1/insight/critical-unsupported?limit=200', { as: reviewer.token });
    assert.ok(critical.body.items.some((p: { key: string }) => p.key === 'github.com/spf13/cobra'));
    const coverageBefore = (await t.call('GET', '/api/v1/insight/coverage', { as: reviewer.token })).body;

    const owner = await t.user();
    const project = await t.project(owner, { repository_url: 'https://github.com/spf13/Cobra' });
    assert.equal((await projectByKey('github.com/spf13/cobra')).coverage, 'registered');

    const request = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'osp',
        project: project.slug,
        purpose: 'ci_cd',
        description: 'CI for cobra',
        resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
        end_on: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
      },
    });
    assert.equal(request.status, 201, JSON.stringify(request.body));
    // The reviewer's evidence says which of our products depend on the project, and links to insight.
    const reviewed = await t.call('GET', `/api/v1/requests/${request.body.id}/evidence`, { as: reviewer.token });
    assert.equal(reviewed.status, 200, JSON.stringify(reviewed.body));
    const dependency = reviewed.body.dependency;
    const ranked = await projectByKey('github.com/spf13/cobra');
    assert.equal(dependency.is_depended_on, true);
    assert.deepEqual(
      dependency.products.map((p: { slug: string; direct: number; packages: number }) => [p.slug, p.direct, p.packages > 0]),
      [[cli.slug, 1, true]],
    );
    assert.equal(dependency.paths, ranked.paths);
    assert.ok(dependency.paths > 0);
    assert.equal(dependency.criticality_score, ranked.criticality_score);
    assert.equal(dependency.rank, ranked.rank);
    assert.equal(dependency.link, `/supply-chain/projects/${ranked.id}`);
    const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, { as: reviewer.token, body: {} });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));

    const after = await projectByKey('github.com/spf13/cobra');
    assert.equal(after.coverage, 'supported');
    assert.equal(after.invitable, false);
    assert.deepEqual(
      after.surplus_projects.map((p: { slug: string; is_supported: boolean }) => [p.slug, p.is_supported]),
      [[project.slug, true]],
    );
    const criticalAfter = await t.call('GET', '/api/v1/insight/critical-unsupported?limit=200', { as: reviewer.token });
    assert.ok(!criticalAfter.body.items.some((p: { key: string }) => p.key === 'github.com/spf13/cobra'));

    const coverage = (await t.call('GET', '/api/v1/insight/coverage', { as: reviewer.token })).body;
    assert.equal(coverage.current.supported, coverageBefore.current.supported + 1);
    const last = coverage.history.at(-1);
    assert.equal(last.supported, coverage.current.supported);
    // Every upload is a point; the grant's start is one more.
    assert.ok(coverage.history.length >= 5, JSON.stringify(coverage.history.map((p: { at: string }) => p.at)));
    assert.equal(coverage.history[0].supported, 0);

    // Reviewer evidence: our products depend on this project.
    const evidence = await t.call('GET', `/api/v1/projects/${project.slug}/supply-chain`, { as: reviewer.token });
    assert.equal(evidence.status, 200, JSON.stringify(evidence.body));
    assert.equal(evidence.body.is_depended_on, true);
    assert.equal(evidence.body.project.repository, 'github.com/spf13/cobra');
    assert.deepEqual(
      evidence.body.products.map((p: { slug: string; direct: number }) => [p.slug, p.direct]),
      [[cli.slug, 1]],
    );
    assert.equal(evidence.body.upstream_project.coverage, 'supported');
    const unrelated = await t.project(owner);
    const none = await t.call('GET', `/api/v1/projects/${unrelated.slug}/supply-chain`, { as: reviewer.token });
    assert.equal(none.body.is_depended_on, false);
    assert.deepEqual(none.body.products, []);
    const unrelatedRequest = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'osp',
        project: unrelated.slug,
        purpose: 'ci_cd',
        description: 'CI',
        resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
        end_on: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10),
        submit: false,
      },
    });
    assert.equal(unrelatedRequest.status, 201, JSON.stringify(unrelatedRequest.body));
    const unrelatedEvidence = await t.call('GET', `/api/v1/requests/${unrelatedRequest.body.id}/evidence`, { as: reviewer.token });
    assert.equal(unrelatedEvidence.status, 200, JSON.stringify(unrelatedEvidence.body));
    assert.deepEqual(unrelatedEvidence.body.dependency, {
      is_depended_on: false,
      products: [],
      paths: null,
      criticality_score: null,
      rank: null,
      link: '/supply-chain',
    });
  });

  it('refuses malformed and unrecognized files with 400 and 415, storing nothing', async () => {
    const fresh = await product('fresh', 'Fresh');
    const before = await rowCounts();
    const malformed: [string, Buffer, RegExp][] = [
      [
        'package-lock.json',
        Buffer.from('{\n  "name": "x",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {'),
        /^package-lock\.json: .* at \d+:\d+$/,
      ],
      [
        'pnpm-lock.yaml',
        Buffer.from("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: [a, b\n"),
        /^pnpm-lock\.yaml: .* at \d+:\d+$/,
      ],
      ['Cargo.lock', Buffer.from('version = 3\n\n[[package]]\nname = "x\nversion = "1"\n'), /^Cargo\.lock: .* at \d+:\d+$/],
    ];
    for (const [name, bytes, message] of malformed) {
      const response = await upload(admin, fresh.slug, { name, bytes });
      assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'ERR_MALFORMED_FILE');
      assert.match(response.body.error.message, message);
    }
    // A broken companion is named as the companion.
    const badCompanion = await upload(
      admin,
      fresh.slug,
      { name: 'composer.lock', bytes: COMPOSER_LOCK },
      { name: 'composer.json', bytes: Buffer.from('{"require": {') },
    );
    assert.equal(badCompanion.status, 400, JSON.stringify(badCompanion.body));
    assert.equal(badCompanion.body.error.fields[0].field, 'companion');

    const unknown = await upload(admin, fresh.slug, { name: 'notes.txt', bytes: Buffer.from('Dear diary, today I wrote no lock file.\n') });
    assert.equal(unknown.status, 415, JSON.stringify(unknown.body));
    assert.equal(unknown.body.error.code, 'ERR_UNSUPPORTED_FORMAT');
    for (const format of [
      'CycloneDX JSON',
      'SPDX 2.3 JSON',
      'package-lock.json',
      'Cargo.lock',
      'go.mod',
      'composer.lock',
      'Gemfile.lock',
    ]) {
      assert.ok(unknown.body.error.message.includes(format), `${format} missing from: ${unknown.body.error.message}`);
    }
    assert.deepEqual(await rowCounts(), before);
    assert.equal((await t.call('GET', `/api/v1/products/${fresh.slug}/uploads`, { as: reviewer.token })).body.items.length, 0);
  });

  it('accepts a file of exactly 50 MB and answers 413 beyond it, storing nothing', async () => {
    const big = await product('big', 'Big');
    // go.mod padded with spaces to the limit: the same 158 packages. (Not blank lines: @surplus/deps
    // takes ~20 s over 50 MB of them.)
    const atLimit = Buffer.alloc(MAX_FILE_BYTES, ' ');
    GO_MOD.copy(atLimit);
    const accepted = await upload(admin, big.slug, { name: 'go.mod', bytes: atLimit });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.equal(accepted.body.size_bytes, MAX_FILE_BYTES);
    assert.equal(accepted.body.packages, 158);

    const before = await rowCounts();
    const over = Buffer.alloc(MAX_FILE_BYTES + 1, ' ');
    GO_MOD.copy(over);
    const refused = await upload(admin, big.slug, { name: 'go.mod', bytes: over });
    assert.equal(refused.status, 413, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'ERR_PAYLOAD_TOO_LARGE');
    const wayOver = await t.app.inject({
      method: 'POST',
      url: `/api/v1/products/${big.slug}/uploads?name=go.mod`,
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(MAX_FILE_BYTES + 5 * 1024 * 1024, ' '),
    });
    assert.equal(wayOver.statusCode, 413);
    assert.deepEqual(await rowCounts(), before);
    const history = await t.call('GET', `/api/v1/products/${big.slug}/uploads`, { as: reviewer.token });
    assert.equal(history.body.items.length, 1);
  });

  it('keeps every upload, the newest current', async () => {
    const second = await upload(admin, composer.slug, { name: 'composer.lock', bytes: COMPOSER_LOCK });
    assert.equal(second.status, 201);
    assert.equal(second.body.direct, null); // without composer.json the lock cannot say
    const history = await t.call('GET', `/api/v1/products/${composer.slug}/uploads`, { as: reviewer.token });
    assert.deepEqual(
      history.body.items.map((u: { direct: number | null; companion_name: string | null }) => [u.direct, u.companion_name]),
      [
        [null, null],
        [27, 'composer.json'],
      ],
    );
    const view = await t.call('GET', `/api/v1/products/${composer.slug}`, { as: reviewer.token });
    assert.equal(view.body.uploads, 2);
    assert.equal(view.body.latest_upload.id, second.body.id);
  });

  it('lets staff read, and only admins and program leads change products and uploads', async () => {
    const operator = await t.user({ roles: ['operator'] });
    const nobody = await t.user();
    assert.equal((await t.call('GET', '/api/v1/products', { as: operator.token })).status, 200);
    assert.equal((await t.call('GET', '/api/v1/products', { as: nobody.token })).status, 403);
    assert.equal((await t.call('GET', '/api/v1/insight/projects', { as: nobody.token })).status, 403);
    const create = await t.call('POST', '/api/v1/products', { as: reviewer.token, body: { slug: 'nope', name: 'Nope' } });
    assert.equal(create.status, 403);
    const denied = await upload(reviewer, cli.slug, { name: 'go.mod', bytes: GO_MOD });
    assert.equal(denied.status, 403);
    const taken = await t.call('POST', '/api/v1/products', { as: admin.token, body: { slug: cli.slug, name: 'Again' } });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'ERR_SLUG_TAKEN');
    const renamed = await t.call('PATCH', `/api/v1/products/${cli.slug}`, { as: lead.token, body: { description: 'The gh command' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.description, 'The gh command');
  });

  it('invites an unsupported project by email or with a prepared GitHub issue', async () => {
    const target = await projectByKey('github.com/briandowns/spinner');
    assert.equal(target.coverage, 'unsupported');
    const email = await t.call('POST', `/api/v1/insight/projects/${target.id}/invite`, {
      as: admin.token,
      body: { channel: 'email', email: 'maintainers@spinner.example', message: 'We love the spinner.' },
    });
    assert.equal(email.status, 201, JSON.stringify(email.body));
    assert.equal(email.body.to, 'maintainers@spinner.example');
    assert.match(email.body.subject, /Open Source Partners/);
    // gh-cli and big (the padded go.mod) depend on it.
    assert.match(email.body.body, /^Hello spinner maintainers,/);
    assert.match(email.body.body, /2 of our products depend on github\.com\/briandowns\/spinner/);
    assert.match(email.body.body, /We love the spinner\./);
    assert.ok(!email.body.body.includes('GitHub CLI'), 'product names stay private');
    const queued = await t.db
      .selectFrom('emails')
      .select(['subject', 'body_text'])
      .where('to_address', '=', 'maintainers@spinner.example')
      .execute();
    assert.equal(queued.length, 1);
    assert.equal(queued[0]?.subject, email.body.subject);

    const issue = await t.call('POST', `/api/v1/insight/projects/${target.id}/invite`, {
      as: admin.token,
      body: { channel: 'github_issue' },
    });
    assert.equal(issue.status, 201, JSON.stringify(issue.body));
    assert.equal(issue.body.to, null);
    const link = new URL(issue.body.new_issue_url);
    assert.equal(`${link.origin}${link.pathname}`, 'https://github.com/briandowns/spinner/issues/new');
    assert.equal(link.searchParams.get('title'), issue.body.subject);
    assert.equal(link.searchParams.get('body'), issue.body.body);

    const detail = await t.call('GET', `/api/v1/insight/projects/${target.id}`, { as: reviewer.token });
    assert.deepEqual(
      detail.body.invitations.map((i: { channel: string }) => i.channel),
      ['github_issue', 'email'],
    );
    assert.equal(detail.body.last_invitation.channel, 'github_issue');
    assert.deepEqual(
      detail.body.usage.map((u: { product: { slug: string } }) => u.product.slug),
      ['big', cli.slug],
    );

    const noEmail = await t.call('POST', `/api/v1/insight/projects/${target.id}/invite`, { as: admin.token, body: { channel: 'email' } });
    assert.equal(noEmail.status, 400);
    const cobra = await projectByKey('github.com/spf13/cobra');
    const supported = await t.call('POST', `/api/v1/insight/projects/${cobra.id}/invite`, {
      as: admin.token,
      body: { channel: 'github_issue' },
    });
    assert.equal(supported.status, 409);
    const byReviewer = await t.call('POST', `/api/v1/insight/projects/${target.id}/invite`, {
      as: reviewer.token,
      body: { channel: 'github_issue' },
    });
    assert.equal(byReviewer.status, 403);
  });

  it('groups an owner’s repositories by an admin override, and imports public signals', async () => {
    const override = await t.call('POST', '/api/v1/insight/overrides', {
      as: admin.token,
      body: { match_kind: 'owner', match: 'https://github.com/spf13', group: 'spf13 tools' },
    });
    assert.equal(override.status, 201, JSON.stringify(override.body));
    assert.equal(override.body.match, 'github.com/spf13');
    const group = await projectByKey('group:spf13-tools');
    assert.equal(group.kind, 'group');
    assert.ok(group.repositories.includes('github.com/spf13/cobra') && group.repositories.includes('github.com/spf13/pflag'));
    assert.equal(group.coverage, 'supported'); // cobra's grant covers the group
    assert.equal(await projectByKey('github.com/spf13/cobra'), undefined);
    assert.equal(
      (
        await t.call('POST', '/api/v1/insight/overrides', {
          as: lead.token,
          body: { match_kind: 'owner', match: 'github.com/x', group: 'x' },
        })
      ).status,
      403,
    );
    assert.equal((await t.call('DELETE', `/api/v1/insight/overrides/${override.body.id}`, { as: admin.token })).status, 204);
    assert.ok(await projectByKey('github.com/spf13/cobra'));

    const csv = [
      'repo.url,repo.language,depsdev.dependent_count,default_score',
      'https://github.com/briandowns/spinner,Go,999,0.5',
      'https://github.com/some/unrelated,Go,,0.9',
    ].join('\n');
    const imported = await t.call('POST', '/api/v1/insight/signals', {
      as: admin.token,
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.deepEqual(imported.body, { imported: 2, lines: 3, source: 'openssf-criticality-score' });
    const spinner = await projectByKey('github.com/briandowns/spinner');
    assert.equal(spinner.criticality_score, 0.5);
    assert.equal(spinner.dependents_count, 999);
    assert.equal(spinner.terms.signals, 5); // 4 · 0.5 + log10(1000)
    const bad = await t.call('POST', '/api/v1/insight/signals', {
      as: admin.token,
      rawBody: 'repo.url,default_score\nhttps://github.com/a/b,2\n',
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.fields[0].field, 'line 2');
  });

  it('deletes a product with its history', async () => {
    const doomed = await product('doomed', 'Doomed');
    assert.equal((await upload(admin, doomed.slug, { name: 'go.mod', bytes: GO_MOD })).status, 201);
    assert.equal((await t.call('DELETE', `/api/v1/products/${doomed.slug}`, { as: admin.token })).status, 204);
    assert.equal((await t.call('GET', `/api/v1/products/${doomed.slug}`, { as: reviewer.token })).status, 404);
    const left = await t.db.selectFrom('product_uploads').select('id').where('product_id', '=', doomed.id).execute();
    assert.deepEqual(left, []);
  });
});
