/**
 * Reports in the browser, end to end: a program with a year of seeded server time and traffic. The
 * dashboard draws every chart from it, each chart's CSV has the same rows as its series, the project's
 * Usage tab shows the month's burn, and the impact report prints without the app around it.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type SurplusServer, screenshot, startServer } from './harness.ts';

const server: SurplusServer = await startServer({ adminEmail: 'admin@reports.test', adminPassword: 'admin-password-reports-1' });
const browser: Browser = await launchBrowser();
const pageErrors: string[] = [];

after(() => {
  if (process.env.E2E_DEBUG) console.log(server.output());
  assert.deepEqual(pageErrors, [], 'the app threw uncaught errors in the browser');
});

const YEAR = new Date().getUTCFullYear();

/** Signs in over HTTP and trades the session for an API token. */
async function tokenFor(email: string, password: string): Promise<string> {
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
  return ((await created.json()) as { secret: string }).secret;
}

const token = await tokenFor(server.admin.email, server.admin.password);
async function api(method: string, path: string, body?: unknown, type = 'application/json', as = token): Promise<any> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${as}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// ---- A program, a project with a grant, and a year of server time and traffic.
await api('POST', '/api/v1/programs', {
  slug: 'metal',
  name: 'Metal for Maintainers',
  description: 'Servers for open source.',
  currency: 'USD',
  budget_cents_per_year: 50_000_000,
  fiscal_year_start_month: 1,
  is_public: true,
  policy: {
    eligibility: { require_osi_license: false, require_public_repository: false, foundations: [], min_maintainers: 1 },
    auto_approval: { is_enabled: false, max_monthly_estimate_cents: 0, purposes: [], requires_good_standing: true },
    approvals_required: 1,
    default_grant_days: 365,
    min_notice_days: 30,
    review_target_days: 5,
    metering: { traffic_cents_per_gb: 2, is_impact_public: true },
  },
});
// The project is someone else's: staff may not decide on their own projects' requests.
const ownerPerson = { name: 'Olga Owner', email: 'olga@reports.test', password: 'olga-password-123' };
const signup = await fetch(`${server.url}/api/v1/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(ownerPerson),
});
assert.ok(signup.ok, await signup.clone().text());
const ownerToken = await tokenFor(ownerPerson.email, ownerPerson.password);
const project = await api(
  'POST',
  '/api/v1/projects',
  {
    name: 'Orbit Mirror',
    slug: 'orbit-mirror',
    repository_url: 'https://github.com/orbit/mirror',
    license: 'MIT',
    description: 'Package mirror.',
    is_public: true,
  },
  'application/json',
  ownerToken,
);
const request = await api(
  'POST',
  '/api/v1/requests',
  {
    program: 'metal',
    project: 'orbit-mirror',
    purpose: 'hosting',
    description: 'A mirror in two metros.',
    resources: [{ plan: 'c3.small.x86', quantity: 3, metro: 'da', operating_system: 'ubuntu_22_04' }],
    end_on: `${YEAR + 1}-06-30`,
  },
  'application/json',
  ownerToken,
);
const approved = await api('POST', `/api/v1/requests/${request.id}/approve`, {
  monthly_credit_cents: 300_000,
  allowed_plans: [],
  allowed_metros: [],
  max_servers: 10,
});
const grantId: string = approved.grant.id;

const db = new pg.Client({ connectionString: server.databaseUrl });
await db.connect();
await db.query('update grants set starts_on = $1 where id = $2', [`${YEAR}-01-01`, grantId]);
/** A server allocated at `from` and deleted at `to` (or still active), written as the servers area writes it. */
async function seedServer(hostname: string, from: string, to: string | null, metro = 'da') {
  const { rows } = await db.query(
    `insert into servers (project_id, grant_id, hostname, plan_slug, metro_code, os_slug, state, created_at, deleted_at)
     values ($1, $2, $3, 'c3.small.x86', $4, 'ubuntu_22_04', $5, $6, $7) returning id`,
    [project.id, grantId, hostname, metro, to ? 'deleted' : 'active', from, to],
  );
  const id = rows[0].id as string;
  const steps: [string, string, string][] = [
    [from, 'queued', 'queued'],
    [new Date(Date.parse(from) + 60_000).toISOString(), 'provisioning', 'allocated'],
    [new Date(Date.parse(from) + 600_000).toISOString(), 'active', 'phone_home'],
    ...(to ? ([[to, 'deleted', 'deleted']] as [string, string, string][]) : []),
  ];
  let previous: string | null = null;
  for (const [at, state, step] of steps) {
    await db.query(
      `insert into server_events (server_id, from_state, to_state, step, actor_label, occurred_at) values ($1, $2, $3, $4, 'e2e', $5)`,
      [id, previous, state, step, at],
    );
    previous = state;
  }
  return id;
}
await seedServer('mirror-1', `${YEAR}-02-01T00:00:00Z`, null);
await seedServer('mirror-2', `${YEAR}-04-10T00:00:00Z`, `${YEAR}-08-20T00:00:00Z`, 'am');
await seedServer('mirror-3', `${YEAR}-09-01T00:00:00Z`, null);
const traffic = ['id,project,time,bytes_in,bytes_out'];
for (let month = 1; month <= new Date().getUTCMonth(); month++)
  traffic.push(`m-${month},orbit-mirror,${YEAR}-${String(month).padStart(2, '0')}-15T12:00:00Z,1000000,${month * 50_000_000_000}`);
await api('POST', '/api/v1/usage/traffic', `${traffic.join('\n')}\n`, 'text/csv');
// Done with the database before the harness drops it.
await db.end();

async function signedIn(path: string): Promise<Page> {
  const { page } = await openPage(browser, server.url, '/login');
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.getByLabel('Email').fill(server.admin.email);
  await page.getByLabel('Password').fill(server.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
  await page.goto(path);
  return page;
}

/** RFC 4180 without line breaks inside quotes: enough for the series' CSV. */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const fields: string[] = [];
      let field = '';
      let isQuoted = false;
      for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (isQuoted && char === '"' && line[i + 1] === '"') {
          field += '"';
          i++;
        } else if (char === '"') isQuoted = !isQuoted;
        else if (char === ',' && !isQuoted) {
          fields.push(field);
          field = '';
        } else field += char;
      }
      fields.push(field);
      return fields;
    });
}

test('the dashboard draws every chart from a seeded year, and each CSV has the rows of its series', async () => {
  const page = await signedIn(`/programs/metal/dashboard?year=${YEAR}`);
  await page.locator('[data-testid=program-dashboard]').waitFor();
  const dashboard = await api('GET', `/api/v1/programs/metal/dashboard?year=${YEAR}`);
  assert.ok(
    dashboard.burn_down.some((m: { spent_cents: number }) => m.spent_cents > 0),
    'the seeded year has spend',
  );

  // Burn-down: one point per month for the budget line, spend up to this month.
  const burn = page.locator('[data-series=spent] circle');
  assert.equal(
    await burn.count(),
    dashboard.burn_down.filter((m: { cumulative_spent_cents: number | null }) => m.cumulative_spent_cents !== null).length,
  );
  assert.equal(await page.locator('[data-series=budget] circle').count(), dashboard.burn_down.length);
  assert.equal(await page.locator('.report-chart').count(), 5, 'burn-down, utilization, turnaround, time to server, projects supported');
  assert.match((await page.locator('.report-bars').first().textContent()) ?? '', /orbit-mirror|Orbit Mirror/);

  const links = page.getByRole('link', { name: 'Download CSV' });
  assert.equal(await links.count(), 9);
  assert.equal(await page.locator('a[data-series=forecast]').count(), 1, 'the forecast’s CSV beside the burn-down');
  for (const series of [
    'burn_down',
    'forecast',
    'spend_by_project',
    'spend_by_metro',
    'utilization',
    'review_turnaround',
    'time_to_server',
  ]) {
    const href = await page.locator(`a[data-series=${series}]`).getAttribute('href');
    assert.ok(href?.includes('format=csv'), `${series}: ${href}`);
    const response = await page.request.get(href ?? '');
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'] ?? '', /^text\/csv/);
    const rows = parseCsv(await response.text());
    const table = await api('GET', `/api/v1/programs/metal/dashboard/${series}?year=${YEAR}`);
    assert.deepEqual(rows[0], table.columns, `${series}: the CSV header`);
    assert.deepEqual(
      rows.slice(1),
      table.rows.map((row: Record<string, unknown>) =>
        table.columns.map((column: string) => (row[column] === null ? '' : String(row[column]))),
      ),
      `${series}: the CSV rows`,
    );
  }
  await screenshot(page, 'program-dashboard');
});

test('the project’s Usage tab shows this month’s burn against the grant and the usage lines', async () => {
  const page = await signedIn('/projects/orbit-mirror/usage');
  await page.locator('[data-testid=grant-burn]').waitFor();
  const burn = await api('GET', '/api/v1/projects/orbit-mirror/usage/burn');
  const text = ((await page.locator('[data-testid=grant-burn]').textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(text, new RegExp(`\\(${burn.grants[0].percent_used}%\\)`));
  assert.match(text, /days left in the month/);
  await page.getByRole('table', { name: 'Usage lines' }).waitFor();
  assert.match((await page.getByRole('table', { name: 'Usage lines' }).textContent()) ?? '', /c3\.small\.x86/);
  await screenshot(page, 'project-usage');
});

test('the impact report shows the year and prints without navigation; its public page works signed out', async () => {
  const page = await signedIn(`/programs/metal/impact?year=${YEAR}`);
  await page.locator('[data-testid=impact-report]').waitFor();
  const impact = await api('GET', `/api/v1/programs/metal/impact?year=${YEAR}`);
  const text = ((await page.locator('[data-testid=impact-report]').textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(text, /Projects supported\s*1/);
  assert.ok(text.includes('Orbit Mirror'));
  assert.ok(impact.server_hours > 0);
  await screenshot(page, 'impact-report');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.sidenav').isVisible(), false, 'no navigation on paper');
  assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false, 'no buttons on paper');
  assert.equal(await page.locator('[data-testid=impact-report]').isVisible(), true);
  await screenshot(page, 'impact-report-print');

  const { page: anonymous } = await openPage(browser, server.url, `/impact/metal?year=${YEAR}`);
  await anonymous.locator('[data-testid=impact-report]').waitFor();
  assert.ok(((await anonymous.locator('[data-testid=impact-report]').textContent()) ?? '').includes('Metal for Maintainers'));
});

test('the grant page and the project overview show this month’s credit, spend, remainder and the grant’s end', async () => {
  const grant = await api('GET', `/api/v1/grants/${grantId}`);
  assert.ok(grant.figures.spent_cents > 0, 'the seeded year has spend under the grant');
  const page = await signedIn(`/grants/${grantId}`);
  await page.locator('[data-testid=grant-month]').waitFor();
  const text = ((await page.locator('[data-testid=grant-month]').textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(text, new RegExp(`\\(${grant.figures.this_month.percent_used}%\\)`));
  assert.match(text, /Credit\s*\$3,000\.00/);
  assert.match(text, /Expires/);

  await page.goto(`${server.url}/projects/orbit-mirror`);
  await page.locator('[data-testid=burn-grant]').waitFor();
  const burn = await api('GET', '/api/v1/projects/orbit-mirror/usage/burn');
  const summary = ((await page.locator('[data-testid=burn-summary]').textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(summary, new RegExp(`\\(${burn.grants[0].percent_used}%\\)`));
  assert.match(summary, new RegExp(`${burn.days_left_in_month} days left in the month`));
  assert.match(summary, new RegExp(`${burn.grants[0].days_left} days left`));
});

test('staff see the idle servers with the credit they use, sorted by idle days; the nudge’s link deletes in one click', async () => {
  const idle = await api('GET', '/api/v1/usage/idle?program=metal');
  assert.deepEqual(idle.items.map((item: { server: { hostname: string } }) => item.server.hostname).sort(), ['mirror-1', 'mirror-3']);
  const page = await signedIn('/idle-servers');
  const table = page.getByRole('table', { name: 'Idle servers' });
  await table.locator('tbody tr td:first-child a').first().waitFor();
  const totals = ((await page.locator('[data-testid=idle-totals]').textContent()) ?? '').replace(/\s+/g, ' ');
  const money = (cents: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);
  assert.ok(totals.includes(money(idle.cents_per_month)), totals);
  const hostnames = async () => (await table.locator('tbody tr td:first-child a').allTextContents()).map((text) => text.trim());
  assert.deepEqual(await hostnames(), ['mirror-1', 'mirror-3'], 'longest idle first');
  await page.getByRole('button', { name: /Idle days/ }).click();
  assert.deepEqual(await hostnames(), ['mirror-3', 'mirror-1'], 'shortest idle first');
  await page.getByLabel('Program').selectOption('metal');
  await page.waitForURL('**/idle-servers?program=metal');
  await screenshot(page, 'idle-servers');

  const mirror3 = idle.items.find((item: { server: { hostname: string } }) => item.server.hostname === 'mirror-3').server.id;
  await page.goto(`${server.url}/servers/${mirror3}?action=delete`);
  const confirm = page.locator('[data-testid=delete-confirm]');
  await confirm.waitFor();
  assert.match((await confirm.textContent()) ?? '', /Delete mirror-3\?/);
  await confirm.getByRole('button', { name: 'Delete server' }).click();
  await confirm.waitFor({ state: 'detached' });
  const deleted = await api('GET', `/api/v1/servers/${mirror3}`);
  assert.ok(['deprovisioning', 'deleted'].includes(deleted.state), deleted.state);
});
