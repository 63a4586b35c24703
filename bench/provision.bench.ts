/**
 * `provision`: how long a lab server takes from create to active, against a raw netboot of the same
 * machine and image, measured in the same run; four at once; and the orchestration's own cost per
 * workflow step with 200 concurrent provisions against an instantly answering BMC.
 *
 * Lab part — `node server/src/main.ts` (what `npm start` runs) on a fresh data directory with its
 * embedded PostgreSQL and a lab pool (SURPLUS_LAB_MACHINES = rounds + 4):
 *   - active_s: a server created through the API (project `demo`, plan lab.vm.x86, lab_live), from
 *     its created_at to its activated_at (both stamped by Surplus): allocation, the Redfish calls to
 *     the virtual BMC (boot override, power on → QEMU starts), firmware, iPXE, kernel and initrd from
 *     the boot service, metadata, phone-home.
 *   - raw_s (baseline): QEMU started directly with the lab machine's own options (QemuMachine's
 *     arguments for a one-time network boot: same CPU, memory, disk, NIC, accelerator; spawned in a
 *     session of its own as the lab does), netbooting
 *     the same kernel and initrd with the same command line from a plain static HTTP server (a few
 *     lines of node:http below) that also answers the image's metadata GETs and its phone-home POST;
 *     from spawning QEMU to the phone-home arriving.
 *   - Each round runs both at once (--mode paired, the default), so that whatever else loads the
 *     host falls on both alike; ratio = the median of the rounds' active_s / raw_s. --mode alternate
 *     runs them one after the other instead, alternating which goes first.
 *   - four_s: four servers created at once; the slowest create→active.
 *
 * Orchestration part — Surplus in-process (createApp + the graphile-worker runner at main.ts's
 * default concurrency + the boot service on a port) on its own embedded PostgreSQL; 200 machines
 * behind the lab's Redfish virtual BMC whose machines are MemoryMachine stand-ins (power changes
 * instantly). 200 servers are created at once; each stand-in, once powered on, does what the lab
 * image does over HTTP at once (iPXE script, kernel, public keys, phone-home). Per step, p50/p99 of
 * the time between consecutive server_events: queue (queued → allocated: waiting for a worker),
 * boot_override (→ the BMC's one-time PXE boot is set), power_cycle (→ powered on), phone_home
 * (metadata read → active). The goal (issue 4) is p99 ≤ 50 ms for the steps Surplus does itself.
 * Surplus gets the database URL as main.ts gives it (its caches on), and 20 servers are provisioned
 * first as a warm-up, not measured.
 *
 * --statements also prints PostgreSQL's statements by total time while measured (pg_stat_statements),
 * --slowest the eight slowest of each step and when they began.
 *
 *   npm run bench -- provision [--rounds 3] [--servers 200] [--warmup 20] [--skip-lab] [--skip-orchestration]
 *                              [--statements] [--slowest]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { createReadStream, existsSync, openSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Logger, run } from 'graphile-worker';
import { sql } from 'kysely';
import { CRONTAB, createApp, jobHandlers, type SurplusConfig } from '../server/src/app.ts';
import { createBootServer } from '../server/src/boot/boot.server.ts';
import { SecretBox } from '../server/src/crypto/secret-box.ts';
import { ensureDatabase, migrateAll } from '../server/src/db/bootstrap.ts';
import { createDb, createPool } from '../server/src/db/database.ts';
import { freePort, startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import type { Role } from '../server/src/http/context.ts';
import { type Accelerator, acceleratorSetting, probeAccelerator } from '../server/src/providers/lab/accelerator.ts';
import { createLabProvider } from '../server/src/providers/lab/lab-provider.ts';
import { QemuMachine } from '../server/src/providers/lab/qemu-machine.ts';
import { systemPath, VirtualBmc } from '../server/src/providers/lab/virtual-bmc.ts';
import { MemoryMachine } from '../server/src/providers/lab/virtual-machine.ts';
import type { Provider } from '../server/src/providers/types.ts';
import { postgresCpu } from './support.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const exec = promisify(execFile);
const RATIO_GOAL = 1.1;
const ORCHESTRATION_GOAL_MS = 50;
const BOOT_TIMEOUT_MS = 300_000;
const ADMIN = { email: 'admin@bench.test', password: 'bench-admin-password-1' };

export default async function provisionBenchmark(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      mode: { type: 'string', default: 'paired' },
      servers: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
      'skip-lab': { type: 'boolean', default: false },
      'skip-orchestration': { type: 'boolean', default: false },
      statements: { type: 'boolean', default: false },
      slowest: { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const figures: Record<string, number | string> = {};
  let ratio = Number.NaN;
  if (!values['skip-lab']) {
    const mode = values.mode === 'alternate' ? 'alternate' : 'paired';
    const lab = await labFigures(rounds, mode);
    ratio = lab.ratio;
    Object.assign(figures, {
      active_s: round(lab.activeS),
      raw_s: round(lab.rawS),
      four_s: round(lab.fourS),
      goal_ratio: RATIO_GOAL,
      rounds,
      mode,
      accelerator: lab.accelerator,
    });
  }
  if (!values['skip-orchestration']) {
    const orchestration = await orchestrationFigures(Number(values.servers), Number(values.warmup), {
      statements: values.statements,
      slowest: values.slowest,
    });
    Object.assign(figures, orchestration);
    if (values['skip-lab']) ratio = Number(orchestration.orch_p99_ms) / ORCHESTRATION_GOAL_MS;
  }
  return { ratio, ...figures };
}

// ── the lab part ───────────────────────────────────────────────────────────────────────────────────

async function labFigures(rounds: number, mode: 'paired' | 'alternate') {
  const tmp = await mkdtemp(join(tmpdir(), 'surplus-bench-provision-'));
  const dataDir = join(tmp, 'data');
  let surplus: ChildProcess | null = null;
  try {
    const image = await labImage();
    await mkdir(join(dataDir, 'os', 'lab_live'), { recursive: true });
    for (const file of ['vmlinuz', 'initrd.gz']) await copyFile(join(image, file), join(dataDir, 'os', 'lab_live', file));
    // The KVM-or-TCG verdict, probed once and shared with the pool (it reads this cache).
    await mkdir(join(dataDir, 'lab'), { recursive: true });
    const verdictFile = join(image, 'accelerator.json');
    if (!existsSync(verdictFile)) await probeAccelerator({ qemuBinary: 'qemu-system-x86_64', cacheFile: verdictFile });
    await copyFile(verdictFile, join(dataDir, 'lab', 'accelerator.json'));
    // The raw boot uses what the pool will use: SURPLUS_LAB_ACCELERATOR (default tcg), the probe's verdict for auto.
    const setting = acceleratorSetting(process.env.SURPLUS_LAB_ACCELERATOR);
    const accelerator: Accelerator =
      setting === 'auto' ? (JSON.parse(await readFile(verdictFile, 'utf8')) as { accelerator: Accelerator }).accelerator : setting;

    const port = await freePort();
    const bootPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SURPLUS_BOOT_PORT: String(bootPort),
      SURPLUS_DATA_DIR: dataDir,
      SURPLUS_LAB_MACHINES: String(rounds + 4),
      SURPLUS_ADMIN_EMAIL: ADMIN.email,
      SURPLUS_ADMIN_PASSWORD: ADMIN.password,
      SURPLUS_LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['server/src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    surplus = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      async () =>
        (await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        )) ||
        (child.exitCode !== null && fail(output)),
      180_000,
      'Surplus ready',
    );
    const token = await signIn(url);
    const api = (method: string, path: string, body?: unknown) => call(url, token, method, path, body);
    await waitFor(
      async () => {
        const machines = (await api('GET', '/api/v1/machines?metro=lab')) as { items: { state: string }[] };
        return machines.items.length === rounds + 4 && machines.items.every((m) => m.state === 'available');
      },
      120_000,
      'lab machines available',
    );
    console.log(`lab: ${rounds + 4} machines available (${accelerator}); Surplus at ${url}`);

    const createOne = async () => {
      const created = (await api('POST', '/api/v1/servers', {
        project: 'demo',
        plan: 'lab.vm.x86',
        metro: 'lab',
        operating_system: 'lab_live',
      })) as { id: string };
      return created.id;
    };
    const activeSeconds = async (id: string) => {
      const server = await waitForActive(api, id);
      return (Date.parse(server.activated_at as string) - Date.parse(server.created_at)) / 1000;
    };
    /** Where the time went: Surplus's own steps up to the power-on, then the machine's boot. */
    const breakdown = async (id: string) => {
      const server = (await api('GET', `/api/v1/servers/${id}`)) as ServerView & { timeline: { step: string; occurred_at: string }[] };
      const at = (step: string) => Date.parse(server.timeline.find((event) => event.step === step)?.occurred_at ?? '');
      const created = Date.parse(server.created_at);
      return `power-on after ${((at('power_cycle') - created) / 1000).toFixed(2)} s, iPXE asked at ${((at('netboot') - created) / 1000).toFixed(2)} s, kernel at ${((at('kernel') - created) / 1000).toFixed(2)} s, metadata at ${((at('metadata') - created) / 1000).toFixed(2)} s`;
    };
    // Between measurements a server is powered off, so its QEMU stops taking CPU from the next one.
    const powerOff = async (id: string) => {
      await api('POST', `/api/v1/servers/${id}/actions`, { type: 'power_off' });
      await waitFor(async () => ((await api('GET', `/api/v1/servers/${id}`)) as { state: string }).state === 'inactive', 60_000, 'off');
    };

    const actives: number[] = [];
    const raws: number[] = [];
    const measureSurplus = async (round: number) => {
      const id = await createOne();
      const seconds = await activeSeconds(id);
      actives.push(seconds);
      console.log(`round ${round}: Surplus create → active ${seconds.toFixed(2)} s (${await breakdown(id)})`);
      await powerOff(id);
    };
    const measureRaw = async (round: number) => {
      const seconds = await rawNetboot(tmp, dataDir, accelerator, round);
      raws.push(seconds);
    };
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      if (mode === 'paired') {
        // Both boots at once: whatever else loads the host falls on both alike.
        await Promise.all([measureRaw(round), measureSurplus(round)]);
      } else if (round % 2 === 1) {
        await measureRaw(round);
        await measureSurplus(round);
      } else {
        await measureSurplus(round);
        await measureRaw(round);
      }
      ratios.push((actives.at(-1) as number) / (raws.at(-1) as number));
    }

    const four = await Promise.all([1, 2, 3, 4].map(() => createOne()));
    const fourSeconds = await Promise.all(four.map(activeSeconds));
    console.log(`four at once: ${fourSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
    return { activeS: median(actives), rawS: median(raws), ratio: median(ratios), fourS: Math.max(...fourSeconds), accelerator };
  } finally {
    if (surplus && surplus.exitCode === null) {
      const exited = new Promise((resolve) => surplus?.once('exit', resolve));
      surplus.kill('SIGTERM');
      const timer = setTimeout(() => surplus?.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The baseline: QEMU with the lab machine's options, netbooting the same image from a plain static
 * HTTP server. Seconds from spawning QEMU to the image's phone-home POST.
 */
async function rawNetboot(tmp: string, dataDir: string, accelerator: Accelerator, round: number): Promise<number> {
  const dir = join(tmp, `raw-${round}`);
  await mkdir(dir, { recursive: true });
  let phonedHomeAt = 0;
  const files = join(dataDir, 'os', 'lab_live');
  const statics = await staticServer(files, () => {
    phonedHomeAt = performance.now();
  });
  const base = `http://10.0.2.2:${statics.port}`;
  statics.script = [
    '#!ipxe',
    // The command line Surplus's boot service gives lab_live (its catalog cmdline and the metadata URL).
    `kernel ${base}/vmlinuz console=ttyS0 quiet surplus.metadata=${base}/metadata/raw`,
    `initrd ${base}/initrd.gz`,
    'boot',
    '',
  ].join('\n');
  const machine = new QemuMachine({
    id: `raw-${round}`,
    index: 200 + round,
    uuid: randomUUID(),
    mac: `52:54:00:5c:ff:${round.toString(16).padStart(2, '0')}`,
    // LabPool's defaults for lab machines.
    cpus: 1,
    memoryMiB: 1024,
    diskGiB: 2,
    dir,
    socketPath: join(dir, 'qmp.sock'),
    sshPort: await freePort(),
    bootUrl: `${base}/ipxe`,
    accelerator: async () => accelerator,
    qemuBinary: 'qemu-system-x86_64',
    qemuImgBinary: 'qemu-img',
    log: () => {},
  });
  await machine.prepare();
  // A one-time network boot, as the virtual BMC sets it before powering a lab machine on.
  await machine.setBootOverride({ enabled: 'Once', target: 'Pxe' });
  const args = machine.arguments(accelerator, 'n');
  const started = performance.now();
  // Spawned as the lab spawns its machines (QemuMachine.start): its own session, stderr to a file.
  // That matters here: with the kernel's autogroup scheduling, a QEMU in a session of its own boots
  // measurably slower on this loaded 2-core host than one sharing the caller's session.
  const qemu = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['ignore', 'ignore', openSync(join(dir, 'qemu.log'), 'a')] });
  try {
    await waitFor(
      async () => phonedHomeAt > 0 || (qemu.exitCode !== null && fail(`raw QEMU exited ${qemu.exitCode}`)),
      BOOT_TIMEOUT_MS,
      'raw phone-home',
    );
    const at = (path: string) => (((statics.firstAt.get(path) ?? Number.NaN) - started) / 1000).toFixed(2);
    console.log(
      `round ${round}: raw netboot → phone-home ${((phonedHomeAt - started) / 1000).toFixed(2)} s (iPXE asked at ${at('/ipxe')} s, kernel at ${at('/vmlinuz')} s, metadata at ${at('/metadata/raw/public-keys')} s)`,
    );
    return (phonedHomeAt - started) / 1000;
  } finally {
    qemu.kill('SIGKILL');
    await statics.close();
  }
}

