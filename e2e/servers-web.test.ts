/**
 * Inventory and servers in the browser, on a real server and database. No QEMU: one machine is a
 * Redfish BMC played by the DMTF public-rackmount1 mockup (a TEST FIXTURE that replays the published
 * resources and accepts actions), the others use the manual provider, or a BMC address nothing
 * answers at. An operator enrolls machines by form and by CSV; a maintainer creates a server from the
 * form and follows it on its page; the operator sees the machine allocated to it.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { MockupReplayServer } from '../server/src/providers/redfish/fixtures/mockup-replay-server.ts';
import { freePort, launchBrowser, openPage, type SurplusServer, screenshot, startServer } from './harness.ts';

const bootPort = await freePort();
const server: SurplusServer = await startServer({
  adminEmail: 'admin@servers.test',
  adminPassword: 'admin-password-servers-1',
  // No lab pool even where QEMU is installed: the test plays the machine's side of the netboot.
  env: { SURPLUS_LAB_MACHINES: '0', SURPLUS_BOOT_PORT: String(bootPort) },
});
const bootUrl = `http://127.0.0.1:${bootPort}`;
/** The MAC the mockup's BMC reports for its first NIC: the one the machine netboots from. */
const MACHINE_MAC = '12:44:6a:3b:04:11';
const browser: Browser = await launchBrowser();
const BMC_PASSWORD = 'Bmc-Secret-e2e-7';
const bmc = new MockupReplayServer({
  mockupDir: new URL('../server/src/providers/redfish/fixtures/dmtf-mockups/public-rackmount1/', import.meta.url).pathname,
  username: 'admin',
  password: BMC_PASSWORD,
});
await bmc.start();
after(() => bmc.close());
const pageErrors: string[] = [];

