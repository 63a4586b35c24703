/**
 * `surplus usage ingest|show`: the real CLI as a child process against Surplus on a real port and
 * PostgreSQL. A bad line fails the command naming the file's line; the corrected file is stored once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createTestApp, type TestUser } from '../../server/test/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const t = await createTestApp();
let url = '';
let dir = '';

before(async () => {
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'surplus-usage-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function as(user: TestUser) {
  return (args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), SURPLUS_URL: url, SURPLUS_TOKEN: user.token },
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

async function sampleCount(projectId: string) {
  const { rows } = await sql<{ n: string }>`select count(*) as n from traffic_samples where project_id = ${projectId}`.execute(t.db);
  return Number(rows[0]?.n);
}

const HEADER = 'id,project,time,bytes_in,bytes_out';

describe('surplus usage', () => {
  it('ingest: a bad line fails naming it and stores nothing; the corrected file is stored once', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const surplus = as(owner);
    const row = (id: string, bytesOut: string | number = 2_000_000) => `${id},${project.slug},2026-03-02T10:00:00Z,1000,${bytesOut}`;
    const file = join(dir, 'traffic.csv');

    await writeFile(file, [HEADER, row('s-1'), row('s-2', -5), row('s-3')].join('\n'));
    const bad = await surplus(['usage', 'ingest', file]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /1 bad line \(3\)/);
    assert.match(bad.stderr, /line 3: bytes_out must not be negative/);
    assert.equal(await sampleCount(project.id), 0);

    await writeFile(file, [HEADER, row('s-1'), row('s-2'), row('s-3')].join('\n'));
    const good = await surplus(['usage', 'ingest', file, '--json']);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout), { file, format: 'csv', batches: 1, received: 3, stored: 3, duplicates: 0 });
    const again = await surplus(['usage', 'ingest', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /3 samples in 1 batch: 0 stored, 3 already there/);
    assert.equal(await sampleCount(project.id), 3);
  });

  it('ingest in batches: a bad line in a later batch is named by its line in the file', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const surplus = as(owner);
    const line = (id: string, bytesOut: unknown = 5) =>
      JSON.stringify({ id, project: project.slug, time: '2026-03-02T10:00:00Z', bytes_in: 1, bytes_out: bytesOut });
    const file = join(dir, 'traffic.jsonl');

    await writeFile(file, `${[line('j-1'), line('j-2'), '', line('j-4'), line('j-5', 'many'), line('j-6')].join('\n')}\n`);
    const bad = await surplus(['usage', 'ingest', file, '--batch-lines', '2', '--json']);
    assert.equal(bad.code, 1, bad.stderr);
    const error = JSON.parse(bad.stderr).error;
    assert.equal(error.code, 'ERR_VALIDATION');
    assert.deepEqual(error.fields, [{ field: 'line 5', message: 'bytes_out must be a whole number of bytes' }]);
    // Batches of two lines (the blank one counted): j-1 and j-2, then j-4, went in before the bad batch.
    assert.equal(await sampleCount(project.id), 3, 'the batches before it went in');

    await writeFile(file, `${[line('j-1'), line('j-2'), '', line('j-4'), line('j-5'), line('j-6')].join('\n')}\n`);
    const good = await surplus(['usage', 'ingest', file, '--batch-lines', '2', '--json']);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout), { file, format: 'jsonl', batches: 3, received: 5, stored: 2, duplicates: 3 });
    assert.equal(await sampleCount(project.id), 5);
  });

  it('ingest on a terminal: a progress bar follows a large file, and only there', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const file = join(dir, 'large.csv');
    const rows = Array.from({ length: 40_000 }, (_, i) => `large-${i},${project.slug},2026-03-02T10:00:00Z,1000,${i}`);
    await writeFile(file, [HEADER, ...rows].join('\n'));
    // script(1) gives the CLI a pseudo-terminal; its stdout and stderr arrive together.
    const command = [process.execPath, MAIN, 'usage', 'ingest', file, '--batch-lines', '15000'].map((arg) => `'${arg}'`).join(' ');
    const tty: Run = await new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, SURPLUS_URL: url, SURPLUS_TOKEN: owner.token, TERM: 'dumb' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
    });
    assert.equal(tty.code, 0, tty.stdout);
    assert.match(tty.stdout, /\[#{30}\] 100%/);
    assert.match(tty.stdout, /40000 samples in 3 batches: 40000 stored/);
    const piped = await as(owner)(['usage', 'ingest', file]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'no progress into a pipe');
    assert.match(piped.stdout, /40000 samples in 1 batch: 0 stored, 40000 already there/);
  });

  it('show: the project’s usage lines for a range, as a table and as JSON; bad ranges are usage errors', async () => {
    const owner = await t.user();
    const project = await t.project(owner);
    const surplus = as(owner);
    const json = await surplus(['usage', 'show', '--project', project.slug, '--from', '2026-03-01', '--to', '2026-03-31', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.from, '2026-03-01');
    assert.equal(report.to, '2026-03-31');
    assert.equal(report.total_cents, 0);
    const table = await surplus(['usage', 'show', '--project', project.slug, '--from', '2026-03-01', '--to', '2026-03-31']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Usage of .*, 2026-03-01 to 2026-03-31/);
    assert.equal((await surplus(['usage', 'show', '--project', project.slug, '--from', '2026-03-31', '--to', '2026-03-01'])).code, 2);
    assert.equal((await surplus(['usage', 'show'])).code, 2);
    assert.equal((await surplus(['usage', 'show', '--project', 'no-such-project-x'])).code, 4);
  });
});
