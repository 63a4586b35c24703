/**
 * End-to-end helpers for provisioning on the lab pool: a Surplus deployment (database + data
 * directory + ports) whose server process can be started, killed with -9 and started again on the
 * same data, exactly as `npm start` runs it with `SURPLUS_LAB_MACHINES=N`; people signed in through
 * the API; an SSH key; `ssh` into a lab server. Everything is cleaned up in `after()` of the test
 * file that made it — including QEMU processes, which outlive a killed server by design — so call
 * `labDeployment` at the top level of a test file.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { type Client, createClient, type Schemas, unwrap } from '@surplus/api-client';
import { probeAccelerator } from '../server/src/providers/lab/accelerator.ts';
import { createTestDatabase, dropTestDatabase } from '../server/test/template.ts';
import { freePort } from './harness.ts';

const root = new URL('..', import.meta.url).pathname;
const run = promisify(execFile);
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;

export type ServerDetail = Schemas['ServerDetail'];

export type SurplusProcess = {
  pid: number;
  /** What the process printed so far (stdout and stderr). */
  output(): string;
  /** Sends a signal and waits for the exit (SIGKILL is the crash of kill -9). */
  kill(signal: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
};

export type LabDeployment = {
  url: string;
  /** The boot and metadata service as the host reaches it. */
  bootUrl: string;
  dataDir: string;
  databaseUrl: string;
  admin: { email: string; password: string };
  /** Starts `node server/src/main.ts` on this deployment's database and data directory (`env` adds to this start's environment). */
  start(env?: Record<string, string>): Promise<SurplusProcess>;
  current(): SurplusProcess | null;
  /** The lab machines' QEMU console logs, for failure messages. */
  consoles(): string;
};

/**
 * The lab image is built once per checkout (server/lab/build-image.sh, ~3 MB) and copied into each
 * deployment's data directory, where main.ts finds it and skips its own build.
 */
async function labImage(): Promise<string> {
  const dir = join(root, 'node_modules/.cache/surplus-lab-image');
  const script = join(root, 'server/lab/build-image.sh');
  const initrd = join(dir, 'initrd.gz');
  if (!existsSync(initrd) || statSync(initrd).mtimeMs < statSync(script).mtimeMs) {
    await run('bash', [script, dir]);
  }
  return dir;
}

/**
 * The KVM-or-TCG verdict, probed once per checkout and copied into each deployment's lab directory
 * (where the pool reads its cache): a fresh data directory would otherwise smoke-test KVM on every
 * start, and a hung KVM probe outlives a server stopped during it.
 */
async function acceleratorVerdict(imageDir: string): Promise<string> {
  const cacheFile = join(imageDir, 'accelerator.json');
  if (!existsSync(cacheFile)) await probeAccelerator({ qemuBinary: 'qemu-system-x86_64', cacheFile });
  return cacheFile;
}