after(() => {
  if (process.env.E2E_DEBUG) console.log(server.output());
  assert.deepEqual(pageErrors, [], 'the app threw uncaught errors in the browser');
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const IPXE_SCRIPT = '#!ipxe\necho Tern CI image\nchain https://boot.example.org/tern.ipxe\n';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl mia@laptop';

type Api = (method: string, path: string, body?: unknown) => Promise<any>;

/** Signs in over HTTP and trades the session for an API token; setup calls then need no cookies. */
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

async function open(path: string) {
  const opened = await openPage(browser, server.url, path);
  opened.page.on('pageerror', (error) => pageErrors.push(error.message));
  return opened.page;
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
}

async function text(page: Page, selector: string) {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * What the machine does when it netboots: iPXE asks the boot service for its script by MAC; the
 * script names the per-provision token (in the chain URL or the kernel's surplus.metadata=).
 */
async function netboot(): Promise<{ script: string; token: string }> {
  const response = await fetch(`${bootUrl}/boot/ipxe?mac=${MACHINE_MAC}`);
  assert.equal(response.status, 200);
  const script = await response.text();
  const token = /\/(?:boot\/custom|metadata)\/([^\s/]+)/.exec(script)?.[1];
  assert.ok(token, `the script names a token:\n${script}`);
  return { script, token };
}

/** The installed system (or the wipe task) reports in. */
async function phoneHome(token: string): Promise<string> {
  const response = await fetch(`${bootUrl}/metadata/${token}/phone-home`, { method: 'POST' });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { outcome: string }).outcome;
}

// ---- Setup through the API: a program; a maintainer with a key, a granted project and one without.
const admin = await apiAs(server.admin.email, server.admin.password);
await admin('POST', '/api/v1/programs', {
  slug: 'osp',
  name: 'Open Source Partners',
  description: 'Bare metal for open source.',
  budget_cents_per_year: 100_000_000,
  is_public: true,
});
const maintainer = { name: 'Mia Maintainer', email: 'mia@servers.test', password: 'mia-password-123' };
const signedUp = await fetch(`${server.url}/api/v1/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(maintainer),
});
assert.ok(signedUp.ok, await signedUp.clone().text());
const mia = await apiAs(maintainer.email, maintainer.password);
await mia('POST', '/api/v1/me/ssh-keys', { public_key: KEY, label: 'laptop' });
for (const [name, slug] of [
  ['Tern Compiler', 'tern'],
  ['Gull Docs', 'gull'],
] as const) {
  await mia('POST', '/api/v1/projects', { name, slug, repository_url: `https://github.com/example/${slug}`, license: 'MIT' });
}
const request = await mia('POST', '/api/v1/requests', {
  program: 'osp',
  project: 'tern',
  purpose: 'ci_cd',
  description: 'Compiler CI on bare metal.',
  resources: [{ plan: 'c3.small.x86', quantity: 2, metro: 'da', operating_system: 'ubuntu_22_04' }],
  end_on: inDays(90),
  acknowledges_sponsor: true,
  submit: true,
});
await admin('POST', `/api/v1/requests/${request.id}/approve`, { max_servers: 2 });

let machineUrl = '';

test('an operator enrolls machines by form: errors show at their fields, the BMC is probed, a manual machine joins the pool at once', async () => {
  const page = await open('/login');
  await signIn(page, server.admin.email, server.admin.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inventory' }).click();
  await page.waitForURL('**/inventory');
  await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'No machines yet' }).waitFor();
  assert.equal(await text(page, '[data-testid="fleet-total"]'), '0');

  await page.getByRole('link', { name: 'Enroll machine' }).first().click();
  await page.waitForURL('**/inventory/enroll');
  await page.getByLabel('Hostname').fill('Rack3_Node07');
  await page.getByLabel('Plan').selectOption('c3.small.x86');
  await page.getByLabel('Metro').selectOption('da');
  await page.getByLabel('MAC addresses').fill('02:aa:bb:cc:dd:01 not-a-mac');
  await page.getByLabel('BMC provider').selectOption('redfish');
  await page.getByLabel('BMC URL').fill('ftp://10.0.0.5');
  await page.getByRole('button', { name: 'Enroll machine' }).click();
  await page.locator('.field-error', { hasText: 'must be an RFC 1123 host name' }).waitFor();
  assert.equal(await page.getByLabel('Hostname').getAttribute('aria-invalid'), 'true');
  assert.match(await text(page, '.field-error >> nth=1'), /"not-a-mac" is not a MAC address/);
  assert.equal(await page.getByLabel('BMC URL').getAttribute('aria-invalid'), 'true');
  assert.match(await text(page, '.field-error >> nth=2'), /must be an http\(s\) URL, not ftp:/);
  assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('.banner-error').count(), 0, 'every problem is at its field');
  await screenshot(page, 'inventory-enroll-errors');

  // A Redfish BMC: the machine enrolls, the probe reads its facts and NICs, and it joins the pool.
  await page.getByLabel('Hostname').fill('dal-node-01');
  await page.getByLabel('MAC addresses').fill('');
  await page.getByLabel('BMC URL').fill(bmc.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(BMC_PASSWORD);
  await page.getByLabel('Location').fill('DAL1 row 2 rack 4 U7');
  await page.getByRole('button', { name: 'Enroll machine' }).click();
  await page.waitForURL(/\/inventory\/machines\/[0-9a-f-]{36}$/);
  machineUrl = new URL(page.url()).pathname;
  await page.getByRole('heading', { name: 'dal-node-01', level: 1 }).waitFor();
  await page.locator('.page-header .badge', { hasText: 'Available' }).waitFor({ timeout: 30_000 });
  assert.match(await text(page, '[aria-label="Machine facts"]'), /Contoso 3500.*8 cores.*96 GB/);
  assert.match(await text(page, '[aria-label="MAC addresses"]'), /12:44:6a:3b:04:11/);
  assert.match(await text(page, '[aria-label="BMC settings"]'), /Redfish.*admin.*Set \(stored encrypted, never shown\)/);
  assert.equal(await page.getByText(BMC_PASSWORD).count(), 0);
  assert.match(await text(page, '[aria-label="Machine timeline"]'), /Available.*Enrolling/);
  await screenshot(page, 'inventory-machine');

  // A manual machine: nothing to probe, so it is available at once.
  await page.goto('/inventory/enroll');
  await page.getByLabel('Hostname').fill('ams-manual-01');
  await page.getByLabel('Plan').selectOption('m3.small.x86');
  await page.getByLabel('Metro').selectOption('am');
  await page.getByLabel('MAC addresses').fill('02:aa:bb:cc:dd:01');
  await page.getByLabel('BMC provider').selectOption('manual');
  assert.equal(await page.getByLabel('BMC URL').count(), 0, 'a manual machine has no BMC to reach');
  await page.getByRole('button', { name: 'Enroll machine' }).click();
  await page.getByRole('heading', { name: 'ams-manual-01', level: 1 }).waitFor();
  await page.locator('.page-header .badge', { hasText: 'Available' }).waitFor();
  assert.match(await text(page, '[aria-label="BMC settings"]'), /Manual.*by hand/);
  assert.match(await text(page, '[aria-label="Machine timeline"]'), /Available.*manual provider: no BMC to probe/);

  // Maintenance needs a reason; back to the pool undoes it.
  await page.getByRole('button', { name: 'Maintenance…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Put in maintenance' }).click();
  await page.getByRole('dialog').locator('.field-error', { hasText: 'say why the machine leaves the pool' }).waitFor();
  await page.getByRole('dialog').getByLabel('Reason').fill('Reseating the NIC');
  await page.getByRole('dialog').getByRole('button', { name: 'Put in maintenance' }).click();
  await page.locator('.page-header .badge', { hasText: 'Maintenance' }).waitFor();
  assert.match(
    (await page.locator('.page-banner', { hasText: 'In maintenance' }).textContent()) ?? '',
    /In maintenance.*Reseating the NIC/,
  );
  await screenshot(page, 'inventory-machine-maintenance');
  await page.getByRole('button', { name: 'Back to the pool' }).click();
  await page.locator('.page-header .badge', { hasText: 'Available' }).waitFor();
});

test('enrolling a Redfish machine shows the probe under way, then precisely why it failed', async () => {
  const page = await open('/login');
  await signIn(page, server.admin.email, server.admin.password);
  await page.goto('/inventory/enroll');
  await page.getByLabel('Hostname').fill('dal-node-02');
  await page.getByLabel('Plan').selectOption('c3.small.x86');
  await page.getByLabel('Metro').selectOption('da');
  await page.getByLabel('BMC provider').selectOption('redfish');
  // Nothing listens on port 1: the probe cannot connect.
  await page.getByLabel('BMC URL').fill('https://127.0.0.1:1');
  await page.getByLabel('Username').fill('root');
  await page.getByLabel('Password', { exact: true }).fill('calvin-secret');
  await page.getByRole('radio', { name: /Don’t check it \(insecure\)/ }).check();
  await page.getByRole('button', { name: 'Enroll machine' }).click();
  await page.waitForURL(/\/inventory\/machines\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { name: 'dal-node-02', level: 1 }).waitFor();
  assert.match(await text(page, '[aria-label="BMC settings"]'), /Set \(stored encrypted, never shown\).*Not verified \(insecure/);
  assert.equal(await page.getByText('calvin-secret').count(), 0);
  // The page polls while the machine is enrolling; the probe's failure arrives by itself.
  const failed = page.locator('.page-banner', { hasText: 'Enrollment failed' });
  await failed.waitFor({ timeout: 90_000 });
  assert.match(
    (await page.locator('.page-banner', { hasText: 'Enrollment failed' }).textContent()) ?? '',
    /Enrollment failed.*127\.0\.0\.1/,
  );
  await page.locator('.page-header .badge', { hasText: 'Failed' }).waitFor();
  await screenshot(page, 'inventory-machine-failed');
});

test('an operator imports machines from CSV: a dry run lists each bad line, the fixed file imports', async () => {
  const page = await open('/login');
  await signIn(page, server.admin.email, server.admin.password);
  await page.goto('/inventory');
  await page.getByRole('link', { name: 'Import CSV' }).click();
  await page.waitForURL('**/inventory/import');
  const header = 'hostname,plan,metro,bmc_provider,macs,bmc_url';
  await page
    .getByLabel('Or paste it here')
    .fill(
      [
        header,
        'ams-node-01,m3.small.x86,am,manual,02:aa:bb:cc:ee:01,',
        'ams-node-02,m3.small.x86,am,redfish,02:aa:bb:cc:ee:02,ftp://x',
      ].join('\n'),
    );
  await page.getByRole('button', { name: 'Check (dry run)' }).click();
  const problems = page.getByRole('table', { name: 'Problems' });
  await problems.waitFor();
  const rows = await problems.locator('tbody tr').allTextContents();
  assert.ok(
    rows.some((row) => row.startsWith('3bmc_url')),
    rows.join(' | '),
  );
  assert.match(await text(page, '#main'), /1 line has errors; nothing was imported\./);
  await screenshot(page, 'inventory-import-errors');

  await page
    .getByLabel('Or paste it here')
    .fill(
      [header, 'ams-node-01,m3.small.x86,am,manual,02:aa:bb:cc:ee:01,', 'ams-node-02,m3.small.x86,am,manual,02:aa:bb:cc:ee:02,'].join('\n'),
    );
  await page.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.getByRole('heading', { name: 'Dry run: every line is fine' }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'Problems' }).count(), 0);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: 'Imported' }).waitFor();
  const imported = page.getByRole('table', { name: 'Machines in the file' });
  assert.deepEqual(
    (await imported.locator('tbody tr').allTextContents()).map((row) => row.replace(/\s+/g, ' ')),
    ['2ams-node-01Available', '3ams-node-02Available'],
  );

  await page.goto('/inventory');
  await page.getByRole('table', { name: 'Machines' }).getByRole('link', { name: 'ams-node-02' }).waitFor();
  assert.equal(await text(page, '[data-testid="fleet-total"]'), '5');
  assert.equal(await text(page, '[data-testid="fleet-available"]'), '4');
  assert.equal(await text(page, '[data-testid="fleet-failed"]'), '1');
  // The legend filters the table.
  await page
    .getByRole('list', { name: 'Filter by state' })
    .getByRole('button', { name: /Failed/ })
    .click();
  await page.waitForURL('**/inventory?state=failed');
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Machines"] tbody tr').length === 1);
  assert.match(await text(page, 'table[aria-label="Machines"] tbody'), /dal-node-02/);
  await page
    .getByRole('list', { name: 'Filter by state' })
    .getByRole('button', { name: /Failed/ })
    .click();
  await page.getByLabel('Metro').selectOption('am');
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Machines"] tbody tr').length === 3);
  await page.getByLabel('Metro').selectOption('');
  await page.getByRole('table', { name: 'Machines' }).getByRole('link', { name: 'dal-node-01' }).waitFor();
  await screenshot(page, 'inventory');
});

