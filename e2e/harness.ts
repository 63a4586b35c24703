/**
 * End-to-end harness: the real server as a child process (exactly as `npm start` runs it, on a fresh
 * database copied from the migrated template) and the machine's Chromium driven by playwright-core.
 * Everything started here is stopped in `after()` of the test file that started it: call these at the
 * top level of a test file (top-level await), not inside before(), whose own after() hooks would run
 * as soon as before() finishes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createTestDatabase, dropTestDatabase } from '../server/test/template.ts';

const root = new URL('..', import.meta.url).pathname;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
export const SHOTS_DIR = '/tmp/surplus-shots';

export type SurplusServer = {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  databaseUrl: string;
  dataDir: string;
  admin: { email: string; password: string };
  /** What the server printed so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
};

export type ServerOptions = {
  adminEmail?: string;
  adminPassword?: string;
  /** Extra environment for the server, e.g. SURPLUS_OIDC_ISSUER and friends. */
  env?: Record<string, string>;
};

/** A TCP port nobody listens on right now (the kernel picks it; we release it for the server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * The server serves web/dist; rebuild it when the web sources are newer, so the browser tests
 * always exercise the code in the tree rather than an old bundle.
 */
export async function ensureWebBuilt(): Promise<void> {
  const built = join(root, 'web/dist/index.html');
  const sources = Math.max(newestMtime(join(root, 'web/src')), newestMtime(join(root, 'web/index.html')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  await new Promise<void>((resolve, reject) => {
    const build = spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: join(root, 'web'),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    build.on('error', reject);
    build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`web build failed with exit code ${code}`))));
  });
}

/** Starts `node server/src/main.ts` on a free port and a fresh database; stops it after the file's tests. */
export async function startServer(options: ServerOptions = {}): Promise<SurplusServer> {
  const pgServerUrl = process.env.SURPLUS_TEST_PG;
  if (!pgServerUrl) throw new Error('SURPLUS_TEST_PG is not set: run browser tests through `npm run test:e2e`');
  await ensureWebBuilt();
  const databaseUrl = await createTestDatabase(pgServerUrl);
  const dataDir = await mkdtemp(join(tmpdir(), 'surplus-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const admin = { email: options.adminEmail ?? 'admin@e2e.test', password: options.adminPassword ?? 'admin-password-e2e' };
  const nodeBin = existsSync(join(root, 'node_modules/.bin/node')) ? join(root, 'node_modules/.bin/node') : process.execPath;

  let output = '';
  const child: ChildProcess = spawn(nodeBin, ['server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SURPLUS_DATA_DIR: dataDir,
      SURPLUS_ADMIN_EMAIL: admin.email,
      SURPLUS_ADMIN_PASSWORD: admin.password,
      SURPLUS_LOG_LEVEL: 'warn',
      ...options.env,
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

  let isStopped = false;
  const stop = async () => {
    if (isStopped) return;
    isStopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await dropTestDatabase(pgServerUrl, databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  };
  after(stop);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  while (true) {
    if (hasExited) throw new Error(`the server exited before it was ready:\n${output}`);
    const isReady = await fetch(`${url}/readyz`)
      .then((response) => response.ok)
      .catch(() => false);
    if (isReady) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, databaseUrl, dataDir, admin, output: () => output, stop };
}

/** Launches Debian's Chromium headless; closed after the file's tests. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.SURPLUS_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  after(() => browser.close());
  return browser;
}

/**
 * A new browser context (its own cookies: one per person in a test) with one page open at `path`.
 * `errors` collects uncaught page errors, so a test can assert the app never crashed.
 */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  path = '/',
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  await page.goto(path);
  return { context, page, errors };
}

/** Saves a full-page screenshot to /tmp/surplus-shots/<name>.png for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS_DIR, { recursive: true });
  const path = join(SHOTS_DIR, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}