export async function labDeployment(options: { labMachines: number; env?: Record<string, string> }): Promise<LabDeployment> {
  const pgServerUrl = process.env.SURPLUS_TEST_PG;
  if (!pgServerUrl) throw new Error('SURPLUS_TEST_PG is not set: run these tests through `npm run test:e2e`');
  const databaseUrl = await createTestDatabase(pgServerUrl);
  const dataDir = await mkdtemp(join(tmpdir(), 'surplus-lab-e2e-'));
  const image = await labImage();
  await mkdir(join(dataDir, 'os', 'lab_live'), { recursive: true });
  for (const file of ['vmlinuz', 'initrd.gz']) await copyFile(join(image, file), join(dataDir, 'os', 'lab_live', file));
  await mkdir(join(dataDir, 'lab'), { recursive: true });
  await copyFile(await acceleratorVerdict(image), join(dataDir, 'lab', 'accelerator.json'));
  const port = await freePort();
  const bootPort = await freePort();
  const admin = { email: 'admin@lab.test', password: 'admin-password-lab-e2e' };
  const url = `http://127.0.0.1:${port}`;
  const nodeBin = existsSync(join(root, 'node_modules/.bin/node')) ? join(root, 'node_modules/.bin/node') : process.execPath;
  let current: SurplusProcess | null = null;

  const start = async (env: Record<string, string> = {}): Promise<SurplusProcess> => {
    if (current && !(await isExited(current))) throw new Error('the deployment is already running');
    let output = '';
    const child: ChildProcess = spawn(nodeBin, ['server/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        SURPLUS_BOOT_PORT: String(bootPort),
        SURPLUS_DATA_DIR: dataDir,
        SURPLUS_ADMIN_EMAIL: admin.email,
        SURPLUS_ADMIN_PASSWORD: admin.password,
        SURPLUS_LAB_MACHINES: String(options.labMachines),
        SURPLUS_LOG_LEVEL: 'warn',
        ...options.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let hasExited = false;
    void exited.then(() => {
      hasExited = true;
    });
    const handle: SurplusProcess = {
      pid: child.pid as number,
      output: () => output,
      exited,
      kill: async (signal) => {
        if (hasExited) return;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };
    current = handle;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (hasExited) throw new Error(`the server exited before it was ready:\n${output}`);
      const isReady = await fetch(`${url}/readyz`)
        .then((response) => response.ok)
        .catch(() => false);
      if (isReady) return handle;
      if (Date.now() > deadline) {
        await handle.kill('SIGKILL');
        throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
      }
      await delay(200);
    }
  };

  after(async () => {
    if (process.env.E2E_DEBUG && current) console.log(current.output());
    await current?.kill('SIGTERM');
    await killLabQemus(dataDir);
    await dropTestDatabase(pgServerUrl, databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  return {
    url,
    bootUrl: `http://127.0.0.1:${bootPort}`,
    dataDir,
    databaseUrl,
    admin,
    start,
    current: () => current,
    consoles: () => consoleLogs(dataDir),
  };
}

async function isExited(handle: SurplusProcess): Promise<boolean> {
  return Promise.race([handle.exited.then(() => true), delay(0).then(() => false)]);
}

/** Kills QEMU processes of this deployment's lab machines that are still running (after a kill -9, say). */
export async function killLabQemus(dataDir: string): Promise<void> {
  const machinesDir = join(dataDir, 'lab', 'machines');
  if (!existsSync(machinesDir)) return;
  for (const id of readdirSync(machinesDir)) {
    const pidFile = join(machinesDir, id, 'qemu.pid');
    try {
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      // Only a QEMU of this deployment: its command line names this machine's directory.
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(join(machinesDir, id))) continue;
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

function consoleLogs(dataDir: string): string {
  const machinesDir = join(dataDir, 'lab', 'machines');
  if (!existsSync(machinesDir)) return '(no lab machines)';
  return readdirSync(machinesDir)
    .map((id) => {
      const path = join(machinesDir, id, 'console.log');
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      return `--- ${id} console (last 1500 characters) ---\n${text.slice(-1500)}`;
    })
    .join('\n');
}

/** Signs in over HTTP and trades the session for an API token. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<Client> {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`sign-in of ${email}: ${login.status} ${await login.text()}`);
  const session = (await login.json()) as { csrf_token: string };
  const cookie = (login.headers.getSetCookie().find((line) => line.startsWith('surplus_session=')) ?? '').split(';')[0] ?? '';
  const created = await fetch(`${baseUrl}/api/v1/me/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrf_token },
    body: JSON.stringify({ name: 'e2e' }),
  });
  if (created.status !== 201) throw new Error(`token for ${email}: ${created.status} ${await created.text()}`);
  const { secret } = (await created.json()) as { secret: string };
  return createClient({ baseUrl, token: secret });
}

/**
 * A person who signs up, is invited by the admin into the demo project as a member, accepts, and
 * adds an SSH key made for them (the private key stays in a temporary directory).
 */
export async function demoMember(deployment: LabDeployment, adminApi: Client, name: string) {
  const email = `${name}@lab.test`;
  const password = `password-${name}-e2e`;
  const signup = await fetch(`${deployment.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name }),
  });
  if (!signup.ok) throw new Error(`sign-up: ${signup.status} ${await signup.text()}`);
  const invited = await unwrap(
    adminApi.POST('/api/v1/projects/{project}/invitations', { params: { path: { project: 'demo' } }, body: { email, role: 'member' } }),
  );
  const api = await signIn(deployment.url, email, password);
  // Holding the invitation's link is the proof of the address (the member has not verified it otherwise).
  const token = new URL(invited.accept_url).searchParams.get('token') as string;
  await unwrap(api.POST('/api/v1/invitations/accept-token', { body: { token } }));
  const keyDir = await mkdtemp(join(tmpdir(), 'surplus-lab-key-'));
  after(() => rm(keyDir, { recursive: true, force: true }));
  const keyPath = join(keyDir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', email, '-f', keyPath]);
  const publicKey = (await readFile(`${keyPath}.pub`, 'utf8')).trim();
  await unwrap(api.POST('/api/v1/me/ssh-keys', { body: { public_key: publicKey } }));
  return { email, password, api, keyPath, publicKey };
}

/** Polls a server until `isDone` says so; fails with its state, timeline and the consoles when it takes too long. */
export async function waitForServer(
  api: Client,
  id: string,
  isDone: (server: ServerDetail) => boolean,
  options: { timeoutMs: number; deployment?: LabDeployment; what?: string },
): Promise<ServerDetail> {
  const deadline = Date.now() + options.timeoutMs;
  let last: ServerDetail | null = null;
  for (;;) {
    const response = await api.GET('/api/v1/servers/{id}', { params: { path: { id } } }).catch(() => null);
    if (response?.data) {
      last = response.data;
      if (isDone(last)) return last;
    }
    if (Date.now() > deadline) {
      const timeline = last?.timeline
        .map((e) => `${e.occurred_at} ${e.to_state} ${e.step} ${e.progress_percent}% ${e.note ?? ''}`)
        .join('\n');
      throw new Error(
        `server ${id} did not become ${options.what ?? 'ready'} within ${options.timeoutMs} ms: ${last?.state} (${last?.state_reason})\n${timeline}\n${options.deployment?.consoles() ?? ''}`,
      );
    }
    await delay(250);
  }
}

/** Runs a command on a lab server over SSH with the given key; a few tries while its SSH server starts. */
export async function ssh(access: { host: string; port: number; user: string }, keyPath: string, command: string): Promise<string> {
  const args = [
    '-i',
    keyPath,
    '-p',
    String(access.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=15',
    '-o',
    'LogLevel=ERROR',
    `${access.user}@${access.host}`,
    command,
  ];
  let lastError: unknown;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const { stdout } = await run('ssh', args, { timeout: 60_000 });
      return stdout;
    } catch (error) {
      lastError = error;
      await delay(2_000);
    }
  }
  throw lastError;
}

export function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