let serverUrl = '';

test('a project without a grant explains how to get servers', async () => {
  const page = await open('/login');
  await signIn(page, maintainer.email, maintainer.password);
  await page.goto('/projects/gull');
  await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Servers' }).click();
  await page.waitForURL('**/projects/gull/servers');
  await page.getByRole('heading', { name: 'No grant, no servers yet' }).waitFor();
  assert.match(await text(page, '.empty'), /an approved request becomes a grant/);
  const link = page.locator('.empty').getByRole('link', { name: 'Request resources' });
  assert.equal(await link.getAttribute('href'), '/projects/gull/requests/new');
  await screenshot(page, 'servers-no-grant');
});

test('a maintainer creates a server from the form, limited by the grant, and follows it on its page', async () => {
  const page = await open('/login');
  await signIn(page, maintainer.email, maintainer.password);
  await page.goto('/projects/tern/servers');
  await page.getByRole('heading', { name: 'No servers yet' }).waitFor();
  assert.match(await text(page, '[data-testid="grant-servers-left"]'), /0 of 2 in use · 2 left/);
  await page.getByRole('link', { name: 'New server' }).click();
  await page.waitForURL('**/projects/tern/servers/new');
  await page.getByRole('heading', { name: 'New server' }).waitFor();
  await page.getByRole('list', { name: 'Keys that will be installed' }).waitFor();

  // Only what the grant allows: one plan, one metro; x86 systems Surplus can boot; the members' keys shown.
  assert.deepEqual(await page.getByRole('radio', { name: /\bcores\b/ }).count(), 1);
  assert.equal(await page.getByRole('radio', { name: /c3\.small\.x86/ }).isChecked(), true);
  assert.deepEqual(await page.getByLabel('Metro').locator('option').allTextContents(), ['Dallas (da)']);
  const systems = await page.getByLabel('Operating system').locator('option').allTextContents();
  assert.ok(systems.includes('Custom iPXE'), systems.join(', '));
  assert.ok(!systems.some((name) => name.startsWith('Ubuntu')), 'systems without boot artifacts here are not offered');
  assert.ok(!systems.some((name) => name.startsWith('NixOS')), 'end-of-life systems are not offered');
  assert.match(await text(page, '[aria-label="Keys that will be installed"]'), /Mia Maintainer\s*laptop\s*ssh-ed25519 SHA256:/);
  assert.equal(await page.getByLabel('iPXE script URL').count(), 0, 'iPXE fields are for custom_ipxe only');
  await page.getByLabel('Operating system').selectOption('custom_ipxe');
  await page.getByLabel('iPXE script URL').waitFor();
  await page.getByLabel('iPXE script URL').fill('ftp://example.org/boot.ipxe');
  await page.getByLabel('Hostname').fill('tern-ci-1');
  await page.getByRole('button', { name: 'Create server' }).click();
  await page.locator('.field-error', { hasText: 'must be an http(s) URL' }).waitFor();
  await screenshot(page, 'server-create-errors');

  // An inline script instead: the machine chains to it through the boot service.
  await page.getByRole('button', { name: 'Inline script' }).click();
  await page.getByLabel('iPXE script', { exact: true }).fill(IPXE_SCRIPT);
  await page.getByLabel('User data').fill('#cloud-config\npackages: [git]');
  await screenshot(page, 'server-create');
  await page.getByRole('button', { name: 'Create server' }).click();
  await page.waitForURL(/\/servers\/[0-9a-f-]{36}$/);
  serverUrl = new URL(page.url()).pathname;
  await page.getByRole('heading', { name: 'tern-ci-1', level: 1 }).waitFor();
  // The workflow runs in Surplus's own worker against the BMC: the page polls every 2 s as it goes.
  await page.getByTestId('progress-percent').filter({ hasText: '30%' }).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByRole('progressbar', { name: 'Provisioning progress' }).getAttribute('aria-valuenow'), '30');
  assert.match(await text(page, '.page-header .badge'), /Provisioning/);
  assert.match(
    await text(page, '[aria-label="Server timeline"]'),
    /Power cycled to netboot · 30%.*Next boot from the network · 20%.*Provisioning.*machine dal-node-01 allocated.*Queued.*mia@servers\.test/,
  );
  assert.match(await text(page, '.meta-row'), /c3\.small\.x86.*da.*Custom iPXE/);
  assert.match(await text(page, '#main'), /The SSH command appears here once the server is active\./);
  // The BMC was told to boot from the network once, then to reset.
  const calls = bmc.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);
  assert.ok(
    calls.some((call) => call.startsWith('PATCH /redfish/v1/Systems/')),
    calls.join(', '),
  );
  assert.ok(
    calls.some((call) => call.includes('/Actions/ComputerSystem.Reset')),
    calls.join(', '),
  );

  // The machine netboots: the page follows the boot service's progress.
  const { script, token } = await netboot();
  assert.match(script, /^#!ipxe\nchain http:\/\/127\.0\.0\.1:\d+\/boot\/custom\//);
  await page.getByTestId('progress-percent').filter({ hasText: '40%' }).waitFor();
  await screenshot(page, 'server-page-provisioning');
  assert.equal(await (await fetch(`${bootUrl}/boot/custom/${token}`)).text(), IPXE_SCRIPT);
  assert.equal(await phoneHome(token), 'active');
  await page.locator('.page-header .badge', { hasText: 'Active' }).waitFor();
  assert.equal(await text(page, '[data-testid="ssh-command"]'), 'ssh root@127.0.0.1');
  assert.equal(await page.getByRole('progressbar', { name: 'Provisioning progress' }).count(), 0);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'ssh root@127.0.0.1');
  assert.match(await text(page, '[aria-label="Server timeline"]'), /^Active · system · just now\s*phoned home\s*Netbooting · 40%/);
  await screenshot(page, 'server-page');

  await page.goto('/projects/tern/servers');
  const row = page.getByRole('table', { name: 'Servers' }).getByRole('row', { name: /tern-ci-1/ });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /Active.*c3\.small\.x86.*ssh root@127\.0\.0\.1/);
  assert.match(await text(page, '[data-testid="grant-servers-left"]'), /1 of 2 in use · 1 left/);
  await screenshot(page, 'project-servers');
});

