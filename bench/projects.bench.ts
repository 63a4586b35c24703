/**
 * `projects`: an authenticated `GET /api/v1/projects` (scope mine, 50 per page, over 10,000 projects
 * the caller belongs to) on the real Surplus app, against a bare Fastify + pg endpoint that looks one
 * project up by primary key in the same database; two more targets (below) tell where a gap comes
 * from. Every server runs in its own process, the load generator (autocannon) in this one, and the
 * order of the targets flips every round so that drift in the machine's load falls on all of them.
 *
 *   npm run bench -- projects [--duration 10] [--warmup 3] [--rounds 2] [--connections 50]
 *                             [--projects 10000] [--cpu-prof]
 *
 * With TEST_DATABASE_URL it uses that PostgreSQL server (in a database of its own, dropped after);
 * otherwise an embedded one in a temporary directory. `--cpu-prof` profiles the Surplus server and
 * prints where its time went.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import Fastify from 'fastify';
import { createApp, createServices, type SurplusConfig } from '../server/src/app.ts';
import { ensureDatabase, migrateAll } from '../server/src/db/bootstrap.ts';
import { createDb, createPool } from '../server/src/db/database.ts';
import { startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import { testConfig } from '../server/test/harness.ts';
import { cpuOf, dropDatabase, postgresCpu, stopChild, summariseProfile } from './support.ts';

/**
 * surplus: the real app. baseline: bare Fastify + pg, one primary-key lookup.
 * Two more targets explain a gap between them; they are figures, not goals:
 * - query: bare Fastify + pg running the same page query as Surplus (written out by hand) and sending
 *   its rows as JSON, with no authentication, mapping or validation: what the page costs by itself.
 * - page: bare Fastify sending the very bytes of Surplus's page from memory: what answering 44 KB
 *   over HTTP costs on this machine.
 */
type Target = 'surplus' | 'baseline' | 'uncached' | 'query' | 'page';
const TARGETS: Target[] = ['baseline', 'surplus', 'uncached', 'query', 'page'];

// The page Surplus's ProjectsRepository.list builds for scope=mine without a cursor.
const PAGE_SQL = `select projects.*, me.role as my_role,
    (select count(*) from project_members where project_members.project_id = projects.id) as member_count
  from projects
  left join project_members as me on me.project_id = projects.id and me.user_id = $1
  where me.user_id is not null
  order by projects.created_at desc, projects.id desc
  limit 51`;
/** Per measured load: throughput, tail latency, and CPU per request of the server and of PostgreSQL. */
type Measured = { rps: number; p99Ms: number; cpuMs: number; pgCpuMs: number | null };

const self = fileURLToPath(import.meta.url);
// Surplus's default pool size (SURPLUS_DB_POOL); the baseline gets the same.
const POOL_SIZE = 20;

