/**
 * `review`: the two program-core paths that see load.
 *
 * - queue: `GET /api/v1/review/queue?limit=50` as the web's review page asks for it (a reviewer's API
 *   token, the default states and sort), over 10,000 requests in mixed states across 1,000 projects
 *   and 3 programs, against a bare Fastify + pg endpoint that looks one request up by primary key.
 * - intake: `POST /hooks/github` with HMAC-signed `issues` "opened" deliveries (a complete issue form,
 *   a unique issue number and X-GitHub-Delivery each), against a bare Fastify endpoint that checks the
 *   same HMAC over the raw body and inserts one row.
 *
 * Every server runs in its own process, autocannon in this one; the order of the targets flips every
 * round so that drift in the machine's load falls on all of them. Surplus runs as main.ts runs it,
 * with the database URL (so bearer tokens are cached). Each target's CPU per request is read from
 * its server process and from the embedded PostgreSQL's processes: under a loaded machine the
 * figure that moves least.
 *
 *   npm run bench -- review [--duration 10] [--warmup 3] [--rounds 2] [--connections 10]
 *                           [--intake-connections 10] [--requests 10000] [--projects 1000] [--cpu-prof]
 *                           [--only queue|intake]
 *
 * With TEST_DATABASE_URL it uses that PostgreSQL server (in a database of its own, dropped after);
 * otherwise an embedded one in a temporary directory.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { createApp, createServices, type SurplusConfig } from '../server/src/app.ts';
import { ensureDatabase, migrateAll } from '../server/src/db/bootstrap.ts';
import { createDb, createPool } from '../server/src/db/database.ts';
import { startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import { signatureOf } from '../server/src/intake/webhook.ts';
import { ProgramCreateBody } from '../server/src/programs/programs.schemas.ts';
import { testConfig } from '../server/test/harness.ts';
import { cpuOf, dropDatabase, postgresCpu, stopChild, summariseProfile } from './support.ts';

type Target = 'queue' | 'queue_uncached' | 'queue_baseline' | 'intake' | 'intake_baseline';
const TARGETS: Target[] = ['queue_baseline', 'queue', 'queue_uncached', 'intake_baseline', 'intake'];
type Measured = { rps: number; p50Ms: number; p99Ms: number; cpuMs: number; pgCpuMs: number | null };

const self = fileURLToPath(import.meta.url);
// Surplus's default pool size (SURPLUS_DB_POOL); the baselines get the same.
const POOL_SIZE = 20;
const INTAKE_REPOSITORY = 'bench-org/intake';
const ISSUE_BODY = readFileSync(new URL('../server/src/intake/fixtures/01-form-complete.md', import.meta.url), 'utf8');
// The states the queue seed spreads 10,000 requests over, with their weights (in twentieths).
const STATE_WEIGHTS: [string, number][] = [
  ['draft', 2],
  ['needs_info', 2],
  ['submitted', 5],
  ['in_review', 3],
  ['changes_requested', 2],
  ['approved', 3],
  ['declined', 2],
  ['withdrawn', 1],
];

export default async function reviewBenchmark(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      'intake-connections': { type: 'string', default: '10' },
      requests: { type: 'string', default: '10000' },
      projects: { type: 'string', default: '1000' },
      'cpu-prof': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  // `--only queue` or `--only intake` measures one path (and profiles it alone with --cpu-prof).
  const measured = TARGETS.filter((target) => !values.only || target.startsWith(values.only));
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const intakeConnections = Number(values['intake-connections']);
  const requestCount = Number(values.requests);
  const projectCount = Number(values.projects);

  const tmp = await mkdtemp(join(tmpdir(), 'surplus-bench-'));
  const server = process.env.TEST_DATABASE_URL
    ? { url: process.env.TEST_DATABASE_URL, stop: async () => {} }
    : await startEmbeddedPostgres(join(tmp, 'data'), () => {});
  const databaseUrl = await ensureDatabase(server.url, `surplus_bench_${randomBytes(4).toString('hex')}`);
  // One key for the seeding process and the server: it seals the program's webhook secret.
  const secretKey = randomBytes(32).toString('hex');
  const webhookSecret = `whsec-${randomBytes(12).toString('hex')}`;
  const children: ChildProcess[] = [];
  try {
    const seedStarted = performance.now();
    const seeded = await seed(databaseUrl, secretKey, webhookSecret, requestCount, projectCount);
    const pgCpu = process.env.TEST_DATABASE_URL ? null : postgresCpu(join(tmp, 'data', 'pg'));
    console.log(
      `seeded ${requestCount} requests (${seeded.queued} in the queue) over ${projectCount} projects in ${Math.round(performance.now() - seedStarted)} ms`,
    );

    const profileDir = values['cpu-prof'] ? join(tmp, 'profile') : null;
    const options = { databaseUrl, secretKey, webhookSecret, logFile: join(tmp, 'surplus.log') };
    const surplus = await startServer('queue', options, profileDir, children);
    const baseline = await startServer('queue_baseline', options, null, children);
    const uncached = await startServer('queue_uncached', { ...options, logFile: join(tmp, 'uncached.log') }, null, children);
    const auth = { authorization: `Bearer ${seeded.token}` };
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await checkQueue(`${surplus.url}/api/v1/review/queue?limit=50`, auth);
      console.log(`one queue page, alone: ${Math.round(performance.now() - started)} ms`);
    }
    const row = await fetch(`${baseline.url}/requests/${seeded.firstRequestId}`);
    if (row.status !== 200) throw new Error(`the queue baseline answered ${row.status}`);

    let issue = 1;
    const delivery = () => {
      const number = issue++;
      const raw = JSON.stringify(issuesOpened(number));
      return {
        body: raw,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/bench',
          'x-github-event': 'issues',
          'x-github-delivery': `bench-${number}-${randomBytes(6).toString('hex')}`,
          'x-hub-signature-256': signatureOf(webhookSecret, Buffer.from(raw)),
        },
      };
    };
    const first = delivery();
    const accepted = await fetch(`${surplus.url}/hooks/github`, { method: 'POST', headers: first.headers, body: first.body });
    const outcome = (await accepted.json()) as { outcome?: string; request?: { state?: string } };
    if (accepted.status !== 200 || outcome.outcome !== 'request_created' || outcome.request?.state !== 'submitted') {
      throw new Error(`Surplus answered the first delivery ${accepted.status} ${JSON.stringify(outcome)}; expected a submitted request`);
    }

    const targets: Record<Target, () => Promise<Result>> = {
      queue: () => get(`${surplus.url}/api/v1/review/queue?limit=50`, auth, connections, durationS),
      queue_uncached: () => get(`${uncached.url}/api/v1/review/queue?limit=50`, auth, connections, durationS),
      queue_baseline: () => get(`${baseline.url}/requests/${seeded.firstRequestId}`, {}, connections, durationS),
      intake: () => post(`${surplus.url}/hooks/github`, delivery, intakeConnections, durationS),
      intake_baseline: () => post(`${baseline.url}/hooks/github`, delivery, intakeConnections, durationS),
    };
    const warmups: Record<Target, () => Promise<Result>> = {
      queue: () => get(`${surplus.url}/api/v1/review/queue?limit=50`, auth, connections, warmupS),
      queue_uncached: () => get(`${uncached.url}/api/v1/review/queue?limit=50`, auth, connections, warmupS),
      queue_baseline: () => get(`${baseline.url}/requests/${seeded.firstRequestId}`, {}, connections, warmupS),
      intake: () => post(`${surplus.url}/hooks/github`, delivery, intakeConnections, warmupS),
      intake_baseline: () => post(`${baseline.url}/hooks/github`, delivery, intakeConnections, warmupS),
    };

    const results: Record<Target, Measured[]> = { queue: [], queue_uncached: [], queue_baseline: [], intake: [], intake_baseline: [] };
    // Surplus serves both of its targets from one process, the bare server both baselines.
    const processOf = (target: Target) =>
      target.endsWith('baseline') ? baseline.child : target === 'queue_uncached' ? uncached.child : surplus.child;
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? measured : [...measured].reverse();
      for (const target of order) {
        if (warmupS > 0) await warmups[target]();
        const cpuBefore = await cpuOf(processOf(target));
        const pgBefore = pgCpu?.();
        const result = await targets[target]();
        const pgAfter = pgCpu?.();
        const cpuMs = (await cpuOf(processOf(target))) - cpuBefore;
        const requests = Math.max(1, result.requests.total);
        const measured = {
          rps: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          cpuMs: cpuMs / requests,
          pgCpuMs: pgBefore !== undefined && pgAfter !== undefined ? (pgAfter - pgBefore) / requests : null,
        };
        results[target].push(measured);
        console.log(
          `round ${round} ${target.padEnd(15)} ${measured.rps.toFixed(0).padStart(6)} req/s  p50 ${measured.p50Ms} ms  p99 ${measured.p99Ms} ms` +
            `  CPU/request: server ${measured.cpuMs.toFixed(2)} ms${measured.pgCpuMs === null ? '' : `, PostgreSQL ${measured.pgCpuMs.toFixed(2)} ms`}`,
        );
      }
    }
    const delivered = await countDeliveries(databaseUrl);
    console.log(`Surplus made ${delivered.requests} requests from ${delivered.deliveries} deliveries`);

    await Promise.all(children.map(stopChild));
    if (profileDir) await summariseProfile(profileDir);

    const mean = (list: Measured[]) => (list.length ? list.reduce((sum, m) => sum + m.rps, 0) / list.length : 0);
    // The worst round's p99: the goal is a ceiling, so a lucky round must not hide an unlucky one.
    const worstP99 = (list: Measured[]) => (list.length ? Math.max(...list.map((m) => m.p99Ms)) : 0);
    const queueRps = mean(results.queue);
    const queueBaselineRps = mean(results.queue_baseline);
    const intakeRps = mean(results.intake);
    const intakeBaselineRps = mean(results.intake_baseline);
    const cpu = (list: Measured[], of: (m: Measured) => number | null) => {
      const values = list.map(of).filter((value): value is number => value !== null);
      // 'n/a' for a path not measured (--only) or PostgreSQL's share of a server it does not run.
      return values.length ? Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 100) / 100 : 'n/a';
    };
    return {
      ratio: queueRps / queueBaselineRps,
      p99_ms: worstP99(results.queue),
      queue_rps: Math.round(queueRps),
      baseline_rps: Math.round(queueBaselineRps),
      baseline_p99_ms: worstP99(results.queue_baseline),
      cpu_ms: cpu(results.queue, (m) => m.cpuMs),
      pg_cpu_ms: cpu(results.queue, (m) => m.pgCpuMs),
      baseline_cpu_ms: cpu(results.queue_baseline, (m) => m.cpuMs),
      baseline_pg_cpu_ms: cpu(results.queue_baseline, (m) => m.pgCpuMs),
      uncached_rps: Math.round(mean(results.queue_uncached)),
      uncached_p99_ms: worstP99(results.queue_uncached),
      uncached_cpu_ms: cpu(results.queue_uncached, (m) => m.cpuMs),
      uncached_pg_cpu_ms: cpu(results.queue_uncached, (m) => m.pgCpuMs),
      intake_ratio: intakeRps / intakeBaselineRps,
      intake_rps: Math.round(intakeRps),
      intake_p99_ms: worstP99(results.intake),
      intake_baseline_rps: Math.round(intakeBaselineRps),
      intake_baseline_p99_ms: worstP99(results.intake_baseline),
      intake_cpu_ms: cpu(results.intake, (m) => m.cpuMs),
      intake_pg_cpu_ms: cpu(results.intake, (m) => m.pgCpuMs),
      intake_baseline_cpu_ms: cpu(results.intake_baseline, (m) => m.cpuMs),
      intake_baseline_pg_cpu_ms: cpu(results.intake_baseline, (m) => m.pgCpuMs),
      connections,
      intake_connections: intakeConnections,
      duration_s: durationS,
      rounds,
      requests: requestCount,
      queued: seeded.queued,
      projects: projectCount,
    };
  } finally {
    await Promise.all(children.map(stopChild));
    await dropDatabase(server.url, databaseUrl).catch(() => {});
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** An `issues` "opened" delivery for issue `number` of the intake program's repository. */
function issuesOpened(number: number) {
  return {
    action: 'opened',
    issue: {
      number,
      title: `[Cluster Request]: bare metal for CI ${number}`,
      body: ISSUE_BODY,
      state: 'open',
      user: { login: 'bench-author', id: 4242, type: 'User' },
      labels: [],
      html_url: `https://github.com/${INTAKE_REPOSITORY}/issues/${number}`,
    },
    repository: { full_name: INTAKE_REPOSITORY, html_url: `https://github.com/${INTAKE_REPOSITORY}` },
    sender: { login: 'bench-author' },
  };
}