test('the operator sees the machine allocated to the server', async () => {
  const page = await open('/login');
  await signIn(page, server.admin.email, server.admin.password);
  await page.goto(machineUrl);
  await page.getByRole('heading', { name: 'dal-node-01', level: 1 }).waitFor();
  await page.locator('.page-header .badge', { hasText: 'Allocated' }).waitFor();
  await page.getByRole('link', { name: 'tern-ci-1' }).waitFor();
  assert.match(await text(page, '[aria-label="Machine timeline"]'), /Allocated.*server tern-ci-1/);
  await page.goto('/inventory');
  const row = page.getByRole('table', { name: 'Machines' }).getByRole('row', { name: /dal-node-01/ });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /Allocated.*tern-ci-1.*Tern Compiler/);
  assert.equal(await text(page, '[data-testid="fleet-allocated"]'), '1');
  assert.equal(await text(page, '[data-testid="fleet-available"]'), '3');
  await screenshot(page, 'inventory-after-server');
});

test('the maintainer powers the server off and on, reboots and reinstalls it keeping data', async () => {
  const page = await open('/login');
  await signIn(page, maintainer.email, maintainer.password);
  await page.goto(serverUrl);
  await page.locator('.page-header .badge', { hasText: 'Active' }).waitFor();
  await page.getByRole('button', { name: 'Power off' }).click();
  await page.locator('.page-header .badge', { hasText: 'Powered off' }).waitFor({ timeout: 30_000 });
  assert.match(await text(page, '#main'), /SSH access is shown while the server is active\./);
  assert.equal(await page.getByRole('button', { name: 'Reboot' }).count(), 0);
  await page.getByRole('button', { name: 'Power on' }).click();
  await page.locator('.page-header .badge', { hasText: 'Active' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Reboot' }).click();
  await page.getByRole('list', { name: 'Server timeline' }).getByText('rebooted').waitFor({ timeout: 30_000 });
  await page.locator('.page-header .badge', { hasText: 'Active' }).waitFor();
  assert.match(
    await text(page, '[aria-label="Server timeline"]'),
    /^Active.*rebooted.*Rebooting.*Active.*powered on.*Powering on.*Powered off/,
  );

  await page.getByRole('button', { name: 'Reinstall…' }).click();
  const dialog = page.getByRole('dialog');
  const systems = await dialog.getByLabel('Operating system').locator('option').allTextContents();
  assert.ok(
    systems.includes('Custom iPXE') && !systems.some((name) => name.startsWith('NixOS') || name.startsWith('Ubuntu')),
    systems.join(', '),
  );
  assert.equal(await dialog.getByLabel('Operating system').inputValue(), 'custom_ipxe', 'the current system is chosen');
  await dialog.getByRole('checkbox', { name: /Keep the data disks/ }).check();
  await screenshot(page, 'server-reinstall-dialog');
  await dialog.getByRole('button', { name: 'Reinstall' }).click();
  await page.locator('.page-header .badge', { hasText: 'Reinstalling' }).waitFor();
  assert.match(await text(page, '[aria-label="Server timeline"]'), /Reinstalling.*reinstall with custom_ipxe, keeping data/);
  await page.getByTestId('progress-percent').filter({ hasText: '30%' }).waitFor({ timeout: 30_000 });
  const { token } = await netboot();
  assert.equal(await phoneHome(token), 'active');
  await page.locator('.page-header .badge', { hasText: 'Active' }).waitFor();
});

test('the maintainer deletes the server after confirming; it is powered off and wiped', async () => {
  const page = await open('/login');
  await signIn(page, maintainer.email, maintainer.password);
  await page.goto(serverUrl);
  await page.getByRole('heading', { name: 'tern-ci-1', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('heading', { name: 'Delete tern-ci-1?' }).waitFor();
  assert.match((await dialog.textContent()) ?? '', /disks are wiped/);
  await screenshot(page, 'server-delete-dialog');
  await dialog.getByRole('button', { name: 'Delete server' }).click();
  await page.locator('.page-header .badge', { hasText: 'Deleting' }).waitFor();
  await page.getByRole('list', { name: 'Server timeline' }).getByText('Wiping the disks').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByRole('button', { name: 'Delete…' }).count(), 0);
  // The machine netboots the wipe task, which reports in when the disks are erased.
  const { script, token } = await netboot();
  assert.match(script, /surplus\.task=wipe/);
  assert.equal(await phoneHome(token), 'wiped');
  await page.locator('.page-header .badge', { hasText: 'Deleted' }).waitFor();
  assert.match((await page.locator('.page-banner', { hasText: 'Deleted' }).textContent()) ?? '', /Deleted.*returned to the pool/);
  await screenshot(page, 'server-deleted');

  const operator = await open('/login');
  await signIn(operator, server.admin.email, server.admin.password);
  await operator.goto(machineUrl);
  await operator.locator('.page-header .badge', { hasText: 'Available' }).waitFor();
  assert.match(
    await text(operator, '[aria-label="Machine timeline"]'),
    /^Available.*Wiping.*server tern-ci-1 deleted.*Allocated.*server tern-ci-1/,
  );
});