export default async function projectsBenchmark(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
      projects: { type: 'string', default: '10000' },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const durationS = Number(values.duration);
  const warmupS = Number(values.warmup);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const projectCount = Number(values.projects);

  const tmp = await mkdtemp(join(tmpdir(), 'surplus-bench-'));
  const server = process.env.TEST_DATABASE_URL
    ? { url: process.env.TEST_DATABASE_URL, stop: async () => {} }
    : await startEmbeddedPostgres(join(tmp, 'data'), () => {});
  // PostgreSQL's CPU is only visible when its processes are ours to read, i.e. the embedded server.
  const pgCpu = process.env.TEST_DATABASE_URL ? null : postgresCpu(join(tmp, 'data', 'pg'));
  const databaseUrl = await ensureDatabase(server.url, `surplus_bench_${randomBytes(4).toString('hex')}`);
  const children: ChildProcess[] = [];
  try {
    const seedStarted = performance.now();
    const { token, userId, firstProjectId } = await seed(databaseUrl, projectCount);
    console.log(`seeded ${projectCount} projects in ${Math.round(performance.now() - seedStarted)} ms`);

    const profileDir = values['cpu-prof'] ? join(tmp, 'profile') : null;
    const surplus = await startServer('surplus', { databaseUrl, logFile: join(tmp, 'surplus.log') }, profileDir, children);
    const baseline = await startServer('baseline', { databaseUrl }, null, children);
    const uncached = await startServer('uncached', { databaseUrl, logFile: join(tmp, 'uncached.log') }, null, children);
    const pageFile = join(tmp, 'page.json');
    await writeFile(pageFile, await surplusPage(`${surplus.url}/api/v1/projects`, token));
    const page = await startServer('page', { pageFile }, null, children);
    const query = await startServer('query', { databaseUrl }, null, children);
    const processes: Record<Target, ChildProcess> = {
      surplus: surplus.child,
      baseline: baseline.child,
      uncached: uncached.child,
      query: query.child,
      page: page.child,
    };
    const targets: Record<Target, { url: string; headers: Record<string, string> }> = {
      surplus: { url: `${surplus.url}/api/v1/projects`, headers: { authorization: `Bearer ${token}` } },
      baseline: { url: `${baseline.url}/projects/${firstProjectId}`, headers: {} },
      uncached: { url: `${uncached.url}/api/v1/projects`, headers: { authorization: `Bearer ${token}` } },
      query: { url: `${query.url}/page/${userId}`, headers: {} },
      page: { url: `${page.url}/page`, headers: {} },
    };
    const row = await fetch(targets.baseline.url);
    if (row.status !== 200 || !((await row.json()) as { id?: string }).id) throw new Error(`the baseline answered ${row.status}`);

    const results: Record<Target, Measured[]> = { surplus: [], baseline: [], uncached: [], query: [], page: [] };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        const { url, headers } = targets[target];
        if (warmupS > 0) await load(url, headers, connections, warmupS);
        const cpuBefore = await cpuOf(processes[target]);
        const pgBefore = pgCpu?.();
        const result = await load(url, headers, connections, durationS);
        const pgAfter = pgCpu?.();
        const cpuMs = (await cpuOf(processes[target])) - cpuBefore;
        const requests = result.requests.total;
        const measured = {
          rps: result.requests.average,
          p99Ms: result.latency.p99,
          cpuMs: cpuMs / requests,
          pgCpuMs: pgBefore !== undefined && pgAfter !== undefined ? (pgAfter - pgBefore) / requests : null,
        };
        results[target].push(measured);
        console.log(
          `round ${round} ${target.padEnd(9)} ${measured.rps.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${measured.p99Ms} ms` +
            `  CPU/request: server ${measured.cpuMs.toFixed(3)} ms${measured.pgCpuMs === null ? '' : `, PostgreSQL ${measured.pgCpuMs.toFixed(3)} ms`}`,
        );
      }
    }

    await Promise.all(children.map(stopChild));
    if (profileDir) await summariseProfile(profileDir);

    const mean = (list: Measured[]) => list.reduce((sum, m) => sum + m.rps, 0) / list.length;
    const meanOf = (list: Measured[], pick: (m: Measured) => number | null) => {
      const values = list.map(pick).filter((value): value is number => value !== null);
      return values.length ? Math.round((1000 * values.reduce((sum, value) => sum + value, 0)) / values.length) / 1000 : 'n/a';
    };
    // The worst round's p99: the goal is a ceiling, so a lucky round must not hide an unlucky one.
    const worstP99 = (list: Measured[]) => Math.max(...list.map((m) => m.p99Ms));
    const surplusRps = mean(results.surplus);
    const baselineRps = mean(results.baseline);
    return {
      ratio: surplusRps / baselineRps,
      surplus_rps: Math.round(surplusRps),
      baseline_rps: Math.round(baselineRps),
      p99_ms: worstP99(results.surplus),
      baseline_p99_ms: worstP99(results.baseline),
      uncached_rps: Math.round(mean(results.uncached)),
      uncached_p99_ms: worstP99(results.uncached),
      uncached_cpu_ms: meanOf(results.uncached, (m) => m.cpuMs),
      uncached_pg_cpu_ms: meanOf(results.uncached, (m) => m.pgCpuMs),
      query_rps: Math.round(mean(results.query)),
      page_rps: Math.round(mean(results.page)),
      page_p99_ms: worstP99(results.page),
      cpu_ms: meanOf(results.surplus, (m) => m.cpuMs),
      baseline_cpu_ms: meanOf(results.baseline, (m) => m.cpuMs),
      pg_cpu_ms: meanOf(results.surplus, (m) => m.pgCpuMs),
      baseline_pg_cpu_ms: meanOf(results.baseline, (m) => m.pgCpuMs),
      query_cpu_ms: meanOf(results.query, (m) => m.cpuMs),
      query_pg_cpu_ms: meanOf(results.query, (m) => m.pgCpuMs),
      connections,
      duration_s: durationS,
      rounds,
      projects: projectCount,
    };
  } finally {
    await Promise.all(children.map(stopChild));
    await dropDatabase(server.url, databaseUrl).catch(() => {});
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A user who belongs to every project (owner of most, member of some), a co-maintainer on every third
 * project so member counts vary, and a real API token made the way the API makes them.
 */
async function seed(databaseUrl: string, projectCount: number) {
  const pool = createPool(databaseUrl, 2);
  try {
    await migrateAll(pool, () => {});
    const db = createDb(pool);
    const { accounts } = createServices(db, config(null));
    const email = 'bench@example.org';
    const session = await accounts.signUp(
      { actor: null, requestId: null },
      { email, name: 'Bench', password: 'bench-password-1' },
      '127.0.0.1',
    );
    const actor = { userId: session.user.id, email, name: 'Bench', roles: [], githubLogin: null, via: 'token' as const };
    const { secret } = await accounts.createToken({ actor, requestId: null }, { name: 'bench' });

    const {
      rows: [other],
    } = await pool.query<{ id: string }>(`insert into users (email, name) values ('co@example.org', 'Co Maintainer') returning id`);
    await pool.query(
      `insert into projects (slug, name, repository_host, repository_owner, repository_name, license_expression, is_osi_approved,
         description_md, description_html, website, foundation, is_public, public_fields, created_at, updated_at)
       select 'bench-' || i, 'Bench project ' || i, 'github.com', 'bench-org-' || (i % 500), 'repo-' || i,
         (array['Apache-2.0', 'MIT', 'GPL-2.0-only OR MIT', 'BSD-3-Clause AND Apache-2.0'])[1 + i % 4], true,
         'Project **' || i || '** builds and tests things on [bare metal](https://example.org).',
         '<p>Project <strong>' || i || '</strong> builds and tests things on <a href="https://example.org">bare metal</a>.</p>',
         'https://example.org/' || i, case when i % 3 = 0 then 'CNCF' end, i % 2 = 0, '{description,repository,license,website}',
         now() - make_interval(secs => i), now() - make_interval(secs => i)
       from generate_series(1, $1::int) as i`,
      [projectCount],
    );
    await pool.query(
      `insert into project_members (project_id, user_id, role)
       select id, $1, case when slug ~ '[05]$' then 'member' else 'owner' end from projects`,
      [session.user.id],
    );
    await pool.query(
      `insert into project_members (project_id, user_id, role)
       select id, $1, 'owner' from projects where slug ~ '[0369]$'`,
      [other?.id],
    );
    await pool.query('vacuum analyze');
    const {
      rows: [first],
    } = await pool.query<{ id: string }>('select id from projects order by created_at desc limit 1');
    if (!first) throw new Error('seeding left no projects');
    return { token: secret, userId: session.user.id, firstProjectId: first.id };
  } finally {
    await pool.end();
  }
}

/**
 * The test configuration (kept complete by whoever adds a setting), with main.ts's production logger
 * writing to a file instead of stdout: Surplus logs every request, and that is part of its cost.
 */
function config(logFile: string | null): SurplusConfig {
  return testConfig({
    publicUrl: 'http://127.0.0.1',
    version: 'bench',
    logger: logFile
      ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.token'], file: logFile }
      : false,
  });
}

/** One page as Surplus serves it, after checking that it is what the benchmark claims to measure. */
async function surplusPage(url: string, token: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.text();
  const page = JSON.parse(body) as { items?: unknown[]; next_cursor?: string | null };
  if (response.status !== 200 || page.items?.length !== 50 || !page.next_cursor) {
    throw new Error(`Surplus answered ${response.status} with ${page.items?.length} items; expected 200 and a full page of 50`);
  }
  return body;
}

async function load(url: string, headers: Record<string, string>, connections: number, durationS: number): Promise<Result> {
  const result = await autocannon({ url, headers, connections, duration: durationS, timeout: 10 });
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses under load`);
  }
  return result;
}

type ServeOptions = { databaseUrl?: string; logFile?: string; pageFile?: string };

function startServer(target: Target, options: ServeOptions, profileDir: string | null, children: ChildProcess[]) {
  const execArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = fork(self, ['serve', target, JSON.stringify(options)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise<{ url: string; child: ChildProcess }>((resolve, reject) => {
    child.once('message', (message) => resolve({ url: (message as { url: string }).url, child }));
    child.once('exit', (code) => reject(new Error(`${target} server exited (${code}) before listening`)));
  });
}

async function serve(target: Target, options: ServeOptions) {
  const pool = options.databaseUrl ? createPool(options.databaseUrl, POOL_SIZE) : null;
  let app: { listen(options: { port: number; host: string }): Promise<string>; close(): Promise<unknown> };
  if (target === 'surplus' && pool) {
    app = (await createApp(createDb(pool), { ...config(options.logFile ?? null), databaseUrl: options.databaseUrl })).app;
  } else if (target === 'uncached' && pool) {
    // Without a database URL nothing LISTENs, so neither in-process cache (tokens, pages) is on:
    // every request takes the path a page takes after any change to projects or memberships.
    app = (await createApp(createDb(pool), config(options.logFile ?? null))).app;
  } else if (target === 'baseline' && pool) {
    const bare = Fastify();
    bare.get<{ Params: { id: string } }>('/projects/:id', async (request, reply) => {
      const { rows } = await pool.query('select * from projects where id = $1', [request.params.id]);
      return rows[0] ?? reply.status(404).send({ error: 'not found' });
    });
    app = bare;
  } else if (target === 'query' && pool) {
    const bare = Fastify();
    bare.get<{ Params: { user: string } }>('/page/:user', async (request) => {
      const { rows } = await pool.query(PAGE_SQL, [request.params.user]);
      return { items: rows.slice(0, 50) };
    });
    app = bare;
  } else {
    const body = await readFile(options.pageFile as string, 'utf8');
    const bare = Fastify();
    bare.get('/page', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
    app = bare;
  }
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', async (message) => {
    if (message === 'cpu') {
      process.send?.({ cpu: process.cpuUsage() });
      return;
    }
    await app.close();
    await pool?.end();
    process.exit(0);
  });
  process.send?.({ url: address });
}

if (process.argv[1] === self && process.argv[2] === 'serve') await serve(process.argv[3] as Target, JSON.parse(process.argv[4] ?? '{}'));
