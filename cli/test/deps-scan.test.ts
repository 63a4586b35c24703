/**
 * The real `surplus deps scan` command, run as a child process with an empty home and no Surplus
 * configured: it must work offline, on the real sample files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../packages/deps/fixtures/', import.meta.url));
let home = '';

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'surplus-deps-'));
});

after(async () => {
  await rm(home, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function surplus(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // No SURPLUS_URL, no token, a home with no config: nothing to connect to.
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home },
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

type ScanJson = {
  format: string;
  packages: number;
  direct: number | null;
  projects: { rank: number; repository: string | null; packages: number }[];
};

async function scanJson(args: string[]): Promise<ScanJson> {
  const run = await surplus(['deps', 'scan', ...args, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ScanJson;
}

describe('surplus deps scan', () => {
  it('package-lock.json v3 (markedjs/marked): 616 packages, 25 direct, projects ranked', async () => {
    const out = await scanJson([join(FIXTURES, 'npm-lockv3__markedjs_marked__package-lock.json')]);
    assert.equal(out.format, 'package-lock.json');
    // jq '[.packages | to_entries[] | select(.key != "") | ((.value.name // (.key | split("node_modules/") | last)) + "@" + .value.version)] | unique | length' → 616
    assert.equal(out.packages, 616);
    // jq '.packages[""].devDependencies | length' → 25 (no dependencies)
    assert.equal(out.direct, 25);
    assert.deepEqual(
      out.projects.map((p) => p.rank),
      out.projects.map((_, i) => i + 1),
    );
    assert.ok(out.projects.every((p) => 'repository' in p && p.packages >= 1));
    assert.equal(
      out.projects.reduce((sum, p) => sum + p.packages, 0),
      616,
    );
    // "node_modules/marked-repo" comes from github.com/markedjs/marked/tarball/v18.0.0
    assert.ok(out.projects.some((p) => p.repository === 'github.com/markedjs/marked'));
  });

  it('Cargo.lock with --with Cargo.toml (sharkdp/bat): 316 packages, 49 direct, no repositories', async () => {
    const out = await scanJson([
      join(FIXTURES, 'cargo__sharkdp_bat__Cargo.lock'),
      '--with',
      join(FIXTURES, 'cargo__sharkdp_bat__Cargo.toml'),
    ]);
    assert.equal(out.format, 'Cargo.lock');
    // grep -c '^source = ' Cargo.lock → 316 (bat, the product, has none)
    assert.equal(out.packages, 316);
    // the 49 names of bat's dependencies = in Cargo.toml
    assert.equal(out.direct, 49);
    assert.ok(out.projects.every((p) => p.repository === null));
  });

  it('composer.lock without its manifest: direct is null', async () => {
    const out = await scanJson([join(FIXTURES, 'composer__composer_composer__composer.lock')]);
    assert.equal(out.packages, 36);
    assert.equal(out.direct, null);
  });

  it('prints a summary and a ranked table for people, and why a package is there', async () => {
    const run = await surplus(['deps', 'scan', join(FIXTURES, 'go__cli_cli__go.mod'), '--top', '5', '--why', 'golang.org/x/crypto']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /158 packages, 47 direct/);
    assert.match(run.stdout, /^RANK +UPSTREAM PROJECT +PACKAGES +DIRECT +DEPTH +PATHS +SCORE$/m);
    assert.match(run.stdout, /^1 +github\.com\/open-telemetry\/opentelemetry-go +3 /m);
    assert.match(run.stdout, /root:github\.com\/cli\/cli\/v2 → pkg:golang\/golang\.org\/x\/crypto@v0\.28\.0/);
    assert.match(run.stderr, /5 of 154 projects/);
  });

  it('exits 1 naming the format and position on a malformed file', async () => {
    const bad = join(home, 'package-lock.json');
    const lock = await readFile(join(FIXTURES, 'npm-lockv3__markedjs_marked__package-lock.json'), 'utf8');
    // The first five lines, under the name package-lock.json: the format is known, the JSON stops mid-object.
    await writeFile(bad, lock.split('\n').slice(0, 5).join('\n'));
    const run = await surplus(['deps', 'scan', bad]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: package-lock\.json: malformed JSON: .* at \d+:\d+$/m);
  });

  it('exits 2 listing the supported formats on a file it cannot read', async () => {
    const run = await surplus(['deps', 'scan', join(FIXTURES, 'README.md')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: .*README\.md is not a dependency file we can read; supported formats: CycloneDX JSON/m);
    for (const format of [
      'SPDX',
      'pnpm-lock.yaml',
      'yarn.lock',
      'go.mod',
      'Cargo.lock',
      'poetry.lock',
      'requirements.txt',
      'Gemfile.lock',
      'composer.lock',
    ]) {
      assert.ok(run.stderr.includes(format), format);
    }
  });
});