/** A plain static HTTP server: the iPXE script, the image's files, fixed metadata, and a phone-home that is only noted. */
async function staticServer(dir: string, onPhoneHome: () => void) {
  const state = { script: '' };
  const firstAt = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!firstAt.has(path)) firstAt.set(path, performance.now());
    if (req.method === 'POST' && path === '/metadata/raw/phone-home') {
      onPhoneHome();
      req.resume();
      return res.end('{"outcome":"active"}');
    }
    if (path === '/ipxe') return res.end(state.script);
    const metadata: Record<string, string> = { hostname: 'raw', 'public-keys': '', 'user-data': '' };
    const field = /^\/metadata\/raw\/([a-z-]+)$/.exec(path)?.[1];
    if (field && field in metadata) return res.end(metadata[field]);
    const file = join(dir, path.replace(/^\/+/, ''));
    if (!/^\/[A-Za-z0-9_.-]+$/.test(path) || !existsSync(file)) {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('content-length', statSync(file).size);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    firstAt,
    set script(text: string) {
      state.script = text;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ── the orchestration part ─────────────────────────────────────────────────────────────────────────

async function orchestrationFigures(
  count: number,
  warmup: number,
  { statements, slowest }: { statements: boolean; slowest: boolean },
): Promise<Record<string, number | string>> {
  const tmp = await mkdtemp(join(tmpdir(), 'surplus-bench-orchestration-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const pg = await startEmbeddedPostgres(
      join(tmp, 'pg'),
      () => {},
      statements ? { settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } } : {},
    );
    cleanups.push(() => pg.stop());
    const postgresCpuMs = postgresCpu(join(tmp, 'pg', 'pg'));
    const databaseUrl = await ensureDatabase(pg.url, 'surplus');
    const pool = createPool(databaseUrl, 20);
    cleanups.push(() => pool.end());
    const bookkeepingPool = createPool(databaseUrl, 4, { isCommitWaitingForDisk: false });
    cleanups.push(() => bookkeepingPool.end());
    // Round trips, counted because on a loaded host each one waits for a CPU: the database's
    // statements (Surplus's and graphile-worker's, on both pools) and the requests the BMC answers.
    let dbQueries = 0;
    for (const counted of [pool, bookkeepingPool]) {
      counted.on('connect', (client) => {
        const query = client.query.bind(client);
        client.query = ((...args: Parameters<typeof query>) => {
          dbQueries++;
          return query(...args);
        }) as typeof client.query;
      });
    }
    let bmcRequests = 0;
    await migrateAll(pool, () => {});
    const db = createDb(pool);
    const secretKey = randomBytes(32);
    const secrets = new SecretBox(secretKey);

    // The lab's Redfish virtual BMC over loopback HTTP, its machines stand-ins that power on at once.
    // Machines for the warm-up's servers and for the measured ones.
    const memory = Array.from({ length: warmup + count }, (_, index) => new MemoryMachine({ id: `mem-${index + 1}` }));
    const bmcPassword = randomBytes(12).toString('base64url');
    const bmc = new VirtualBmc({ machines: memory, username: 'admin', password: bmcPassword });
    const bmcPort = Number(new URL(await bmc.listen()).port);
    cleanups.push(() => bmc.close());
    const onRequest = (message: unknown) => {
      if (((message as { server: Server }).server.address() as AddressInfo | null)?.port === bmcPort) bmcRequests++;
    };
    diagnostics.subscribe('http.server.request.start', onRequest);
    cleanups.push(async () => diagnostics.unsubscribe('http.server.request.start', onRequest));

    const artifacts = join(tmp, 'os');
    await mkdir(join(artifacts, 'lab_live'), { recursive: true });
    for (const file of ['vmlinuz', 'initrd.gz']) await writeFile(join(artifacts, 'lab_live', file), Buffer.alloc(64 * 1024));
    const bootPort = await freePort();
    const bootUrl = `http://127.0.0.1:${bootPort}`;

    const config: SurplusConfig = {
      publicUrl: 'http://127.0.0.1',
      secretKey,
      cookieSecret: randomBytes(16).toString('hex'),
      isSecureCookie: false,
      webDir: null,
      logger: false,
      oidc: null,
      github: null,
      mail: { smtpUrl: null, from: 'Surplus <bench@localhost>' },
      version: 'bench',
      hasMetrics: false,
      // As main.ts gives it: one LISTEN connection keeps the in-process caches on (tokens, the catalog, pages).
      databaseUrl,
      // As main.ts gives it too: workflow bookkeeping commits without waiting for the disk (decision 0014).
      bookkeepingDb: createDb(bookkeepingPool),
      providers: new Map<string, Provider>([['lab', createLabProvider()]]),
      provisioning: { bootUrl, bootTimeoutSeconds: 600, stepTimeoutMs: 60_000, labSshHost: '127.0.0.1' },
    };
    const { app, services } = await createApp(db, config);
    await app.ready();
    cleanups.push(() => app.close());
    cleanups.push(() => services.registry.close());
    const boot = await createBootServer({
      bootUrl,
      labBootUrl: bootUrl,
      artifactsDir: artifacts,
      logger: false,
      servers: services.servers,
      serversRepository: services.serversRepository,
      catalog: services.catalog,
      db,
    });
    await boot.listen({ port: bootPort, host: '127.0.0.1' });
    cleanups.push(() => boot.close());

    // An admin (who approves) and a maintainer (who owns the project and creates the servers), each with an API token.
    await services.accounts.ensureFirstAdmin(ADMIN.email, ADMIN.password);
    await db
      .updateTable('users')
      .set({ roles: ['admin', 'reviewer'] })
      .where('email', '=', ADMIN.email)
      .execute();
    await services.accounts.signUp(
      { actor: null, requestId: null },
      { email: 'maintainer@bench.test', name: 'Maintainer', password: ADMIN.password },
      '127.0.0.1',
    );
    const tokenOf = async (email: string) => {
      const user = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
      const actor = {
        userId: user.id,
        email: user.email,
        name: user.name,
        roles: user.roles as Role[],
        githubLogin: null,
        via: 'token' as const,
      };
      return (await services.accounts.createToken({ actor, requestId: null }, { name: 'bench' })).secret;
    };
    const adminToken = await tokenOf(ADMIN.email);
    const maintainerToken = await tokenOf('maintainer@bench.test');
    const inject = async (method: string, url: string, body?: unknown, token = maintainerToken) => {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
      return JSON.parse(response.body);
    };
    await inject('POST', '/api/v1/programs', { slug: 'bench', name: 'Bench', budget_cents_per_year: 1e12 }, adminToken);
    const project = await inject('POST', '/api/v1/projects', {
      name: 'Bench',
      repository_url: 'https://github.com/example/bench',
      license: 'MIT',
    });
    const request = await inject('POST', '/api/v1/requests', {
      program: 'bench',
      project: project.slug,
      purpose: 'ci_cd',
      description: 'Orchestration benchmark',
      resources: [{ plan: 'lab.vm.x86', quantity: warmup + count, metro: 'lab', operating_system: 'lab_live' }],
      end_on: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
    });
    await inject('POST', `/api/v1/requests/${request.id}/approve`, { max_servers: warmup + count, monthly_credit_cents: 1e10 }, adminToken);

    // The machines, enrolled as the inventory stores them (a MAC each, the sealed BMC password).
    const macOf = (index: number) =>
      `02:be:00:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`;
    for (const [index, machine] of memory.entries()) {
      const id = randomUUID();
      await db
        .insertInto('machines')
        .values({
          id,
          hostname: `bench-${index + 1}`,
          plan_slug: 'lab.vm.x86',
          metro_code: 'lab',
          mac_addresses: [macOf(index)],
          bmc_provider: 'lab',
          bmc_url: bmc.url,
          bmc_username: 'admin',
          bmc_password_encrypted: secrets.seal(bmcPassword, `machine:${id}:bmc`),
          bmc_system_path: systemPath(machine.info.id),
          state: 'available',
        })
        .execute();
      await db
        .insertInto('machine_macs')
        .values({ mac: macOf(index), machine_id: id })
        .execute();
    }

    // graphile-worker as startWorker (server/src/jobs/worker.ts) runs it — main.ts's default concurrency
    // of 4, the same poll interval and crontab — with its per-job log lines silenced.
    const handlers = jobHandlers(services);
    const worker = await run({
      pgPool: pool,
      taskList: Object.fromEntries(
        Object.entries(handlers).map(([name, handler]) => [
          name,
          async (payload: unknown) => {
            await handler((payload ?? {}) as Record<string, unknown>);
          },
        ]),
      ),
      concurrency: 4,
      noHandleSignals: true,
      pollInterval: 1000,
      crontab: CRONTAB,
      logger: new Logger(() => () => {}),
    });
    cleanups.push(() => worker.stop());

    // Each stand-in, once powered on, boots "instantly": what the lab image does, over HTTP.
    const phoneHomeMs: number[] = [];
    const bootErrors: Error[] = [];
    const booting: Promise<void>[] = [];
    const netboot = async (index: number) => {
      const script = await (await fetch(`${bootUrl}/boot/ipxe?mac=${macOf(index)}`)).text();
      const kernel = /^kernel (\S+)/m.exec(script)?.[1];
      const token = /\/metadata\/([A-Za-z0-9_-]+)/.exec(script)?.[1];
      if (!kernel || !token) throw new Error(`unexpected iPXE script:\n${script}`);
      await (await fetch(kernel)).arrayBuffer();
      await (await fetch(`${bootUrl}/metadata/${token}/public-keys`)).text();
      const started = performance.now();
      const response = await fetch(`${bootUrl}/metadata/${token}/phone-home`, { method: 'POST' });
      phoneHomeMs.push(performance.now() - started);
      if (!response.ok) throw new Error(`phone-home: ${response.status} ${await response.text()}`);
    };
    const powered = new Set<number>();
    const watcher = setInterval(() => {
      for (const [index, machine] of memory.entries()) {
        if (machine.boots.length === 0 || powered.has(index)) continue;
        powered.add(index);
        booting.push(netboot(index).catch((error: Error) => void bootErrors.push(error)));
      }
    }, 5);
    cleanups.push(async () => clearInterval(watcher));

    const createAll = (n: number) =>
      Promise.all(
        Array.from(
          { length: n },
          () =>
            inject('POST', '/api/v1/servers', {
              project: project.slug,
              plan: 'lab.vm.x86',
              metro: 'lab',
              operating_system: 'lab_live',
            }) as Promise<{
              id: string;
            }>,
        ),
      );
    const allActive = (n: number) =>
      waitFor(
        async () => {
          if (bootErrors.length > 0) throw bootErrors[0];
          const { rows } = await sql<{ n: string }>`select count(*) as n from servers where state = 'active'`.execute(db);
          return Number(rows[0]?.n) === n;
        },
        300_000,
        `${n} servers active`,
      );
    // A warm-up first, as the other benchmarks warm up before they measure: a process's first
    // provisions pay once for what a running Surplus paid long ago (each pooled connection preparing
    // its statements, the first BMC sessions, compiling the code paths). Measured alone, they were
    // the slowest steps of every run, all within its first 0.7 s.
    if (warmup > 0) {
      await createAll(warmup);
      await allActive(warmup);
      console.log(`warm-up: ${warmup} servers active`);
    }

    if (statements) {
      await sql`create extension if not exists pg_stat_statements`.execute(db);
      await sql`select pg_stat_statements_reset()`.execute(db);
    }
    const started = performance.now();
    const [dbQueriesBefore, bmcRequestsBefore] = [dbQueries, bmcRequests];
    const [cpuBefore, postgresBefore] = [process.cpuUsage(), postgresCpuMs()];
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const ids = await createAll(count);
    const createdS = (performance.now() - started) / 1000;
    await allActive(warmup + count);
    const allActiveS = (performance.now() - started) / 1000;
    const [dbQueriesDone, bmcRequestsDone] = [dbQueries, bmcRequests];
    loopDelay.disable();
    const cpu = process.cpuUsage(cpuBefore);
    const nodeCpuMs = (cpu.user + cpu.system) / 1000;
    const postgresCpuMsUsed = (postgresCpuMs() ?? Number.NaN) - (postgresBefore ?? Number.NaN);
    if (statements) {
      // Where PostgreSQL's time went while the servers were created and provisioned (nested
      // statements, e.g. inside add_job, counted on their own as well as within their caller).
      const { rows: top } = await sql<{ calls: string; ms: number; mean: number; query: string }>`
        select calls, total_exec_time as ms, mean_exec_time as mean, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 150) as query
        from pg_stat_statements order by total_exec_time desc limit 30`.execute(db);
      console.log(`statements by total time while measured (calls, total ms, mean ms, text):`);
      for (const row of top)
        console.log(`${row.calls.padStart(6)} ${row.ms.toFixed(1).padStart(8)} ${row.mean.toFixed(3).padStart(7)}  ${row.query}`);
    }
    clearInterval(watcher);
    await Promise.all(booting);
    // A stand-in may phone home before its provision job wrote its last step (power_cycle): wait for the jobs.
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: string }>`
          select count(*) as n from graphile_worker.jobs where task_identifier = 'server_provision'`.execute(db);
        return Number(rows[0]?.n) === 0;
      },
      60_000,
      'provision jobs finished',
    );

    const { rows } = await sql<{ server_id: string; step: string; at_ms: number }>`
      select server_id, step, extract(epoch from occurred_at) * 1000 as at_ms
      from server_events where server_id = any(${ids.map((s) => s.id)}::uuid[]) order by id`.execute(db);
    const firstAt = new Map<string, Map<string, number>>();
    for (const row of rows) {
      const steps = firstAt.get(row.server_id) ?? new Map<string, number>();
      if (!steps.has(row.step)) steps.set(row.step, Number(row.at_ms));
      firstAt.set(row.server_id, steps);
    }
    const firstQueuedMs = Math.min(...[...firstAt.values()].map((steps) => steps.get('queued') ?? Number.POSITIVE_INFINITY));
    /** Per server, ms from its first `from` event to the first of the `to` events. */
    const between = (from: string, to: string[]) => {
      const values: number[] = [];
      const startedAt: number[] = [];
      for (const steps of firstAt.values()) {
        const start = steps.get(from);
        const ends = to.map((step) => steps.get(step)).filter((at): at is number => at !== undefined);
        if (start === undefined || ends.length === 0) continue;
        values.push(Math.min(...ends) - start);
        startedAt.push(start - firstQueuedMs);
      }
      if (values.length !== count) throw new Error(`${values.length} ${from} → ${to.join('|')} steps for ${count} servers`);
      if (slowest) {
        // When the slowest steps began, in ms after the first create: a cluster points at its cause.
        const order = values.map((_, index) => index).sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0));
        const list = order.slice(0, 8).map((index) => `${values[index]?.toFixed(0)} ms at ${startedAt[index]?.toFixed(0)}`);
        console.log(`slowest ${from} → ${to.join('|')}: ${list.join(', ')}`);
      }
      return { p50: percentile(values, 50), p99: percentile(values, 99) };
    };
    const queue = between('queued', ['allocated']);
    const bootOverride = between('allocated', ['boot_override']);
    // An instant stand-in can ask for its iPXE script before the worker records the power-on (and a
    // progress step is not recorded after a later one): the power cycle ended by then at the latest.
    const powerCycle = between('boot_override', ['power_cycle', 'netboot']);
    const phoneHome = between('metadata', ['phone_home']);
    const own = [bootOverride.p99, powerCycle.p99, phoneHome.p99];
    console.log(
      `orchestration: ${count} servers created in ${createdS.toFixed(2)} s, all active after ${allActiveS.toFixed(2)} s; ` +
        `per step p50/p99 ms — queue ${queue.p50.toFixed(1)}/${queue.p99.toFixed(1)}, boot_override ${bootOverride.p50.toFixed(1)}/${bootOverride.p99.toFixed(1)}, ` +
        `power_cycle ${powerCycle.p50.toFixed(1)}/${powerCycle.p99.toFixed(1)}, phone_home ${phoneHome.p50.toFixed(1)}/${phoneHome.p99.toFixed(1)}; ` +
        `per server ${((dbQueriesDone - dbQueriesBefore) / count).toFixed(1)} database statements and ${((bmcRequestsDone - bmcRequestsBefore) / count).toFixed(1)} BMC requests (create, provision, boot), ` +
        `${(nodeCpuMs / count).toFixed(1)} ms of this process's CPU and ${(postgresCpuMsUsed / count).toFixed(1)} ms of PostgreSQL's; ` +
        `event loop delay p50/p99 ${(loopDelay.percentile(50) / 1e6).toFixed(1)}/${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    return {
      orch_servers: count,
      orch_p99_ms: round(Math.max(...own)),
      orch_goal_ms: ORCHESTRATION_GOAL_MS,
      boot_override_p50_ms: round(bootOverride.p50),
      boot_override_p99_ms: round(bootOverride.p99),
      power_cycle_p50_ms: round(powerCycle.p50),
      power_cycle_p99_ms: round(powerCycle.p99),
      phone_home_p50_ms: round(phoneHome.p50),
      phone_home_p99_ms: round(phoneHome.p99),
      phone_home_http_p99_ms: round(percentile(phoneHomeMs, 99)),
      queue_p50_ms: round(queue.p50),
      queue_p99_ms: round(queue.p99),
      orch_all_active_s: round(allActiveS),
      db_queries_per_server: round((dbQueriesDone - dbQueriesBefore) / count),
      bmc_requests_per_server: round((bmcRequestsDone - bmcRequestsBefore) / count),
      node_cpu_ms_per_server: round(nodeCpuMs / count),
      postgres_cpu_ms_per_server: round(postgresCpuMsUsed / count),
      event_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6),
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────

/** The lab image, built once per checkout (shared with the e2e tests' cache). */
async function labImage(): Promise<string> {
  const dir = join(root, 'node_modules/.cache/surplus-lab-image');
  const script = join(root, 'server/lab/build-image.sh');
  const initrd = join(dir, 'initrd.gz');
  if (!existsSync(initrd) || statSync(initrd).mtimeMs < statSync(script).mtimeMs) await exec('bash', [script, dir]);
  return dir;
}

async function signIn(url: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (!login.ok) throw new Error(`sign-in: ${login.status} ${await login.text()}`);
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  const cookie = (login.headers.getSetCookie().find((line) => line.startsWith('surplus_session=')) ?? '').split(';')[0] ?? '';
  const created = await fetch(`${url}/api/v1/me/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (!created.ok) throw new Error(`token: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { secret: string }).secret;
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

type ServerView = { state: string; state_reason: string | null; created_at: string; activated_at: string | null };

async function waitForActive(api: (method: string, path: string) => Promise<unknown>, id: string): Promise<ServerView> {
  let last: ServerView | null = null;
  await waitFor(
    async () => {
      last = (await api('GET', `/api/v1/servers/${id}`)) as ServerView;
      if (last.state === 'failed') fail(`server ${id} failed: ${last.state_reason}`);
      return last.state === 'active';
    },
    BOOT_TIMEOUT_MS,
    `server ${id} active`,
    // The figure comes from Surplus's own timestamps; polling slowly keeps the API's work off the
    // two cores the guest is booting on (a 100 ms poll slowed lab boots measurably).
    1_000,
  );
  return last as unknown as ServerView;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 100) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await delay(intervalMs);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