/**
 * Three programs (the third takes GitHub deliveries), 1,000 projects, 10,000 requests spread over
 * every state with one to three resource lines each, and votes from five reviewers on the requests in
 * review. The reviewer who reads the queue has a real API token made the way the API makes them.
 */
async function seed(databaseUrl: string, secretKey: string, webhookSecret: string, requestCount: number, projectCount: number) {
  const pool = createPool(databaseUrl, 2);
  try {
    await migrateAll(pool, () => {});
    const db = createDb(pool);
    const { accounts, programs } = createServices(db, config(secretKey, null));
    const system = { actor: null, requestId: null };
    const email = 'reviewer@example.org';
    const session = await accounts.signUp(system, { email, name: 'Reviewer', password: 'bench-password-1' }, '127.0.0.1');
    await pool.query(`update users set roles = '{reviewer}', email_verified_at = now() where id = $1`, [session.user.id]);
    const actor = {
      userId: session.user.id,
      email,
      name: 'Reviewer',
      roles: ['reviewer' as const],
      githubLogin: null,
      via: 'token' as const,
    };
    const { secret } = await accounts.createToken({ actor, requestId: null }, { name: 'bench' });
    for (const [slug, name] of [
      ['oss', 'Open Source Partner Program'],
      ['arm', 'Arm builders'],
    ]) {
      await programs.create(system, ProgramCreateBody.parse({ slug, name, budget_cents_per_year: 50_000_000_00 }));
    }
    await programs.create(
      system,
      ProgramCreateBody.parse({
        slug: 'intake',
        name: 'GitHub intake',
        budget_cents_per_year: 10_000_000_00,
        github_repository: INTAKE_REPOSITORY,
        github_secret: webhookSecret,
      }),
    );

    await pool.query(
      `insert into projects (slug, name, repository_host, repository_owner, repository_name, license_expression, is_osi_approved,
         description_md, description_html, website, is_public, public_fields, created_at, updated_at)
       select 'bench-' || i, 'Bench project ' || i, 'github.com', 'bench-org-' || (i % 200), 'repo-' || i,
         (array['Apache-2.0', 'MIT', 'BSD-3-Clause'])[1 + i % 3], true, 'Project ' || i, '<p>Project ' || i || '</p>',
         'https://example.org/' || i, true, '{description,repository,license,website}', now() - interval '2 years', now() - interval '2 years'
       from generate_series(1, $1::int) as i`,
      [projectCount],
    );
    await pool.query(
      `insert into users (email, name, roles)
       select 'reviewer' || i || '@example.org', 'Reviewer ' || i, '{reviewer}' from generate_series(1, 5) as i`,
    );
    // States by weight: position i of the 20 slots in STATE_WEIGHTS order.
    const slots = STATE_WEIGHTS.flatMap(([state, weight]) => Array<string>(weight).fill(state));
    await pool.query(
      `with programs as (select array_agg(id order by slug) as ids from programs where slug in ('oss', 'arm')),
            projects as (select array_agg(id order by slug) as ids from projects),
            seeded as (
              select i, ($2::text[])[1 + (i * 7) % 20] as state,
                now() - make_interval(mins => (i * 37) % (60 * 24 * 90)) as at
              from generate_series(1, $1::int) as i)
       insert into requests (program_id, project_id, source, github_issue, github_author, state, purpose, title, description_md, description_html,
         duration, end_on, publish_results, acknowledges_sponsor, monthly_estimate_cents, missing,
         created_at, updated_at, submitted_at, decided_at, decision_reason)
       select programs.ids[1 + i % 2], projects.ids[1 + i % array_length(projects.ids, 1)],
         case when i % 4 = 0 then 'github' else 'web' end, case when i % 4 = 0 then i end, case when i % 4 = 0 then 'author-' || i end,
         state, (array['ci_cd', 'benchmarking', 'labs', 'hosting', 'other'])[1 + i % 5], 'Bare metal for request ' || i,
         'We run **CI** for request ' || i || ' on [bare metal](https://example.org), with results published.',
         '<p>We run <strong>CI</strong> for request ' || i || ' on <a href="https://example.org">bare metal</a>, with results published.</p>',
         'fixed', current_date + 180, 'Results on our blog', true, 10000 + (i * 7919) % 900000,
         case when state = 'needs_info' then '{purpose}'::text[] else '{}' end,
         at - interval '1 day', at, case when state <> 'draft' then at end,
         case when state in ('approved', 'declined', 'withdrawn') then at + interval '3 days' end,
         case when state in ('approved', 'declined') then 'Decided by the bench seed.' end
       from seeded, programs, projects`,
      [requestCount, slots],
    );
    await pool.query(
      `insert into request_resources (request_id, position, plan_slug, quantity, metro_code, os_slug)
       select r.id, p, (array['c3.small.x86', 'm3.small.x86', 'c3.medium.x86', 'm3.large.x86'])[1 + (r.number + p) % 4],
         1 + (r.number + p) % 5, (select code from metros order by code limit 1 offset p % 2),
         (array['ubuntu_22_04', 'debian_12', 'rocky_9'])[1 + (r.number + p) % 3]
       from requests r, generate_series(0, 2) as p where p <= r.number % 3`,
    );
    await pool.query(
      `insert into request_votes (request_id, user_id, vote)
       select r.id, u.id, case when (r.number + length(u.email)) % 5 = 0 then -1 else 1 end
       from requests r join users u on u.email like 'reviewer_%@example.org'
       where r.state = 'in_review' and (r.number + length(u.email)) % 3 <> 0`,
    );
    await pool.query('vacuum analyze');
    const {
      rows: [counts],
    } = await pool.query<{ queued: string; first: string }>(
      `select count(*) filter (where state in ('needs_info', 'submitted', 'in_review', 'changes_requested')) as queued,
         (select id from requests order by number limit 1) as first
       from requests`,
    );
    if (!counts) throw new Error('seeding left no requests');
    return { token: secret, queued: Number(counts.queued), firstRequestId: counts.first };
  } finally {
    await pool.end();
  }
}

