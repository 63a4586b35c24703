/**
 * The program in the browser, end to end on a real server and database: an admin sets up a program
 * (through the API), an owner asks for servers with the live estimate, a reviewer approves with
 * terms from the queue, the owner sees the grant, and a signed GitHub delivery lands in the queue.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { type Client, createClient, unwrap } from '@surplus/api-client';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type SurplusServer, screenshot, startServer } from './harness.ts';

const server: SurplusServer = await startServer({ adminEmail: 'admin@program.test', adminPassword: 'admin-password-program-1' });
const browser: Browser = await launchBrowser();
const pageErrors: string[] = [];

after(() => {
  if (process.env.E2E_DEBUG) console.log(server.output());
  assert.deepEqual(pageErrors, [], 'the app threw uncaught errors in the browser');
});

const REPOSITORY = 'acme-oss/cluster';
const GITHUB_SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const money = (cents: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 }).format(cents / 100);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Signs in over HTTP and trades the session for an API token, so setup calls need no cookies. */
async function apiAs(email: string, password: string): Promise<Client> {
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
  return createClient({ baseUrl: server.url, token: secret });
}

async function signUpApi(person: { name: string; email: string; password: string }) {
  const response = await fetch(`${server.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(person),
  });
  assert.ok(response.ok, await response.clone().text());
  return ((await response.json()) as { user: { id: string } }).user;
}

async function open(path: string) {
  const opened = await openPage(browser, server.url, path);
  opened.page.on('pageerror', (error) => pageErrors.push(error.message));
  return opened.page;
}

async function signIn(page: Page, email: string, password: string, landing = '**/projects') {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing);
}

async function text(page: Page, selector: string) {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Waits until `selector` shows exactly `expected` (the estimate updates after a pause). */
async function waitForText(page: Page, selector: string, expected: string) {
  await page.waitForFunction(
    ([sel, want]) => (document.querySelector(sel as string)?.textContent ?? '').replace(/\s+/g, ' ').trim() === want,
    [selector, expected],
  );
}

// ---- Setup through the API: the admin creates the program, a reviewer and an owner with a project.
const admin = await apiAs(server.admin.email, server.admin.password);
await unwrap(
  admin.POST('/api/v1/programs', {
    body: {
      slug: 'oss',
      name: 'Open Source Partner Program',
      description: 'Bare metal for open source CI, benchmarks and mirrors.',
      currency: 'USD',
      budget_cents_per_year: 100_000_000,
      fiscal_year_start_month: 1,
      is_public: true,
      github_repository: REPOSITORY,
      github_secret: GITHUB_SECRET,
      policy: {
        eligibility: { require_osi_license: true, require_public_repository: true, foundations: [], min_maintainers: 1 },
        auto_approval: { is_enabled: false, max_monthly_estimate_cents: 0, purposes: [], requires_good_standing: true },
        approvals_required: 1,
        default_grant_days: 365,
        min_notice_days: 30,
        review_target_days: 5,
        metering: {
          counting: 'allocated',
          traffic_cents_per_gb: 0,
          over_cap: 'notify',
          over_cap_notice_hours: 24,
          idle_days: 7,
          is_impact_public: false,
        },
      },
    },
  }),
);
const reviewerPerson = { name: 'Rita Reviewer', email: 'rita@program.test', password: 'rita-password-123' };
const reviewerUser = await signUpApi(reviewerPerson);
await unwrap(admin.PATCH('/api/v1/users/{id}', { params: { path: { id: reviewerUser.id } }, body: { roles: ['reviewer'] } }));
const ownerPerson = { name: 'Omar Owner', email: 'omar@program.test', password: 'omar-password-123' };
await signUpApi(ownerPerson);
const owner = await apiAs(ownerPerson.email, ownerPerson.password);
await unwrap(
  owner.POST('/api/v1/projects', {
    body: {
      name: 'Kepler Energy',
      slug: 'kepler-energy',
      repository_url: 'https://github.com/kepler-dev/kepler',
      license: 'Apache-2.0',
      description: 'Energy metrics.',
      is_public: false,
    },
  }),
);
const catalog = await unwrap(admin.GET('/api/v1/catalog'));
const priceOf = (slug: string) => catalog.plans.find((plan) => plan.slug === slug)?.price_cents_per_hour ?? Number.NaN;
const LINE_1 = { plan: 'c3.small.x86', quantity: 2, metro: 'da', os: 'ubuntu_22_04' };
const LINE_2 = { plan: 'c3.large.arm64', quantity: 3, metro: 'am', os: 'debian_12' };
const LINE_1_CENTS = priceOf(LINE_1.plan) * 730 * LINE_1.quantity;
const LINE_2_CENTS = priceOf(LINE_2.plan) * 730 * LINE_2.quantity;

let requestUrl = '';

test('an owner fills the request form: the estimate follows the lines, field errors show inline, and the request is submitted', async () => {
  const page = await open('/login');
  await signIn(page, ownerPerson.email, ownerPerson.password);
  await page.goto('/projects/kepler-energy');
  await page.getByRole('link', { name: 'Request resources' }).first().click();
  await page.waitForURL('**/projects/kepler-energy/requests/new');
  await page.getByRole('heading', { name: 'Request resources', level: 1 }).waitFor();
  await page.getByLabel('Program', { exact: true }).selectOption('oss');

  await page.getByRole('radio', { name: /CI\/CD/ }).check();
  await page.getByRole('textbox', { name: 'What you will do' }).fill('Run **energy model validation** on every merge.');

  // Line 1; the estimate is the server's: price × 730 h × quantity.
  await page.getByLabel('Plan, line 1').selectOption(LINE_1.plan);
  await page.getByLabel('Quantity, line 1').fill(String(LINE_1.quantity));
  await page.getByLabel('Metro, line 1').selectOption(LINE_1.metro);
  await page.getByLabel('Operating system, line 1').selectOption(LINE_1.os);
  await waitForText(page, '[data-testid="estimate-total"]', money(LINE_1_CENTS));
  assert.equal(await text(page, '[data-testid="line-cost"]'), money(LINE_1_CENTS));

  // Line 2 on an Arm plan: only operating systems built for aarch64 are offered; end-of-life ones are not choosable.
  await page.getByRole('button', { name: 'Add line' }).click();
  await page.getByLabel('Plan, line 2').selectOption(LINE_2.plan);
  const osOptions = await page.getByLabel('Operating system, line 2').locator('option').allTextContents();
  assert.ok(!osOptions.some((option) => option.startsWith('FreeBSD')), `FreeBSD is x86 only: ${osOptions.join(', ')}`);
  assert.ok(osOptions.some((option) => option.startsWith('Debian 12')));
  const endOfLife = page.getByLabel('Operating system, line 2').locator('option', { hasText: '(end of life)' });
  assert.ok((await endOfLife.count()) > 0, 'end-of-life systems are listed and marked');
  assert.equal(await endOfLife.first().isDisabled(), true);
  await page.getByLabel('Quantity, line 2').fill(String(LINE_2.quantity));
  await page.getByLabel('Metro, line 2').selectOption(LINE_2.metro);
  await page.getByLabel('Operating system, line 2').selectOption(LINE_2.os);
  await waitForText(page, '[data-testid="estimate-total"]', money(LINE_1_CENTS + LINE_2_CENTS));
  assert.deepEqual(await page.locator('[data-testid="line-cost"]').allTextContents(), [money(LINE_1_CENTS), money(LINE_2_CENTS)]);

  // Typing a quantity changes the estimate too.
  await page.getByLabel('Quantity, line 2').fill('1');
  await waitForText(page, '[data-testid="estimate-total"]', money(LINE_1_CENTS + priceOf(LINE_2.plan) * 730));
  await page.getByLabel('Quantity, line 2').fill(String(LINE_2.quantity));
  await waitForText(page, '[data-testid="estimate-total"]', money(LINE_1_CENTS + LINE_2_CENTS));
  await screenshot(page, 'request-form');

  // Submitting without the acknowledgement is stopped at the checkbox; without an end date, the server says so at the field.
  await page.getByRole('button', { name: 'Submit request' }).click();
  await page.locator('.field-error', { hasText: 'acknowledge the sponsor' }).waitFor();
  await page.getByRole('checkbox', { name: /We will acknowledge the sponsor/ }).check();
  await page.getByRole('button', { name: 'Submit request' }).click();
  const endError = page.locator('.field-error', { hasText: 'is required for a fixed duration' });
  await endError.waitFor();
  assert.equal(await page.getByLabel('End date', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('.banner-error').count(), 0, 'the server’s field error is at its field, not in a banner');
  await screenshot(page, 'request-form-errors');

  await page.getByLabel('End date', { exact: true }).fill(inDays(120));
  await page.getByLabel('Results you will publish').fill('Nightly energy dashboards.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  requestUrl = new URL(page.url()).pathname;
  await page.locator('.page-header .badge', { hasText: 'Submitted' }).waitFor();
  assert.equal(await text(page, '[data-testid="request-estimate"]'), money(LINE_1_CENTS + LINE_2_CENTS));
  assert.match(await text(page, '.checks'), /OSI-approved licence.*Apache-2\.0/);
  assert.match(await text(page, '.timeline'), /Submitted/);
  await screenshot(page, 'request-owner');

  // The project tab lists it, and the owner's requests page too.
  await page.goto('/projects/kepler-energy/requests');
  await page
    .getByRole('table', { name: 'Requests' })
    .getByRole('row', { name: /Submitted/ })
    .waitFor();
  await screenshot(page, 'project-requests');
  await page.goto('/requests');
  await page
    .getByRole('table', { name: 'Requests' })
    .getByRole('row', { name: /Kepler Energy/ })
    .waitFor();
  await screenshot(page, 'requests');
  assert.match(await text(page, 'table[aria-label="Requests"] tbody'), /Kepler Energy.*Open Source Partner Program.*Submitted/);
  await page.context().close();
});

test('a reviewer finds the request in the queue, comments, votes and approves it with terms prefilled from the request', async () => {
  assert.ok(requestUrl, 'the previous test submitted a request');
  const page = await open('/login');
  await signIn(page, reviewerPerson.email, reviewerPerson.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review queue' }).click();
  await page.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
  const row = page.getByRole('row', { name: /Kepler Energy/ });
  await row.waitFor();
  assert.match(
    (await row.textContent()) ?? '',
    new RegExp(`Open Source Partner Program.*Submitted.*Web.*${money(LINE_1_CENTS + LINE_2_CENTS).replace('$', '\\$')}`),
  );
  await screenshot(page, 'review-queue');

  await row.getByRole('link').first().click();
  await page.waitForURL(`**${requestUrl}`);
  await page.getByRole('heading', { name: 'Evidence' }).waitFor();
  assert.match(await text(page, 'section[aria-labelledby="evidence-budget"]'), /Remaining now\s*\$1,000,000\.00/);

  await page.getByRole('textbox', { name: 'Add a comment' }).fill('Which CI system runs the validation?');
  await page.getByRole('button', { name: 'Comment' }).click();
  await page.locator('.comment', { hasText: 'Which CI system' }).waitFor();

  await page.getByRole('button', { name: /\+1 approve/ }).click();
  await page.getByLabel('Impact').selectOption('5');
  await page.getByRole('button', { name: 'Cast vote' }).click();
  await page.locator('.votes', { hasText: 'Rita Reviewer' }).waitFor();
  assert.match(await text(page, '.votes'), /\+1.*Impact 5\/5/);

  await page.getByRole('button', { name: 'Approve…' }).click();
  const dialog = page.getByRole('dialog', { name: /Approve request/ });
  await dialog.waitFor();
  await dialog.getByLabel('Max servers at once').waitFor();
  assert.equal(await dialog.getByLabel(/Monthly credit cap/).inputValue(), String((LINE_1_CENTS + LINE_2_CENTS) / 100));
  assert.equal(await dialog.getByLabel('Max servers at once').inputValue(), String(LINE_1.quantity + LINE_2.quantity));
  assert.equal(await dialog.getByRole('checkbox', { name: LINE_1.plan }).isChecked(), true);
  assert.equal(await dialog.getByRole('checkbox', { name: LINE_2.plan }).isChecked(), true);
  assert.equal(await dialog.getByRole('checkbox', { name: 'Dallas (da)' }).isChecked(), true);
  assert.equal(await dialog.getByLabel('Ends', { exact: true }).inputValue(), inDays(120));
  // The reviewer trims the cap and the servers before granting.
  await dialog.getByLabel(/Monthly credit cap/).fill('3000');
  await dialog.getByLabel('Max servers at once').fill('4');
  await dialog.getByLabel('Note to the applicant').fill('Welcome aboard.');
  await screenshot(page, 'approve-dialog');
  await dialog.getByRole('button', { name: 'Approve and grant' }).click();
  await page.locator('.banner-success', { hasText: 'Approved' }).waitFor();
  assert.match(await text(page, '.page-header'), /Approved/);
  await screenshot(page, 'request-approved');
  await page.context().close();
});

test('the owner sees the grant with its terms, and a notification about the decision', async () => {
  const page = await open('/login');
  await signIn(page, ownerPerson.email, ownerPerson.password);
  // Two unread: the reviewer's comment and the approval.
  const bell = page.getByRole('link', { name: 'Notifications, 2 unread' });
  await bell.waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Grants' }).click();
  const row = page.getByRole('row', { name: /Kepler Energy/ });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /Open Source Partner Program.*Active.*\$3,000\.00.*up to 4/);
  await screenshot(page, 'grants');
  await row.getByRole('link', { name: 'Kepler Energy' }).click();
  await page.getByRole('heading', { name: 'Terms' }).waitFor();
  assert.equal(await text(page, '[data-testid="grant-credit"]'), '$3,000.00');
  assert.equal(await text(page, '[data-testid="grant-max-servers"]'), '4');
  const terms = await text(page, 'dl[aria-label="Grant terms"]');
  assert.match(terms, new RegExp(`Allowed plans\\s*${LINE_1.plan.replaceAll('.', '\\.')}\\s*${LINE_2.plan.replaceAll('.', '\\.')}`));
  assert.match(terms, /Allowed metros\s*da\s*am/);
  assert.match(await text(page, '.grant-time'), /\d+ days left/);
  await page.getByRole('heading', { name: 'Extension', exact: true }).waitFor();
  await screenshot(page, 'grant');

  await bell.click();
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
  const notice = page.locator('.notification-unread', { hasText: /approved/i });
  await notice.waitFor();
  await screenshot(page, 'notifications');
  assert.match((await notice.textContent()) ?? '', /Request #\d+ approved: Kepler Energy has a grant from Open Source Partner Program/);
  await notice.getByRole('link').click();
  await page.waitForURL(/\/grants\/[0-9a-f-]{36}$/);
  await page.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor();
  await page.context().close();
});

test('a signed GitHub delivery creates a request that appears in the reviewer’s queue as from GitHub', async () => {
  const issueNumber = 4242;
  const body = readFileSync(new URL('../server/src/intake/fixtures/01-form-complete.md', import.meta.url), 'utf8');
  const payload = JSON.stringify({
    action: 'opened',
    issue: {
      number: issueNumber,
      title: '[Cluster Request]: bare metal for Kepler energy CI',
      body,
      state: 'open',
      user: { login: 'octo-newcomer', id: 777, type: 'User' },
      labels: [],
      html_url: `https://github.com/${REPOSITORY}/issues/${issueNumber}`,
    },
    repository: { id: 99, name: 'cluster', full_name: REPOSITORY, private: false, owner: { login: 'acme-oss' } },
    sender: { login: 'octo-newcomer', id: 777, type: 'User' },
  });
  const deliver = (signature: string) =>
    fetch(`${server.url}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/e2e',
        'x-github-event': 'issues',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': signature,
      },
      body: payload,
    });
  const forged = await deliver(`sha256=${createHmac('sha256', 'not-the-secret').update(payload).digest('hex')}`);
  assert.equal(forged.status, 401, 'a delivery signed with another secret is refused');
  const response = await deliver(`sha256=${createHmac('sha256', GITHUB_SECRET).update(payload).digest('hex')}`);
  assert.equal(response.status, 200, await response.clone().text());

  const page = await open('/login');
  await signIn(page, reviewerPerson.email, reviewerPerson.password);
  await page.goto('/review?source=github');
  const row = page.getByRole('row', { name: /Energy measurement CI for Kepler/ });
  await row.waitFor();
  const rowText = (await row.textContent()) ?? '';
  assert.match(rowText, new RegExp(`GitHub #${issueNumber}`));
  assert.match(rowText, /@octo-newcomer/);
  assert.equal(await page.getByRole('row', { name: /Kepler Energy/ }).count(), 0, 'the source filter leaves the web request out');
  await screenshot(page, 'review-queue-github');
  await row.getByRole('link').first().click();
  await page.locator('.page-header', { hasText: `GitHub #${issueNumber}` }).waitFor();
  assert.match(await text(page, 'table[aria-label="Resources"]'), /m3\.large\.x86\s*5/);
  await screenshot(page, 'request-github');
  await page.context().close();
});

