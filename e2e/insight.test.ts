/**
 * The supply-chain pages end to end: a real server and database, Debian's Chromium. A program lead
 * adds products, uploads real lock files through the page (a file chosen, then a lock file and its
 * manifest dropped together), sees a malformed file refused, the upstream projects ranked with their
 * terms and coverage, drills into "why is this here?", and prepares an invitation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type SurplusServer, screenshot, startServer } from './harness.ts';

const ADMIN = { email: 'lead@surplus.test', password: 'lead-password-e2e-1' };
const server: SurplusServer = await startServer({ adminEmail: ADMIN.email, adminPassword: ADMIN.password });
const browser: Browser = await launchBrowser();
const pageErrors: string[] = [];
const SAMPLES = '/work/shared/samples/deps/';

after(() => {
  if (process.env.E2E_DEBUG) console.log(server.output());
  assert.deepEqual(pageErrors, [], 'the app threw uncaught errors in the browser');
});

/** The API as the lead, with a token made from a session (for setting up what the page should then show). */
async function apiToken(): Promise<(method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>> {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const session = (await login.json()) as { csrf_token: string };
  const cookie = (login.headers.getSetCookie().find((line) => line.startsWith('surplus_session=')) ?? '').split(';')[0] ?? '';
  const created = await fetch(`${server.url}/api/v1/me/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrf_token },
    body: JSON.stringify({ name: 'e2e insight' }),
  });
  const { secret } = (await created.json()) as { secret: string };
  return async (method, path, body) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
}

/** A Surplus project for `repository` with a running grant: the program now supports it. */
async function grantFor(repository: string) {
  const api = await apiToken();
  const project = await api('POST', '/api/v1/projects', {
    name: 'Polyfill PHP 8.0',
    repository_url: `https://${repository}`,
    license: 'MIT',
  });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const program = await api('POST', '/api/v1/programs', {
    slug: 'partners',
    name: 'Open Source Partners',
    budget_cents_per_year: 100_000_000,
    // The lead owns the project, so no reviewer of theirs may approve it: the program approves small requests itself.
    policy: { auto_approval: { is_enabled: true, max_monthly_estimate_cents: 10_000_000, requires_good_standing: false } },
  });
  assert.equal(program.status, 201, JSON.stringify(program.body));
  const request = await api('POST', '/api/v1/requests', {
    program: 'partners',
    project: project.body.slug,
    purpose: 'ci_cd',
    description: 'CI for the polyfill',
    resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
    end_on: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
    acknowledges_sponsor: true,
    submit: true,
  });
  assert.equal(request.status, 201, JSON.stringify(request.body));
  assert.equal(request.body.state, 'approved', JSON.stringify(request.body));
}

async function signedIn(): Promise<Page> {
  const { page } = await openPage(browser, server.url, '/login');
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
  return page;
}

