/**
 * `surplus deps upload` and `surplus deps projects`: the real CLI as a child process against Surplus
 * on a real port and PostgreSQL, with real lock files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestUser } from '../../server/test/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SAMPLES = '/work/shared/samples/deps/';
const t = await createTestApp();
let url = '';
const homes: string[] = [];

before(async () => {
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

type Run = { code: number | null; stdout: string; stderr: string };

async function as(user: TestUser) {
  const home = await mkdtemp(join(tmpdir(), 'surplus-deps-upload-'));
  homes.push(home);
  return (args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          XDG_CONFIG_HOME: join(home, 'config'),
          SURPLUS_URL: url,
          SURPLUS_TOKEN: user.token,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
}

describe('surplus deps upload and projects', () => {
  it('uploads lock files (with a manifest) for products and lists the ranked projects, unsupported ones apart', async () => {
    const admin = await t.user({ roles: ['admin'] });
    for (const [slug, name] of [
      ['bat', 'bat'],
      ['composer', 'Composer'],
    ]) {
      const created = await t.call('POST', '/api/v1/products', { as: admin.token, body: { slug, name } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const surplus = await as(admin);

    const cargo = await surplus([
      'deps',
      'upload',
      `${SAMPLES}cargo__sharkdp_bat__Cargo.lock`,
      '--name',
      'Cargo.lock',
      '--with',
      `${SAMPLES}cargo__sharkdp_bat__Cargo.toml`,
      '--product',
      'bat',
      '--json',
    ]);
    assert.equal(cargo.code, 0, cargo.stderr);
    const upload = JSON.parse(cargo.stdout);
    assert.deepEqual([upload.format, upload.packages, upload.direct, upload.file_name], ['Cargo.lock', 316, 49, 'Cargo.lock']);
    assert.equal(upload.companion_name, 'cargo__sharkdp_bat__Cargo.toml');

    const composer = await surplus([
      'deps',
      'upload',
      `${SAMPLES}composer__composer_composer__composer.lock`,
      '--name',
      'composer.lock',
      '--product',
      'composer',
    ]);
    assert.equal(composer.code, 0, composer.stderr);
    assert.match(
      composer.stdout,
      /^composer\.lock: composer\.lock .*uploaded to composer\n36 packages, direct ones unknown \(see the notes\), 36 upstream projects\n/,
    );

    const listed = await surplus(['deps', 'projects', '--json', '--limit', '1000']);
    assert.equal(listed.code, 0, listed.stderr);
    const projects = JSON.parse(listed.stdout);
    assert.equal(projects.summary.products, 2);
    assert.equal(projects.total, 305 + 36);
    assert.equal(projects.items[0].rank, 1);
    assert.ok('usage' in projects.items[0].terms && 'signals' in projects.items[0].terms);

    // A Surplus project for symfony/console with a grant: supported, and gone from --unsupported.
    const owner = await t.user();
    const project = await t.project(owner, { repository_url: 'https://github.com/symfony/console' });
    const reviewer = await t.user({ roles: ['reviewer'] });
    const program = await t.call('POST', '/api/v1/programs', {
      as: admin.token,
      body: { slug: 'osp', name: 'OSP', budget_cents_per_year: 1_000_000_000, policy: {} },
    });
    assert.equal(program.status, 201, JSON.stringify(program.body));
    const request = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: 'osp',
        project: project.slug,
        purpose: 'ci_cd',
        description: 'CI',
        resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
        end_on: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
      },
    });
    assert.equal(request.status, 201, JSON.stringify(request.body));
    const approved = await t.call('POST', `/api/v1/requests/${request.body.id}/approve`, { as: reviewer.token, body: {} });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const unsupported = JSON.parse((await surplus(['deps', 'projects', '--unsupported', '--json', '--limit', '1000'])).stdout);
    assert.equal(unsupported.total, projects.total - 1);
    assert.ok(!unsupported.items.some((p: { key: string }) => p.key === 'github.com/symfony/console'));

    const table = await surplus(['deps', 'projects', '--limit', '5']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^2 products, 341 upstream projects \(36 with a known repository\): 1 supported/);
    assert.match(table.stdout, /RANK +UPSTREAM PROJECT +PRODUCTS +PACKAGES +DEPTH +PATHS +SCORE +COVERAGE/);
    assert.match(table.stderr, /\(5 of 341; --limit N for more/);
  });

  it('reports refused files with the server’s message and exit 1, and who may not upload', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const reviewer = await t.user({ roles: ['reviewer'] });
    await t.call('POST', '/api/v1/products', { as: admin.token, body: { slug: 'p2', name: 'P2' } });
    const surplus = await as(admin);
    const dir = await mkdtemp(join(tmpdir(), 'surplus-bad-'));
    homes.push(dir);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {');
    await writeFile(join(dir, 'notes.txt'), 'nothing to see');
    const malformed = await surplus(['deps', 'upload', join(dir, 'package-lock.json'), '--product', 'p2']);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /package-lock\.json: .* at 1:\d+/);
    const unknown = await surplus(['deps', 'upload', join(dir, 'notes.txt'), '--product', 'p2', '--json']);
    assert.equal(unknown.code, 1);
    assert.equal(JSON.parse(unknown.stderr).error.code, 'ERR_UNSUPPORTED_FORMAT');
    const denied = await (await as(reviewer))(['deps', 'upload', join(dir, 'package-lock.json'), '--product', 'p2']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /Only admins and program leads/);
    const missing = await surplus(['deps', 'upload', join(dir, 'notes.txt'), '--product', 'nope']);
    assert.equal(missing.code, 4);
  });
});