test('staff see the program with its budget chart: committed from the grant, the rest remaining', async () => {
  const page = await open('/login');
  await signIn(page, server.admin.email, server.admin.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Programs' }).click();
  await page
    .getByRole('row', { name: /Open Source Partner Program/ })
    .getByRole('link')
    .click();
  await page.getByRole('heading', { name: 'Budget' }).waitFor();
  const chart = page.getByRole('img', { name: /Budget this fiscal year/ });
  await chart.waitFor();
  const label = (await chart.getAttribute('aria-label')) ?? '';
  const committed = Number(/\$([\d,.]+) committed/.exec(label)?.[1]?.replaceAll(',', ''));
  const remaining = Number(/\$([\d,.]+) remaining/.exec(label)?.[1]?.replaceAll(',', ''));
  assert.ok(committed > 0, `the approved grant commits money: ${label}`);
  assert.equal(Math.round((committed + remaining) * 100), 100_000_000, 'committed + spent (0) + remaining = budget');
  await screenshot(page, 'program-overview');
  await page.getByRole('navigation', { name: 'Program sections' }).getByRole('link', { name: 'Policy' }).click();
  await page.getByRole('heading', { name: 'Eligibility' }).waitFor();
  await screenshot(page, 'program-policy');
  await page.getByRole('navigation', { name: 'Program sections' }).getByRole('link', { name: 'Webhooks' }).click();
  await page.getByLabel('Receiver URL').fill('https://hooks.example.org/surplus');
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await page.getByText('Copy its secret now').waitFor();
  assert.match(await text(page, '[data-testid="webhook-secret"]'), /\S{16,}/);
  await page.getByRole('button', { name: 'Send ping' }).click();
  await page
    .getByRole('table', { name: /Deliveries to/ })
    .getByRole('row', { name: /ping/ })
    .waitFor();
  await screenshot(page, 'program-webhooks');
  await page.getByRole('navigation', { name: 'Program sections' }).getByRole('link', { name: /Staff/ }).click();
  await page.getByRole('heading', { name: 'Add staff' }).waitFor();
  await page.getByLabel('Reviewer', { exact: true }).selectOption({ label: `${reviewerPerson.name} (${reviewerPerson.email})` });
  await page.getByRole('button', { name: 'Add to staff' }).click();
  await page
    .getByRole('table', { name: 'Program staff' })
    .getByRole('row', { name: /Rita Reviewer/ })
    .waitFor();
  await screenshot(page, 'program-staff');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Programs' }).click();
  await page
    .getByRole('row', { name: /Open Source Partner Program/ })
    .getByText(/remaining/)
    .waitFor();
  await screenshot(page, 'programs');

  // A second program from the form: the budget is typed in dollars and stored in cents.
  await page.getByRole('link', { name: 'New program' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Arm builders');
  assert.equal(await page.getByLabel('Slug').inputValue(), 'arm-builders', 'the slug follows the name');
  await page.getByRole('button', { name: 'Create program' }).click();
  await page.locator('.field-error').first().waitFor();
  await page.getByLabel(/Yearly budget/).fill('250,000');
  await page.getByRole('switch', { name: /Two-vote rule/ }).check();
  await page.getByRole('button', { name: 'Create program' }).click();
  await page.waitForURL('**/programs/arm-builders');
  await page.getByRole('heading', { name: 'Arm builders', level: 1 }).waitFor();
  assert.match(await text(page, '.page-header'), /\$250,000\.00 a year/);
  await page.getByText('Two-vote rule: two +1 and no −1').waitFor();
  await page.context().close();
});

test('the GitHub author is told about the waiting issue, claims it by registering the project, and the request becomes theirs', async () => {
  const newcomer = { name: 'Nora Newcomer', email: 'nora@program.test', password: 'nora-password-123' };
  await signUpApi(newcomer);
  // Stands in for signing in with GitHub once (the OAuth flow itself is tested in server/test/sso.test.ts):
  // the account now carries the GitHub login that opened issue #4242.
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  try {
    await db.query('update users set github_login = $1 where email = $2', ['octo-newcomer', newcomer.email]);
  } finally {
    await db.end();
  }
  const page = await open('/login');
  await signIn(page, newcomer.email, newcomer.password);
  const banner = page.locator('.banner', { hasText: 'Your GitHub issue #4242 is waiting: claim it' });
  await banner.waitFor();
  await screenshot(page, 'claim-banner');
  await banner.getByRole('link', { name: 'Claim it', exact: true }).click();
  await page.getByRole('heading', { name: 'GitHub claims', level: 1 }).waitFor();
  assert.equal(
    await page.getByLabel('Repository').inputValue(),
    'https://github.com/sustainable-computing-io/kepler',
    'the issue’s repository is the default',
  );
  await page.getByRole('button', { name: 'Register and claim' }).click();
  await page.locator('.field-error', { hasText: /licence|SPDX|required/i }).waitFor();
  await page.getByLabel('Licence (SPDX expression)').fill('Apache-2.0');
  await page.getByLabel('Project name').fill('Kepler');
  await screenshot(page, 'claims');
  await page.getByRole('button', { name: 'Register and claim' }).click();
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  await page.locator('.page-header', { hasText: 'GitHub #4242' }).waitFor();
  assert.match(await text(page, '.page-header .meta-row'), /Kepler/);
  assert.equal(await page.locator('.banner', { hasText: 'is waiting: claim it' }).count(), 0, 'nothing left to claim');
  await page.context().close();
});

test('an owner writes an impact story and lists the project; staff publish it; the public directory shows both', async () => {
  const ownerPage = await open('/login');
  await signIn(ownerPage, ownerPerson.email, ownerPerson.password);
  await ownerPage.goto('/projects/kepler-energy/stories');
  await ownerPage.getByRole('button', { name: 'Write a story' }).click();
  await ownerPage.getByLabel('Title').fill('Energy numbers on every merge');
  await ownerPage.getByRole('textbox', { name: 'Story' }).fill('Since the grant, **every merge** is validated on bare metal.');
  // The supporting program is chosen by default once the project's grants have loaded.
  await ownerPage.waitForFunction(() => [...document.querySelectorAll('select')].some((select) => select.value === 'oss'));
  await ownerPage.getByRole('button', { name: 'Create draft' }).click();
  const story = ownerPage.locator('.story', { hasText: 'Energy numbers on every merge' });
  await story.waitFor();
  await story.getByRole('button', { name: 'Submit for publishing' }).click();
  await story.getByText('Waiting for staff').waitFor();
  await ownerPage.getByRole('switch', { name: /List the project in the public directory/ }).check();
  await ownerPage.getByText('Shown in the directory now').waitFor();
  await screenshot(ownerPage, 'project-stories');
  await ownerPage.context().close();

  const staffPage = await open('/login');
  await signIn(staffPage, reviewerPerson.email, reviewerPerson.password);
  await staffPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stories' }).click();
  const card = staffPage.locator('.story-card', { hasText: 'Energy numbers on every merge' });
  await card.waitFor();
  await screenshot(staffPage, 'stories-queue');
  await card.getByRole('button', { name: 'Publish' }).click();
  await staffPage.getByText('No stories waiting').waitFor();
  await staffPage.context().close();

  const visitor = await open('/directory');
  const entry = visitor.locator('.directory-card', { hasText: 'Kepler Energy' }).first();
  await entry.waitFor();
  assert.match((await entry.textContent()) ?? '', /Supported by Open Source Partner Program since/);
  await visitor.getByRole('heading', { name: 'Energy numbers on every merge' }).waitFor();
  assert.match(await text(visitor, '.public-story'), /Kepler Energy · Open Source Partner Program.*every merge is validated on bare metal/);
  await screenshot(visitor, 'directory-program');
  await visitor.context().close();
});

test('a reviewer asks for changes, the owner edits and submits again, and the reviewer declines with a template', async () => {
  const created = await unwrap(
    owner.POST('/api/v1/requests', {
      body: {
        program: 'oss',
        project: 'kepler-energy',
        purpose: 'benchmarking',
        title: 'GPU benchmarks for the energy model',
        description: 'Benchmarks.',
        resources: [{ plan: 'g2.large.x86', quantity: 1, metro: 'sv', operating_system: 'ubuntu_22_04' }],
        duration: 'fixed',
        end_on: inDays(60),
        publish_results: '',
        acknowledges_sponsor: true,
        submit: true,
      },
    }),
  );
  const reviewerPage = await open('/login');
  await signIn(reviewerPage, reviewerPerson.email, reviewerPerson.password);
  await reviewerPage.goto(`/requests/${created.id}`);
  await reviewerPage.getByRole('button', { name: 'Request changes' }).click();
  const changes = reviewerPage.getByRole('dialog', { name: /Request changes/ });
  await changes.getByLabel('What should change').fill('Say which benchmarks, and for how long each run takes.');
  await changes.getByRole('button', { name: 'Request changes' }).click();
  await reviewerPage.locator('.page-header .badge', { hasText: 'Changes requested' }).waitFor();

  const ownerPage = await open('/login');
  await signIn(ownerPage, ownerPerson.email, ownerPerson.password);
  await ownerPage.goto(`/requests/${created.id}`);
  // Unverified owners also see the verify-email banner: pick the one that carries the reviewer's reason.
  await ownerPage.locator('.banner-warning', { hasText: /Say which benchmarks/ }).waitFor();
  await ownerPage.getByRole('link', { name: 'Edit' }).click();
  await ownerPage.getByRole('heading', { name: `Edit request #${created.number}` }).waitFor();
  assert.equal(await ownerPage.getByLabel('Plan, line 1').inputValue(), 'g2.large.x86', 'the form starts from the saved request');
  await ownerPage.getByRole('textbox', { name: 'What you will do' }).fill('SPECpower runs, 40 minutes each, twice a week.');
  await ownerPage.getByLabel('Quantity, line 1').fill('2');
  await waitForText(ownerPage, '[data-testid="estimate-total"]', money(priceOf('g2.large.x86') * 730 * 2));
  await screenshot(ownerPage, 'request-edit');
  await ownerPage.getByRole('button', { name: 'Submit request' }).click();
  await ownerPage.waitForURL(`**/requests/${created.id}`);
  await ownerPage.locator('.page-header .badge', { hasText: 'Submitted' }).waitFor();
  assert.equal(await text(ownerPage, '[data-testid="request-estimate"]'), money(priceOf('g2.large.x86') * 730 * 2));
  await ownerPage.context().close();

  await reviewerPage.reload();
  await reviewerPage.getByRole('button', { name: 'Decline' }).click();
  const decline = reviewerPage.getByRole('dialog', { name: /Decline request/ });
  await decline.getByLabel('Reason').selectOption({ label: 'Out of scope' });
  await decline.getByText('outside what this program supports').waitFor();
  await decline.getByLabel(/Add to it/).fill('GPU benchmarking belongs to the accelerator program.');
  await screenshot(reviewerPage, 'decline-dialog');
  await decline.getByRole('button', { name: 'Decline request' }).click();
  await reviewerPage.locator('.page-header .badge', { hasText: 'Declined' }).waitFor();
  assert.match(await text(reviewerPage, '.banner-error'), /outside what this program supports.*accelerator program/);
  assert.match(await text(reviewerPage, '.timeline'), /Changes requested.*Submitted.*Declined/);
  await reviewerPage.context().close();
});

test('staff end a grant early with notice, and an admin revokes it for abuse', async () => {
  const grants = await unwrap(admin.GET('/api/v1/grants', { params: { query: { project: 'kepler-energy' } } }));
  const grant = grants.items[0];
  assert.ok(grant, 'the grant from the approval');
  const reviewerPage = await open('/login');
  await signIn(reviewerPage, reviewerPerson.email, reviewerPerson.password);
  await reviewerPage.goto(`/grants/${grant.id}`);
  await reviewerPage.getByRole('button', { name: 'End early…' }).click();
  const end = reviewerPage.getByRole('dialog', { name: 'End the grant early' });
  await end.getByText('at least 30 days notice').waitFor();
  assert.equal(await end.getByLabel('New last day').inputValue(), inDays(30), 'the earliest day the notice allows');
  await end.getByLabel('Reason').fill('The program is moving its CI grants to the new metro.');
  await end.getByRole('button', { name: 'End the grant' }).click();
  await reviewerPage.locator('.banner-warning', { hasText: 'Ending early' }).waitFor();
  assert.match(await text(reviewerPage, '.grant-time'), /30 days left/);
  assert.equal(await reviewerPage.getByRole('button', { name: 'Revoke…' }).count(), 0, 'only admins revoke');
  await reviewerPage.context().close();

  const adminPage = await open('/login');
  await signIn(adminPage, server.admin.email, server.admin.password);
  await adminPage.goto(`/grants/${grant.id}`);
  await adminPage.getByRole('button', { name: 'Revoke…' }).click();
  const revoke = adminPage.getByRole('dialog', { name: 'Revoke the grant' });
  await revoke.getByLabel('What abuse this answers').fill('Crypto mining on the CI servers.');
  await screenshot(adminPage, 'revoke-dialog');
  await revoke.getByRole('button', { name: 'Revoke now' }).click();
  await adminPage.locator('.page-header .badge', { hasText: 'Revoked' }).waitFor();
  assert.match(await text(adminPage, '.banner-error'), /Crypto mining/);
  await screenshot(adminPage, 'grant-revoked');
  await adminPage.context().close();
});