/** The test configuration with a given secret key, and main.ts's production logger writing to a file. */
function config(secretKey: string, logFile: string | null): SurplusConfig {
  return testConfig({
    publicUrl: 'http://127.0.0.1',
    version: 'bench',
    secretKey: Buffer.from(secretKey, 'hex'),
    logger: logFile
      ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.token'], file: logFile }
      : false,
  });
}

/** Checks that the queue answers what the benchmark claims to measure: a full page of 50. */
async function checkQueue(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { headers });
  const page = (await response.json()) as { items?: { votes?: unknown }[]; next_cursor?: string | null };
  if (response.status !== 200 || page.items?.length !== 50 || !page.next_cursor || !page.items[0]?.votes) {
    throw new Error(`Surplus answered the queue ${response.status} with ${page.items?.length} items; expected 200 and a full page of 50`);
  }
}

async function get(url: string, headers: Record<string, string>, connections: number, durationS: number): Promise<Result> {
  return checked(url, await autocannon({ url, headers, connections, duration: durationS, timeout: 10 }));
}

/** POSTs a fresh delivery per request: autocannon asks `next` for each one it sends. */
async function post(
  url: string,
  next: () => { body: string; headers: Record<string, string> },
  connections: number,
  durationS: number,
): Promise<Result> {
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, ...next() }) }],
  });
  return checked(url, result);
}