async function createProduct(page: Page, name: string) {
  await page.goto('/supply-chain/products');
  await page.getByRole('button', { name: 'New product' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create product' }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

/** Drops files on the drop zone the way a browser does: a drop event whose DataTransfer holds them. */
async function dropFiles(page: Page, files: { name: string; path: string }[]) {
  const payload = files.map((file) => ({ name: file.name, text: readFileSync(file.path, 'utf8') }));
  const transfer = await page.evaluateHandle((items) => {
    const data = new DataTransfer();
    for (const item of items) data.items.add(new File([item.text], item.name));
    return data;
  }, payload);
  await page.getByTestId('dropzone').dispatchEvent('dragover', { dataTransfer: transfer });
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });
}

/** The visible part of the page only: what a person sees first (the harness's shots are full pages). */
async function viewShot(page: Page, name: string) {
  await page.screenshot({ path: `/tmp/surplus-shots/${name}-view.png` });
}

async function statValue(page: Page, label: string) {
  return ((await page.locator('.stat', { hasText: label }).locator('.stat-value').first().textContent()) ?? '').trim();
}

test('a lead uploads lock files through the page, sees projects ranked and covered, and asks why a package is there', async () => {
  const page = await signedIn();
  await page.getByRole('link', { name: 'Supply chain' }).click();
  await page.getByRole('heading', { name: 'No dependency files yet' }).waitFor();

  // A go.mod, chosen with the file picker.
  await createProduct(page, 'GitHub CLI');
  await page
    .getByLabel('Lock file or SBOM')
    .setInputFiles({ name: 'go.mod', mimeType: 'text/plain', buffer: readFileSync(`${SAMPLES}go__cli_cli__go.mod`) });
  await page.getByTestId('picked').getByText('go.mod').waitFor();
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('heading', { name: 'Current file' }).waitFor();
  assert.equal(await statValue(page, 'Packages'), '158');
  assert.equal(await statValue(page, 'Direct'), '47');
  assert.equal(await statValue(page, 'Upstream projects'), '154');
  await screenshot(page, 'insight-product');
  await viewShot(page, 'insight-product');

  // A malformed file is refused with the format and the position, and nothing changes.
  await page.getByLabel('Lock file or SBOM').setInputFiles({
    name: 'package-lock.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{\n  "lockfileVersion": 3,\n  "packages": {'),
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.getByText('The file is not well-formed').waitFor();
  assert.match((await alert.textContent()) ?? '', /package-lock\.json: .* at \d+:\d+/);
  assert.equal(await statValue(page, 'Packages'), '158');
  await screenshot(page, 'insight-malformed');
  await viewShot(page, 'insight-malformed');

  // composer.lock and composer.json dropped together: the manifest says what is direct.
  await createProduct(page, 'Composer');
  await dropFiles(page, [
    { name: 'composer.json', path: `${SAMPLES}composer__composer_composer__composer.json` },
    { name: 'composer.lock', path: `${SAMPLES}composer__composer_composer__composer.lock` },
  ]);
  const picked = (await page.getByTestId('picked').textContent()) ?? '';
  assert.match(picked, /composer\.lock.*with composer\.json/);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('heading', { name: 'Current file' }).waitFor();
  assert.equal(await statValue(page, 'Packages'), '36');
  assert.equal(await statValue(page, 'Direct'), '27');

  // Ranked across both products, each with its terms and coverage.
  await page.goto('/supply-chain/projects');
  const table = page.getByRole('table', { name: 'Upstream projects' });
  await table.locator('tbody tr').first().waitFor();
  await page.getByRole('heading', { name: '190 upstream projects' }).waitFor();
  const cells = (await table.locator('tbody tr').first().locator('td').allTextContents()).map((cell) => cell.replace(/\s+/g, ' ').trim());
  assert.equal(cells[0], '1');
  assert.match(cells[1] ?? '', /usage 4 · proximity 4 · breadth \d+ · reach \d+/);
  assert.equal(cells.at(-1), 'Not supported');
  await screenshot(page, 'insight-projects');
  await viewShot(page, 'insight-projects');

  // Why is psr/container there? Through symfony/console and symfony/service-contracts.
  await page.getByRole('searchbox', { name: 'Search upstream projects' }).fill('php-fig/container');
  await page.getByRole('searchbox', { name: 'Search upstream projects' }).press('Enter');
  await page.getByRole('link', { name: 'github.com/php-fig/container' }).click();
  await page.getByRole('heading', { name: 'Why it ranks here' }).waitFor();
  await screenshot(page, 'insight-project');
  await viewShot(page, 'insight-project');
  await page.getByRole('link', { name: 'pkg:composer/psr/container@1.1.1' }).click();
  await page.getByRole('heading', { name: 'Why is this here?' }).waitFor();
  await page.getByTestId('paths').locator('li').first().waitFor();
  const path = (await page.getByTestId('paths').locator('li').first().locator('.sc-step').allTextContents()).join(' → ');
  assert.equal(path, 'composer/composer → symfony/console@v5.4.47 → symfony/service-contracts@v2.5.4 → psr/container@1.1.1');
  await screenshot(page, 'insight-paths');
  await viewShot(page, 'insight-paths');

  // The program grants the top project's repository: its badge turns to Supported, the chart steps up.
  await grantFor('github.com/symfony/polyfill-php80');
  await page.goto('/supply-chain/projects?coverage=supported');
  const supported = page.getByRole('table', { name: 'Upstream projects' });
  await supported.getByRole('link', { name: 'github.com/symfony/polyfill-php80' }).waitFor();
  assert.equal(await supported.locator('tbody tr').count(), 1);
  assert.equal((await supported.locator('tbody tr td').last().textContent())?.trim(), 'Supported');

  // The overview: coverage, its history as a chart, and an invitation prepared for the top unsupported project.
  await page.goto('/supply-chain');
  assert.equal(await statValue(page, 'Supported by the program'), '1 (1%)');
  await page.getByRole('img', { name: /Coverage over time: \d+ moments/ }).waitFor();
  const critical = page.getByRole('table', { name: 'Critical but unsupported' });
  await critical.locator('tbody tr').first().getByRole('button', { name: 'Invite' }).click();
  await page.getByRole('button', { name: 'Prepare issue' }).click();
  await page.getByRole('heading', { name: 'Issue prepared' }).waitFor();
  const body = await page.getByLabel('Body').inputValue();
  assert.match(body, /One of our products depends on github\.com\//);
  const href = (await page.getByRole('link', { name: 'Open the issue form' }).getAttribute('href')) ?? '';
  assert.match(href, /^https:\/\/github\.com\/[^/]+\/[^/]+\/issues\/new\?title=/);
  await screenshot(page, 'insight-invite');
  await viewShot(page, 'insight-invite');
  await page.getByRole('button', { name: 'Done' }).click();
  await critical.getByText(/invited just now/).waitFor();
  await screenshot(page, 'insight-overview');
  await viewShot(page, 'insight-overview');
});
