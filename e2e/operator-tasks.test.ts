/**
 * The manual provider in the browser: a server lands on a machine without a BMC, its workflow files
 * each power and boot step for an operator and waits; the operator sees the steps on the Operator
 * tasks page (a count badge on the inventory), confirms each, and the server goes on to active when
 * the machine phones home through the boot service (played here over HTTP, as a booted OS would).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchBrowser, openPage, type SurplusServer, screenshot, startServer } from './harness.ts';

const bootPort = await freePort();
const server: SurplusServer = await startServer({
  adminEmail: 'admin@tasks.test',
  adminPassword: 'admin-password-tasks-1',
  env: { SURPLUS_LAB_MACHINES: '0', SURPLUS_BOOT_PORT: String(bootPort) },
});
const bootUrl = `http://127.0.0.1:${bootPort}`;
const MACHINE_MAC = '02:aa:bb:cc:70:01';
const browser: Browser = await launchBrowser();
const pageErrors: string[] = [];
after(() => {
  if (process.env.E2E_DEBUG) console.log(server.output());
  assert.deepEqual(pageErrors, [], 'the app threw uncaught errors in the browser');
});

type Api = (method: string, path: string, body?: unknown) => Promise<any>;

async function apiAs(email: string, password: string): Promise<Api> {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const session = (await login.json()) as { csrf_token: string };
  const cookie = (login.headers.getSetCookie().find((line) => line.startsWith('surplus_session=')) ?? '').split(';')[0] ?? '';
  const created = await fetch(`${server.url}/api/v1/me/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrf_token },
    body: JSON.stringify({ name: 'e2e setup' }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const { secret } = (await created.json()) as { secret: string };
  return async (method, path, body) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

async function until<T>(what: string, read: () => Promise<T>, isDone: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = await read();
    if (isDone(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

// ---- Setup through the API: a program, a maintainer's granted project, a manual machine.
const admin = await apiAs(server.admin.email, server.admin.password);
await admin('POST', '/api/v1/programs', { slug: 'osp', name: 'Open Source Partners', budget_cents_per_year: 100_000_000 });
const maintainer = { name: 'Mia Maintainer', email: 'mia@tasks.test', password: 'mia-password-123' };
const signedUp = await fetch(`${server.url}/api/v1/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(maintainer),
});
assert.ok(signedUp.ok, await signedUp.clone().text());
const mia = await apiAs(maintainer.email, maintainer.password);
await mia('POST', '/api/v1/me/ssh-keys', {
  public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl mia@laptop',
  label: 'laptop',
});
await mia('POST', '/api/v1/projects', {
  name: 'Tern Compiler',
  slug: 'tern',
  repository_url: 'https://github.com/example/tern',
  license: 'MIT',
});
const request = await mia('POST', '/api/v1/requests', {
  program: 'osp',
  project: 'tern',
  purpose: 'ci_cd',
  description: 'Compiler CI on bare metal.',
  resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'lab_live' }],
  end_on: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
  acknowledges_sponsor: true,
  submit: true,
});
await admin('POST', `/api/v1/requests/${request.id}/approve`, { max_servers: 1 });
const machine = await admin('POST', '/api/v1/machines', {
  hostname: 'dal-by-hand-01',
  plan: 'c3.small.x86',
  metro: 'da',
  macs: [MACHINE_MAC],
  bmc_provider: 'manual',
});
await until(
  'the manual machine in the pool',
  () => admin('GET', `/api/v1/machines/${machine.id}`),
  (found) => found.state === 'available',
);

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(server.admin.email);
  await page.getByLabel('Password').fill(server.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
}

test('an operator confirms each manual step in the browser, and the waiting server goes on to active', async () => {
  const { page } = await openPage(browser, server.url, '/login');
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signIn(page);

  // No steps yet: the page says so.
  await page.goto('/inventory/tasks');
  await page.getByRole('heading', { name: 'Nothing to do by hand' }).waitFor();

  const created = await mia('POST', '/api/v1/servers', {
    project: 'tern',
    plan: 'c3.small.x86',
    metro: 'da',
    operating_system: 'lab_live',
    hostname: 'tern-by-hand',
  });
  const waiting = await until(
    'the server waiting for an operator',
    () => mia('GET', `/api/v1/servers/${created.id}`),
    (found) => found.timeline.at(-1)?.step === 'waiting_operator',
  );
  assert.equal(waiting.state, 'provisioning');

  // The inventory shows the count; the tasks page the step, its machine and server.
  await page.goto('/inventory');
  await page.getByRole('link', { name: /Operator tasks/ }).waitFor();
  assert.equal(await page.getByTestId('operator-task-count').first().textContent(), '1');
  await page.getByRole('link', { name: /Operator tasks/ }).click();
  await page.waitForURL('**/inventory/tasks');
  const boot = page.getByRole('row', { name: /boot once from the network/ });
  await boot.waitFor();
  assert.match((await boot.textContent()) ?? '', /dal-by-hand-01.*tern-by-hand/);
  await screenshot(page, 'operator-tasks');
  await boot.getByRole('button', { name: /^Confirm on dal-by-hand-01/ }).click();
  await page.getByRole('status').filter({ hasText: 'Confirmed on dal-by-hand-01' }).waitFor();

  // The workflow goes on to the power step, which the page picks up by itself.
  const power = page.getByRole('row', { name: /Power the machine on/ });
  await power.waitFor({ timeout: 30_000 });
  await power.getByRole('button', { name: /^Confirm on dal-by-hand-01/ }).click();
  await page.getByRole('heading', { name: 'Nothing to do by hand' }).waitFor();

  const booting = await until(
    'the power step done',
    () => mia('GET', `/api/v1/servers/${created.id}`),
    (found) => found.progress_percent === 30,
  );
  assert.deepEqual(
    booting.timeline
      .filter((event: { step: string }) => event.step === 'operator_confirmed')
      .map((event: { actor: string }) => event.actor),
    [server.admin.email, server.admin.email],
  );

  // The machine netboots and phones home.
  const script = await (await fetch(`${bootUrl}/boot/ipxe?mac=${MACHINE_MAC}`)).text();
  const token = /\/metadata\/([^\s/]+)/.exec(script)?.[1];
  assert.ok(token, script);
  assert.equal((await fetch(`${bootUrl}/metadata/${token}/phone-home`, { method: 'POST' })).status, 200);
  await page.goto(`/servers/${created.id}`);
  await page.locator('.page-header .badge', { hasText: 'Active' }).waitFor();
  assert.match(((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' '), /waiting for an operator: Power the machine on/);
});
