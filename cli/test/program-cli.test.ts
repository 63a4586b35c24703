/**
 * The program commands of the real `surplus` CLI (programs, catalog, requests, review, grants), run as a
 * child process against Surplus listening on a real port with a real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RequestsRepository } from '../../server/src/requests/requests.repository.ts';
import { createTestApp, type TestUser } from '../../server/test/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
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

/** A machine signed in as `user` through SURPLUS_URL/SURPLUS_TOKEN, with a home directory of its own. */
async function signedInAs(user: TestUser) {
  const home = await mkdtemp(join(tmpdir(), 'surplus-program-cli-'));
  homes.push(home);
  const run = (args: string[], input = ''): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          XDG_CONFIG_HOME: join(home, 'config'),
          SURPLUS_URL: url,
          SURPLUS_TOKEN: user.token,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
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
      child.stdin.end(input);
    });
  const ok = async (args: string[], input = '') => {
    const result = await run(args, input);
    assert.equal(result.code, 0, `surplus ${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  const json = async (args: string[], input = '') => JSON.parse((await ok([...args, '--json'], input)).stdout);
  return { run, ok, json };
}

const unique = () => randomBytes(3).toString('hex');
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('surplus programs, catalog and requests', () => {
  it('creates a program with a GitHub intake whose secret is never printed, lists and shows it, and shows its budget', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const cli = await signedInAs(admin);
    const slug = `osp-${unique()}`;
    const secret = `hook-secret-${unique()}`;

    const createArgs = ['programs', 'create', '--slug', slug, '--name', 'Open Source Partners', '--budget-cents', '200000000'];
    const github = ['--github-repo', `example/cluster-${slug}`, '--github-secret', secret];
    const created = await cli.run([
      ...createArgs,
      ...github,
      '--fiscal-year-start-month',
      '4',
      '--description',
      'Servers for *projects*.',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.ok(!created.stdout.includes(secret) && !created.stderr.includes(secret), 'the secret is not printed');
    const program = JSON.parse(created.stdout);
    assert.equal(program.slug, slug);
    assert.equal(program.budget_cents_per_year, 200_000_000);
    assert.equal(program.currency, 'USD');
    assert.equal(program.fiscal_year_start_month, 4);
    assert.equal(program.github_repository, `example/cluster-${slug}`);
    assert.equal(program.has_github_secret, true);
    assert.equal(program.is_public, true);

    // The secret from stdin, and the text output: neither shows it either.
    const other = `arm-${unique()}`;
    const text = await cli.run(
      [
        'programs',
        'create',
        '--slug',
        other,
        '--name',
        'Arm builders',
        '--budget-cents',
        '0',
        '--currency',
        'EUR',
        '--private',
        ...github.slice(0, 2).map((arg) => arg.replace(slug, other)),
        '--github-secret',
        '-',
      ],
      `${secret}\n`,
    );
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!text.stdout.includes(secret) && !text.stderr.includes(secret), 'the secret is not printed');
    assert.match(text.stderr, new RegExp(`^Created program ${other}\\.`));
    assert.match(text.stdout, new RegExp(`Intake:\\s+web form and GitHub issues in example/cluster-${other} \\(webhook secret set\\)`));
    assert.match(text.stdout, /Budget:\s+€0\.00 per year/);
    assert.match(text.stdout, /Visibility:\s+staff only/);

    const list = await cli.json(['programs', 'list']);
    assert.deepEqual(
      list.items
        .map((p: { slug: string }) => p.slug)
        .filter((s: string) => s === slug || s === other)
        .sort(),
      [slug, other].sort(),
    );
    const table = await cli.ok(['programs', 'list']);
    assert.match(table.stdout, /^SLUG\s+NAME\s+BUDGET\/YEAR\s+FISCAL YEAR FROM\s+GITHUB INTAKE\s+STAFF\s+VISIBILITY$/m);
    assert.match(
      table.stdout,
      new RegExp(`^${slug}\\s+Open Source Partners\\s+\\$2,000,000\\.00\\s+April\\s+example/cluster-${slug}\\s+0\\s+public$`, 'm'),
    );

    assert.deepEqual(await cli.json(['programs', 'show', slug]), program);
    const shown = await cli.ok(['programs', 'show', slug]);
    assert.match(shown.stdout, /Budget:\s+\$2,000,000\.00 per year/);
    assert.match(shown.stdout, /Fiscal year:\s+starts in April/);
    assert.match(shown.stdout, /Eligibility:\s+OSI-approved licence, public repository, at least 1 maintainer\(s\)/);
    assert.match(shown.stdout, / {2}Servers for \*projects\*\./);

    const budget = await cli.json(['programs', 'budget', slug]);
    assert.equal(budget.budget_cents, 200_000_000);
    assert.equal(budget.committed_cents + budget.spent_cents + budget.remaining_cents, budget.budget_cents);
    assert.equal(budget.fiscal_year.starts_on.slice(5), '04-01');
    const budgetText = await cli.ok(['programs', 'budget', slug]);
    assert.match(budgetText.stdout, /^Budget:\s+\$2,000,000\.00$/m);
    assert.match(budgetText.stdout, /^Remaining:\s+\$2,000,000\.00 \(100%\)$/m);

    // A project owner cannot create programs, sees only public ones, and the budget is for staff.
    const owner = await signedInAs(await t.user());
    const refused = await owner.run([...createArgs.map((arg) => (arg === slug ? `x-${slug}` : arg)), '--json']);
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stderr).error.code, 'ERR_FORBIDDEN');
    const visible = (await owner.json(['programs', 'list'])).items.map((p: { slug: string }) => p.slug);
    assert.ok(visible.includes(slug) && !visible.includes(other));
    assert.equal((await owner.run(['programs', 'show', other])).code, 4);
    assert.equal((await owner.run(['programs', 'budget', slug])).code, 1);

    // Bad usage is caught before anything is sent.
    assert.equal((await cli.run([...createArgs, '--budget-cents', '12.50'])).code, 2);
    assert.equal((await cli.run([...createArgs, '--fiscal-year-start-month', '13'])).code, 2);
    const noSecret = await cli.run([...createArgs.map((arg) => (arg === slug ? `y-${slug}` : arg)), '--github-repo', 'example/x']);
    assert.equal(noSecret.code, 2);
    assert.match(noSecret.stderr, /--github-repo needs --github-secret/);
    const taken = await cli.run([...createArgs, '--json']);
    assert.equal(taken.code, 1);
    assert.equal(JSON.parse(taken.stderr).error.code, 'ERR_SLUG_TAKEN');
  });

  it('shows the catalog: plans with hourly and monthly prices, metros, operating systems with their status', async () => {
    const cli = await signedInAs(await t.user());
    const catalog = await cli.json(['catalog']);
    const plan = catalog.plans.find((p: { slug: string }) => p.slug === 'm3.small.x86');
    assert.equal(plan.price_cents_per_hour, 105);
    assert.equal(plan.price_cents_per_month, 105 * 730);
    assert.ok(catalog.metros.some((m: { code: string }) => m.code === 'da'));
    assert.ok(catalog.operating_systems.some((os: { slug: string }) => os.slug === 'ubuntu_22_04'));

    const text = await cli.ok(['catalog']);
    assert.match(text.stdout, /^Plans\nPLAN\s+ARCH\s+CPU\s+MEMORY\s+STORAGE\s+GPU\s+PER HOUR\s+PER MONTH\s+OFFERED$/m);
    assert.match(
      text.stdout,
      /^m3\.small\.x86\s+x86_64\s+8 cores Intel Xeon E-2378G @ 2\.8 GHz\s+64 GB\s+2 × 480 GB SSD\s+-\s+\$1\.05\s+\$766\.50\s+yes$/m,
    );
    assert.match(text.stdout, /^Metros\nMETRO\s+NAME\s+COUNTRY\s+OFFERED$/m);
    assert.match(text.stdout, /^da\s+Dallas\s+US\s+yes$/m);
    assert.match(text.stdout, /^Operating systems\nOS\s+NAME\s+VERSION\s+ARCHITECTURES\s+STATUS$/m);
    assert.match(text.stdout, /^ubuntu_22_04\s+Ubuntu 22\.04 LTS\s+22\.04\s+x86_64, aarch64\s+supported until 2027-04-30$/m);
  });

  it('creates a request with two resource lines and shows the estimate and checks, lists it for scripts, shows and withdraws it', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const programSlug = `osp-${unique()}`;
    await (await signedInAs(admin)).json(['programs', 'create', '--slug', programSlug, '--name', 'OSP', '--budget-cents', '100000000']);
    const ownerUser = await t.user({ name: 'Owner' });
    const project = await t.project(ownerUser, { license: 'MIT' });
    const owner = await signedInAs(ownerUser);

    const args = [
      'requests',
      'create',
      '--program',
      programSlug,
      '--project',
      project.slug,
      '--purpose',
      'ci_cd',
      '--description',
      'Nightly conformance runs on x86 and Arm.',
      '--resource',
      'm3.small.x86:2:da:ubuntu_22_04',
      '--resource',
      'c3.large.arm64:1:am:ubuntu_22_04',
      '--end-on',
      inDays(180),
      '--start-on',
      inDays(7),
      '--publish',
      'Results on our CI dashboard',
      '--acknowledge',
    ];
    const created = await owner.ok(args);
    // 2 × $1.05 × 730 + 1 × $2.50 × 730 = $1,533.00 + $1,825.00
    assert.match(created.stderr, /^Request #\d+ to OSP is submitted\.$/m);
    assert.match(created.stdout, /^PLAN\s+QTY\s+METRO\s+OS\s+PER MONTH$/m);
    assert.match(created.stdout, /^m3\.small\.x86\s+2\s+da\s+ubuntu_22_04\s+\$1,533\.00$/m);
    assert.match(created.stdout, /^c3\.large\.arm64\s+1\s+am\s+ubuntu_22_04\s+\$1,825\.00$/m);
    assert.match(created.stdout, /^Estimate: \$3,358\.00 per month \(730 hours\)$/m);
    assert.match(created.stdout, /^Eligibility\n {2}pass {2}osi_license: MIT: every licence is OSI-approved\.$/m);
    assert.match(created.stdout, /^ {2}pass {2}public_repository: /m);

    const list = await owner.json(['requests', 'list', '--program', programSlug]);
    assert.equal(list.next_cursor, null);
    assert.equal(list.items.length, 1);
    const [request] = list.items;
    assert.equal(request.state, 'submitted');
    assert.equal(request.source, 'web');
    assert.equal(request.github_issue, null);
    assert.equal(request.monthly_estimate_cents, 335_800);
    assert.deepEqual(
      request.resources.map(({ plan, quantity, metro, operating_system, unmatched }: Record<string, unknown>) => ({
        plan,
        quantity,
        metro,
        operating_system,
        unmatched,
      })),
      [
        { plan: 'm3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04', unmatched: null },
        { plan: 'c3.large.arm64', quantity: 1, metro: 'am', operating_system: 'ubuntu_22_04', unmatched: null },
      ],
    );

    const table = await owner.ok(['requests', 'list', '--program', programSlug]);
    assert.match(table.stdout, /^#\s+PROGRAM\s+PROJECT\s+STATE\s+SOURCE\s+PURPOSE\s+SERVERS\s+PER MONTH\s+WAITING\s+ID$/m);
    assert.match(
      table.stdout,
      new RegExp(
        `^${request.number}\\s+${programSlug}\\s+${project.slug}\\s+submitted\\s+web\\s+ci_cd\\s+3\\s+\\$3,358\\.00\\s+0 d\\s+${request.id}$`,
        'm',
      ),
    );

    const detail = await owner.json(['requests', 'show', request.id]);
    assert.equal(detail.id, request.id);
    assert.ok(detail.eligibility.length > 0);
    assert.deepEqual(
      detail.timeline.map((event: { to_state: string }) => event.to_state),
      ['draft', 'submitted'],
    );
    const shown = await owner.ok(['requests', 'show', request.id]);
    assert.match(shown.stdout, new RegExp(`^Request:\\s+#${request.number} `, 'm'));
    assert.match(shown.stdout, /^State:\s+submitted$/m);
    assert.match(shown.stdout, new RegExp(`^Duration:\\s+until ${inDays(180)}$`, 'm'));
    assert.match(shown.stdout, /^Publishes:\s+Results on our CI dashboard$/m);
    assert.match(shown.stdout, / {2}Nightly conformance runs on x86 and Arm\./);
    assert.match(shown.stdout, /^Estimate: \$3,358\.00 per month/m);
    assert.match(shown.stdout, /^Timeline\nWHEN\s+CHANGE\s+BY\s+NOTE$/m);
    assert.match(shown.stdout, new RegExp(`draft → submitted\\s+${ownerUser.email.replace(/[.+]/g, '\\$&')}$`, 'm'));

    const withdrawn = await owner.json(['requests', 'withdraw', request.id, '--reason', 'Found hardware elsewhere']);
    assert.equal(withdrawn.state, 'withdrawn');
    assert.equal(withdrawn.timeline.at(-1).note, 'Found hardware elsewhere');
    const again = await owner.run(['requests', 'withdraw', request.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: A withdrawn request cannot become withdrawn\./);
    const open = await owner.json(['requests', 'list', '--program', programSlug, '--state', 'submitted,in_review']);
    assert.deepEqual(open.items, []);

    // A draft is saved, then submitted; an ongoing request has a review date instead of an end.
    const draft = await owner.json([
      ...args.filter((_, i) => i < args.indexOf('--end-on')),
      '--ongoing',
      '--review-on',
      inDays(90),
      '--draft',
    ]);
    assert.equal(draft.state, 'draft');
    assert.equal(draft.duration, 'ongoing');
    assert.equal(draft.review_on, inDays(90));
    assert.equal((await owner.json(['requests', 'submit', draft.id])).state, 'submitted');
  });

  it('lists a GitHub request with its issue number and the plan text it could not match', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const programSlug = `gh-${unique()}`;
    const cli = await signedInAs(admin);
    const program = await cli.json(['programs', 'create', '--slug', programSlug, '--name', 'GH', '--budget-cents', '100000000']);
    // Stands in for the webhook intake (another area): the row it would write, through the requests repository.
    const repository = new RequestsRepository();
    const row = await repository.insert(t.db, {
      program_id: program.id,
      project_id: null,
      created_by: null,
      source: 'github',
      github_issue: 42,
      github_author: 'octocat',
      state: 'needs_info',
      purpose: 'ci_cd',
      title: 'Cluster request: example',
      description_md: 'CI for example.',
      duration: 'fixed',
      end_on: null,
      review_on: null,
      start_on: null,
      publish_results: '',
      acknowledges_sponsor: false,
      monthly_estimate_cents: 76_650,
      missing: ['project'],
    });
    await repository.replaceResources(t.db, row.id, [
      { plan: 'm3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04', unmatched: null },
      { plan: null, quantity: 2, metro: null, operating_system: null, unmatched: '2 x giant.box please' },
    ]);

    const list = await cli.json(['requests', 'list', '--program', programSlug, '--source', 'github']);
    assert.equal(list.items.length, 1);
    const [request] = list.items;
    assert.equal(request.source, 'github');
    assert.equal(request.github_issue, 42);
    assert.equal(request.state, 'needs_info');
    assert.deepEqual(
      request.resources.map(({ plan, quantity, metro, operating_system, unmatched }: Record<string, unknown>) => ({
        plan,
        quantity,
        metro,
        operating_system,
        unmatched,
      })),
      [
        { plan: 'm3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04', unmatched: null },
        { plan: null, quantity: 2, metro: null, operating_system: null, unmatched: '2 x giant.box please' },
      ],
    );
    const table = await cli.ok(['requests', 'list', '--program', programSlug]);
    assert.match(table.stdout, /@octocat \(unclaimed\)\s+needs_info\s+github #42\s+ci_cd\s+1 \+ 1 unmatched\s+\$766\.50/);
    const shown = await cli.ok(['requests', 'show', row.id]);
    assert.match(shown.stdout, /^Source:\s+GitHub issue #42 by @octocat$/m);
    assert.match(shown.stdout, /^PLAN\s+QTY\s+METRO\s+OS\s+PER MONTH\s+UNMATCHED$/m);
    assert.match(shown.stdout, /^\?\s+2\s+\?\s+\?\s+\$0\.00\s+2 x giant\.box please$/m);
    assert.match(shown.stdout, /^Missing:\s+project$/m);
  });

  it('follows pages with --all, and refuses bad input with the right exit codes', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const cli = await signedInAs(admin);
    const programSlug = `pages-${unique()}`;
    const program = await cli.json(['programs', 'create', '--slug', programSlug, '--name', 'Pages', '--budget-cents', '100']);
    const repository = new RequestsRepository();
    for (let i = 0; i < 205; i++) {
      await repository.insert(t.db, {
        program_id: program.id,
        project_id: null,
        created_by: null,
        source: 'github',
        github_issue: 1000 + i,
        purpose: 'other',
        title: `Issue ${i}`,
        description_md: '',
        duration: 'fixed',
        end_on: null,
        review_on: null,
        start_on: null,
        publish_results: '',
        acknowledges_sponsor: false,
        monthly_estimate_cents: 0,
      });
    }
    const all = await cli.json(['requests', 'list', '--program', programSlug, '--all']);
    assert.equal(all.items.length, 205);
    assert.equal(new Set(all.items.map((r: { id: string }) => r.id)).size, 205);
    assert.equal(all.next_cursor, null);
    const some = await cli.json(['requests', 'list', '--program', programSlug, '--limit', '3']);
    assert.deepEqual(some.items, all.items.slice(0, 3));
    assert.ok(some.next_cursor);
    const few = await cli.run(['requests', 'list', '--program', programSlug, '--limit', '3']);
    assert.match(few.stderr, /More requests exist; raise --limit \(now 3\) or add --all/);

    const owner = await t.user();
    const project = await t.project(owner);
    const ownerCli = await signedInAs(owner);
    const base = ['requests', 'create', '--program', programSlug, '--project', project.slug, '--purpose', 'labs', '--description', 'x'];
    const badLine = await ownerCli.run([...base, '--resource', 'm3.small.x86:two:da:ubuntu_22_04']);
    assert.equal(badLine.code, 2);
    assert.match(badLine.stderr, /the quantity "two" must be a whole number/);
    assert.equal((await ownerCli.run([...base, '--resource', 'm3.small.x86:1:da'])).code, 2);
    assert.equal((await ownerCli.run([...base])).code, 2, '--resource is required');
    assert.equal((await ownerCli.run([...base, '--resource', 'm3.small.x86:1:da:ubuntu_22_04', '--purpose', 'fun'])).code, 2);
    assert.equal((await ownerCli.run([...base, '--resource', 'm3.small.x86:1:da:ubuntu_22_04', '--end-on', '2026-02-30'])).code, 2);
    const both = await ownerCli.run([...base, '--resource', 'm3.small.x86:1:da:ubuntu_22_04', '--end-on', inDays(9), '--ongoing']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --end-on or --ongoing/);

    const unknown = await ownerCli.run([...base, '--resource', 'huge.x86:1:zz:ubuntu_22_04', '--end-on', inDays(30), '--json']);
    assert.equal(unknown.code, 1);
    const { error } = JSON.parse(unknown.stderr);
    assert.equal(error.code, 'ERR_VALIDATION');
    assert.deepEqual(
      error.fields.map((field: { field: string }) => field.field),
      ['resources[0].plan', 'resources[0].metro'],
    );
    const notMine = await (await signedInAs(await t.user())).run([
      ...base,
      '--resource',
      'm3.small.x86:1:da:ubuntu_22_04',
      '--end-on',
      inDays(30),
    ]);
    assert.equal(notMine.code, 4, 'someone else’s project is not found');

    assert.equal((await ownerCli.run(['requests', 'show', '42'])).code, 2);
    assert.equal((await ownerCli.run(['requests', 'show', '00000000-0000-4000-8000-000000000000'])).code, 4);
    assert.equal((await ownerCli.run(['requests', 'list', '--state', 'pending'])).code, 2);
    assert.equal((await ownerCli.run(['requests', 'list', '--program', 'no-such-program'])).code, 4);
    // Requests of others are not listed: the owner sees none of the 205.
    assert.deepEqual((await ownerCli.json(['requests', 'list', '--program', programSlug])).items, []);
  });

  it('works the review queue: a reviewer votes and approves with terms, the owner sees the grant and asks to extend it', async () => {
    const admin = await signedInAs(await t.user({ roles: ['admin'] }));
    const programSlug = `rv-${unique()}`;
    await admin.json(['programs', 'create', '--slug', programSlug, '--name', 'Review program', '--budget-cents', '100000000']);
    const ownerUser = await t.user();
    const owner = await signedInAs(ownerUser);
    const project = await t.project(ownerUser);
    const base = ['requests', 'create', '--program', programSlug, '--project', project.slug, '--description', 'CI'];
    const request = await owner.json([
      ...base,
      '--purpose',
      'ci_cd',
      '--resource',
      'm3.small.x86:2:da:ubuntu_22_04',
      '--resource',
      'c3.large.arm64:1:am:ubuntu_22_04',
      '--end-on',
      inDays(120),
    ]);
    const reviewerUser = await t.user({ roles: ['reviewer'], name: 'Rita Reviewer' });
    const reviewer = await signedInAs(reviewerUser);

    const queue = await reviewer.json(['review', 'list', '--program', programSlug]);
    assert.deepEqual(
      queue.items.map((item: { id: string }) => item.id),
      [request.id],
    );
    assert.deepEqual(queue.items[0].votes, { up: 0, down: 0, approvals_required: 1, meets_vote_rule: true });
    // The queue counts the servers (2 + 1) instead of listing the lines; `requests show` has them.
    assert.equal(queue.items[0].server_count, 3);
    assert.equal(queue.items[0].unmatched_lines, 0);
    const queueTable = await reviewer.ok(['review', 'list', '--program', programSlug]);
    assert.match(queueTable.stdout, /\s+SERVERS\s+PER MONTH\s+WAITING\s+VOTES\s+ID$/m);
    assert.match(queueTable.stdout, /\sci_cd\s+3\s+\$3,358\.00\s/m);
    assert.match(queueTable.stdout, new RegExp(`\\+0 −0 \\(one decision needed\\)\\s+${request.id}$`, 'm'));
    assert.deepEqual((await reviewer.json(['review', 'list', '--program', programSlug, '--overdue'])).items, []);

    const evidence = await reviewer.ok(['review', 'show', request.id]);
    assert.match(evidence.stdout, new RegExp(`^Request:\\s+#${request.number} `, 'm'));
    assert.match(evidence.stdout, /^Credit:\s+\$3,358\.00 per month$/m);
    assert.match(evidence.stdout, /^Servers:\s+at most 3 at once$/m);
    assert.match(evidence.stdout, /^Remaining:\s+\$1,000,000\.00 of \$1,000,000\.00$/m);

    const votes = await reviewer.json([
      'review',
      'vote',
      request.id,
      '--up',
      '--score',
      'impact=4',
      '--score',
      'need=5',
      '--note',
      'Widely used',
    ]);
    assert.equal(votes.items.length, 1);
    assert.equal(votes.items[0].vote, 1);
    assert.deepEqual(votes.items[0].scores, { impact: 4, need: 5 });
    assert.equal(votes.tally.up, 1);
    assert.equal((await reviewer.run(['review', 'vote', request.id])).code, 2, 'neither --up nor --down');
    assert.equal((await reviewer.run(['review', 'vote', request.id, '--up', '--score', 'charm=3'])).code, 2);
    assert.equal((await reviewer.run(['review', 'vote', request.id, '--up', '--score', 'impact=9'])).code, 2);

    // The applicant is not staff: the queue and votes are not theirs.
    const forbidden = await owner.run(['review', 'list', '--json']);
    assert.equal(forbidden.code, 1);
    assert.equal(JSON.parse(forbidden.stderr).error.code, 'ERR_FORBIDDEN');

    const endOn = inDays(90);
    const approval = await reviewer.run([
      'review',
      'approve',
      request.id,
      '--monthly-credit-cents',
      '300000',
      '--max-servers',
      '2',
      '--end-on',
      endOn,
      '--note',
      'Welcome aboard',
    ]);
    assert.equal(approval.code, 0, approval.stderr);
    assert.match(approval.stderr, new RegExp(`^Approved request #${request.number}\\.`));
    assert.match(approval.stdout, /^Credit:\s+\$3,000\.00 per month$/m);
    assert.match(approval.stdout, /^Servers:\s+at most 2 at once$/m);
    assert.match(approval.stdout, /^Plans:\s+m3\.small\.x86, c3\.large\.arm64$/m);
    assert.match(approval.stdout, new RegExp(`^Dates:\\s+\\d{4}-\\d{2}-\\d{2} – ${endOn}$`, 'm'));
    const again = await reviewer.run(['review', 'approve', request.id, '--json']);
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stderr).error.code, 'ERR_CONFLICT');

    // The owner sees the grant.
    const grants = await owner.json(['grants', 'list', '--program', programSlug]);
    assert.equal(grants.items.length, 1);
    const [grant] = grants.items;
    assert.equal(grant.project.slug, project.slug);
    assert.equal(grant.request.id, request.id);
    assert.equal(grant.state, 'active');
    assert.equal(grant.monthly_credit_cents, 300_000);
    assert.equal(grant.max_servers, 2);
    assert.equal(grant.ends_on, endOn);
    assert.equal((await owner.json(['requests', 'show', request.id])).grant_id, grant.id);
    const grantTable = await owner.ok(['grants', 'list']);
    assert.match(grantTable.stdout, /^PROJECT\s+PROGRAM\s+STATE\s+CREDIT\/MONTH\s+SERVERS\s+PLANS\s+METROS\s+LAST DAY\s+REQUEST\s+ID$/m);
    assert.match(
      grantTable.stdout,
      new RegExp(
        `^${project.slug}\\s+${programSlug}\\s+active\\s+\\$3,000\\.00\\s+≤ 2\\s+m3\\.small\\.x86, c3\\.large\\.arm64\\s+da, am\\s+${endOn} \\(in \\d+ months?\\)\\s+#${request.number}\\s+${grant.id}$`,
        'm',
      ),
    );
    const detail = await owner.json(['grants', 'show', grant.id]);
    assert.equal(detail.id, grant.id);
    assert.equal(detail.program_budget, null, 'the program budget is for staff');
    const shown = await owner.ok(['grants', 'show', grant.id]);
    assert.match(shown.stdout, /^State:\s+active$/m);
    assert.match(shown.stdout, new RegExp(`^Last day:\\s+${endOn} \\(\\d+ days left\\)$`, 'm'));
    assert.match((await reviewer.ok(['grants', 'show', grant.id])).stdout, /^Program budget: \$[\d,.]+ of \$1,000,000\.00 remaining/m);

    // An extension is a request, reviewed like any other; here it is declined.
    assert.equal((await owner.run(['grants', 'extend', grant.id])).code, 2, 'a report or results URL is needed');
    const extension = await owner.json(['grants', 'extend', grant.id, '--report', 'Ran 4,000 CI jobs.', '--end-on', inDays(200)]);
    assert.equal(extension.kind, 'extension');
    assert.equal(extension.extends_grant_id, grant.id);
    assert.equal(extension.state, 'submitted');
    assert.equal(extension.progress_report, 'Ran 4,000 CI jobs.');
    assert.equal((await reviewer.run(['review', 'decline', extension.id])).code, 2, 'a reason or template is needed');
    const declined = await reviewer.json([
      'review',
      'decline',
      extension.id,
      '--template',
      'over_budget',
      '--reason',
      'Try again in April.',
    ]);
    assert.equal(declined.state, 'declined');
    assert.match(declined.decision_reason, /Try again in April\./);
    const extensions = (await owner.json(['grants', 'show', grant.id])).extensions;
    assert.deepEqual(
      extensions.map((e: { id: string; state: string }) => [e.id, e.state]),
      [[extension.id, 'declined']],
    );
    assert.equal((await owner.run(['grants', 'show', 'not-a-grant'])).code, 2);
    assert.equal((await owner.run(['grants', 'show', '00000000-0000-4000-8000-000000000000'])).code, 4);
    assert.equal((await owner.run(['grants', 'list', '--state', 'forever'])).code, 2);
  });

  it('sends a request back for changes, and lists only the overdue ones with --overdue', async () => {
    const admin = await signedInAs(await t.user({ roles: ['admin'] }));
    const programSlug = `od-${unique()}`;
    await admin.json(['programs', 'create', '--slug', programSlug, '--name', 'Overdue program', '--budget-cents', '100000000']);
    const reviewer = await signedInAs(await t.user({ roles: ['reviewer'] }));
    const made = [];
    for (let i = 0; i < 2; i++) {
      const ownerUser = await t.user();
      const project = await t.project(ownerUser);
      made.push(
        await (await signedInAs(ownerUser)).json([
          'requests',
          'create',
          '--program',
          programSlug,
          '--project',
          project.slug,
          '--purpose',
          'benchmarking',
          '--description',
          'Benchmarks',
          '--resource',
          't3.small.x86:1:ny:debian_12',
          '--end-on',
          inDays(30),
        ]),
      );
    }
    const [late, fresh] = made;
    // Ten days ago, past the program's five-day target.
    await t.db
      .updateTable('requests')
      .set({ submitted_at: new Date(Date.now() - 10 * 86_400_000) })
      .where('id', '=', late.id)
      .execute();

    const overdue = await reviewer.json(['review', 'list', '--program', programSlug, '--overdue']);
    assert.deepEqual(
      overdue.items.map((item: { id: string }) => item.id),
      [late.id],
    );
    assert.equal(overdue.next_cursor, null);
    const table = await reviewer.ok(['review', 'list', '--program', programSlug]);
    assert.match(table.stdout, new RegExp(`\\s10 d \\(overdue\\)\\s.*${late.id}$`, 'm'));

    const changed = await reviewer.json([
      'review',
      'request-changes',
      fresh.id,
      '--reason',
      'Which benchmarks, and where are results published?',
    ]);
    assert.equal(changed.state, 'changes_requested');
    assert.equal(changed.timeline.at(-1).note, 'Which benchmarks, and where are results published?');
    assert.equal((await reviewer.run(['review', 'request-changes', fresh.id])).code, 2, '--reason is required');
  });
});