function checked(url: string, result: Result): Result {
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses under load`);
  }
  return result;
}

async function countDeliveries(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ deliveries: string; requests: string }>(
      `select (select count(*) from github_deliveries where outcome = 'request_created') as deliveries,
         (select count(*) from requests where source = 'github' and github_author = 'bench-author') as requests`,
    );
    return { deliveries: Number(rows[0]?.deliveries), requests: Number(rows[0]?.requests) };
  } finally {
    await client.end();
  }
}

type ServeOptions = { databaseUrl: string; secretKey: string; webhookSecret: string; logFile: string };

function startServer(
  target: 'queue' | 'queue_uncached' | 'queue_baseline',
  options: ServeOptions,
  profileDir: string | null,
  children: ChildProcess[],
) {
  const execArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = fork(self, ['serve', target, JSON.stringify(options)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise<{ url: string; child: ChildProcess }>((resolve, reject) => {
    child.once('message', (message) => resolve({ url: (message as { url: string }).url, child }));
    child.once('exit', (code) => reject(new Error(`${target} server exited (${code}) before listening`)));
  });
}

/**
 * queue: the real app (it serves both Surplus targets). queue_baseline: bare Fastify + pg with both
 * baselines, a primary-key lookup and a webhook that checks the HMAC and inserts one row.
 */
async function serve(target: 'queue' | 'queue_uncached' | 'queue_baseline', options: ServeOptions) {
  const pool = createPool(options.databaseUrl, POOL_SIZE);
  let app: { listen(options: { port: number; host: string }): Promise<string>; close(): Promise<unknown> };
  if (target === 'queue') {
    // With the database URL, as main.ts gives it: bearer tokens are cached (decision 0007).
    app = (await createApp(createDb(pool), { ...config(options.secretKey, options.logFile), databaseUrl: options.databaseUrl })).app;
  } else if (target === 'queue_uncached') {
    // Without it nothing LISTENs, so no cache is on (tokens, queue pages): every page is read from
    // PostgreSQL, as after any change to requests.
    app = (await createApp(createDb(pool), config(options.secretKey, options.logFile))).app;
  } else {
    const bare = Fastify();
    bare.get<{ Params: { id: string } }>('/requests/:id', async (request, reply) => {
      const { rows } = await pool.query('select * from requests where id = $1', [request.params.id]);
      return rows[0] ?? reply.status(404).send({ error: 'not found' });
    });
    bare.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.post('/hooks/github', async (request, reply) => {
        const raw = request.body as Buffer;
        const given = Buffer.from(String(request.headers['x-hub-signature-256']).replace(/^sha256=/, ''), 'hex');
        const expected = createHmac('sha256', options.webhookSecret).update(raw).digest();
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.status(401).send({ error: 'signature' });
        const payload = JSON.parse(raw.toString('utf8')) as { action: string };
        const delivery = String(request.headers['x-github-delivery']);
        await pool.query(`insert into github_deliveries (delivery_id, event, action, outcome) values ($1, $2, $3, 'stored')`, [
          delivery,
          request.headers['x-github-event'],
          payload.action,
        ]);
        return { delivery, outcome: 'stored' };
      });
    });
    app = bare;
  }
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', async (message) => {
    if (message === 'cpu') {
      process.send?.({ cpu: process.cpuUsage() });
      return;
    }
    await app.close();
    await pool.end();
    process.exit(0);
  });
  process.send?.({ url: address });
}

if (process.argv[1] === self && process.argv[2] === 'serve')
  await serve(process.argv[3] as 'queue' | 'queue_uncached' | 'queue_baseline', JSON.parse(process.argv[4] ?? '{}'));
