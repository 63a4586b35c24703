/**
 * The web UI end to end: a real server, a real database, Debian's Chromium. Two maintainers and the
 * admin work in separate browser contexts (separate sessions), and every step is checked on the page.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, type SurplusServer, screenshot, startServer } from './harness.ts';

// Started at the top level so that the harness's after() hooks belong to this file, not to a hook.
// No lab pool: its first-start demo project would be the admin's, and this journey starts them with none.
const server: SurplusServer = await startServer({
  adminEmail: 'admin@surplus.test',
  adminPassword: 'admin-password-e2e-1',
  env: { SURPLUS_LAB_MACHINES: '0' },
});
const browser: Browser = await launchBrowser();
const pageErrors: string[] = [];

after(() => {
  assert.deepEqual(pageErrors, [], 'the app threw uncaught errors in the browser');
});

async function open(path: string) {
  const opened = await openPage(browser, server.url, path);
  opened.page.on('pageerror', (error) => pageErrors.push(error.message));
  return opened.page;
}

async function text(page: Page, selector: string) {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Waits until the audit table has finished loading and every row it shows contains `needle`. */
async function onlyRowsMatching(page: Page, needle: string) {
  await page.waitForFunction((text) => {
    const table = document.querySelector('table[aria-label="Audit events"]');
    if (!table || table.getAttribute('aria-busy') === 'true') return false;
    const rows = [...table.querySelectorAll('tbody tr')];
    return rows.length > 0 && rows.every((row) => row.textContent?.includes(text));
  }, needle);
}

async function signUp(page: Page, person: { name: string; email: string; password: string }) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(person.name);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/projects');
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

/** The link in the newest verification email to `email`, read from the server's outbox (there is no mailbox here). */
async function verificationLink(email: string): Promise<string> {
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ body_text: string }>(
      "select body_text from emails where to_address = $1 and subject = 'Confirm your email address for Surplus' order by created_at desc limit 1",
      [email],
    );
    const link = /\S+\/verify-email\?token=\S+/.exec(rows[0]?.body_text ?? '')?.[0];
    assert.ok(link, `no verification email to ${email}`);
    const url = new URL(link);
    return `${url.pathname}${url.search}`;
  } finally {
    await db.end();
  }
}

test('the server answers / with the app shell, deep links too, and unknown API paths with a JSON 404', async () => {
  for (const path of ['/', '/projects/some-project/members']) {
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.match(html, /<div id="root"><\/div>/);
    assert.match(html, /<script type="module"[^>]+src="\/assets\/index-[\w-]+\.js"/);
  }
  const missing = await fetch(`${server.url}/api/v1/nope`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type') ?? '', /application\/json/);
  const body = (await missing.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'ERR_NOT_FOUND');
  assert.match(body.error.message, /\/api\/v1\/nope/);
});

test('signed-out visitors are sent to sign in, and come back where they were going', async () => {
  const page = await open('/profile/keys');
  await page.waitForURL('**/login?next=%2Fprofile%2Fkeys');
  await page.getByRole('heading', { name: 'Sign in to Surplus' }).waitFor();
  await screenshot(page, 'sign-in');

  await page.getByLabel('Email').fill(server.admin.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await text(page, '[role="alert"]'), /The email or password is wrong/);
  assert.match(await text(page, '[role="alert"]'), /ERR_INVALID_CREDENTIALS · request id \S+/);

  await page.getByLabel('Password').fill(server.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/profile/keys');
  await page.getByRole('heading', { name: 'Add an SSH key' }).waitFor();
  await page.context().close();
});

test('the SSO callback error is shown on the sign-in page', async () => {
  const page = await open(`/login?error=${encodeURIComponent('The identity provider refused: access_denied.')}`);
  await page.getByText('Single sign-on did not complete').waitFor();
  assert.match(await text(page, '.banner-error'), /The identity provider refused: access_denied\./);
  await page.context().close();
});

test('a maintainer registers a project, invites a second maintainer who accepts, adds an SSH key, and the admin sees it all in the audit log', async (t) => {
  const owner = { name: 'Olivia Owner', email: 'olivia@e2e.test', password: 'olivia-password-1' };
  const second = { name: 'Sam Second', email: 'sam@e2e.test', password: 'sam-password-123' };
  const ownerPage = await open('/signup');

  await t.test('the owner signs up and starts with no projects', async () => {
    await screenshot(ownerPage, 'sign-up');
    await signUp(ownerPage, owner);
    await ownerPage.getByText('You have no projects yet').waitFor();
    await ownerPage.getByRole('button', { name: 'Account menu for Olivia Owner' }).waitFor();
    await screenshot(ownerPage, 'projects-empty');
  });

  await t.test('the create form shows the server’s field errors inline, then creates the project', async () => {
    await ownerPage.getByRole('link', { name: 'New project' }).click();
    await ownerPage.getByLabel('Project name').fill('Hyperion Mirror');
    assert.equal(await ownerPage.locator('input[name="slug"]').inputValue(), 'hyperion-mirror', 'the slug follows the name');
    await ownerPage.getByRole('textbox', { name: 'Repository' }).fill('git@github.com:hyperion-dev/mirror.git');
    await ownerPage.getByLabel('Licence (SPDX expression)').fill('Apache-2.0 OR');
    await ownerPage.getByRole('textbox', { name: /^Website/ }).fill('https://hyperion.example.org');
    await ownerPage.getByRole('textbox', { name: 'Description' }).fill('## Hyperion\n\nA **fast** package mirror for `apt` and `dnf`.');
    await ownerPage.getByRole('switch', { name: /Give the project a public page/ }).check();
    await ownerPage.getByRole('checkbox', { name: 'Members' }).check();

    // The editor's tabs work from the keyboard: arrow right from Write opens the preview.
    await ownerPage.getByRole('tab', { name: 'Write' }).press('ArrowRight');
    await ownerPage.locator('.editor-preview strong', { hasText: 'fast' }).waitFor();
    assert.equal(await ownerPage.getByRole('tab', { name: 'Preview' }).getAttribute('aria-selected'), 'true');
    assert.equal(await ownerPage.evaluate(() => document.activeElement?.textContent), 'Preview');
    await ownerPage.getByRole('tab', { name: 'Write' }).click();

    await ownerPage.getByRole('button', { name: 'Create project' }).click();
    const licenceError = ownerPage.locator('.field-error', { hasText: 'is not a valid SPDX expression' });
    await licenceError.waitFor();
    assert.equal(await ownerPage.getByLabel('Licence (SPDX expression)').getAttribute('aria-invalid'), 'true');
    assert.equal(await ownerPage.locator('.banner-error').count(), 0, 'a field error is shown at its field, not in a banner');
    await screenshot(ownerPage, 'project-create-errors');

    await ownerPage.getByLabel('Licence (SPDX expression)').fill('Apache-2.0 OR MIT');
    await ownerPage.getByRole('button', { name: 'Create project' }).click();
    await ownerPage.waitForURL('**/projects/hyperion-mirror');
    await ownerPage.getByRole('heading', { name: 'Hyperion Mirror', level: 1 }).waitFor();
    const meta = await text(ownerPage, '.page-header .meta-row');
    assert.match(meta, /github\.com\/hyperion-dev\/mirror/, 'the repository is shown normalized');
    assert.match(meta, /Apache-2\.0 OR MIT/);
    assert.match(meta, /OSI approved/);
    assert.equal(
      await ownerPage.locator('.page-header a[href="https://github.com/hyperion-dev/mirror"]').count(),
      1,
      'the repository links to its normalized https URL',
    );
    await ownerPage.locator('.markdown h2', { hasText: 'Hyperion' }).waitFor();
    assert.equal(await text(ownerPage, '.markdown strong'), 'fast');
    await screenshot(ownerPage, 'project-overview');
  });

  await t.test('the project is listed, and its public page shows it to anyone', async () => {
    await ownerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    const row = ownerPage.getByRole('row', { name: /Hyperion Mirror/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /github\.com\/hyperion-dev\/mirror.*Apache-2\.0 OR MIT.*OSI approved.*owner/);
    await screenshot(ownerPage, 'projects-list');

    const visitor = await open('/p/hyperion-mirror');
    await visitor.getByRole('heading', { name: 'Hyperion Mirror', level: 1 }).waitFor();
    await visitor.getByRole('heading', { name: 'Maintainers' }).waitFor();
    assert.match(await text(visitor, '.markdown'), /A fast package mirror/);
    assert.match(await text(visitor, '.topbar'), /Sign in/);
    await screenshot(visitor, 'public-project');
    await visitor.goto('/directory');
    await visitor.getByRole('link', { name: /Hyperion Mirror/ }).waitFor();
    await screenshot(visitor, 'directory');
    await visitor.context().close();
  });

  await t.test('the owner invites the second maintainer by email', async () => {
    await ownerPage.goto('/projects/hyperion-mirror/members');
    await ownerPage.getByLabel('Email address').fill(second.email);
    await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
    await ownerPage.getByText(`Invitation sent to ${second.email}`).waitFor();
    assert.match(await text(ownerPage, '.banner-success code'), /\/invitations\/accept\?token=spi_/);
    await screenshot(ownerPage, 'project-members-invited');

    await ownerPage.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Invitations' }).click();
    const row = ownerPage.getByRole('row', { name: new RegExp(second.email) });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /member.*pending.*Olivia Owner/);
  });

  const secondPage = await open('/signup');
  await t.test('the second maintainer signs up, verifies the address and accepts on the Invitations page', async () => {
    await signUp(secondPage, second);
    await secondPage.locator('.banner', { hasText: 'Verify your email address' }).getByRole('button', { name: 'Resend' }).waitFor();
    await secondPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
    const row = secondPage.getByRole('row', { name: /Hyperion Mirror/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /member.*Olivia Owner/);
    // Anyone could have signed up as sam@e2e.test: the invitation waits until the address is proven.
    await secondPage.getByText('Verify your email address to answer invitations here').waitFor();
    assert.equal(await secondPage.getByRole('button', { name: 'Accept invitation to Hyperion Mirror' }).isDisabled(), true);
    await screenshot(secondPage, 'invitations-unverified');

    await secondPage.goto(await verificationLink(second.email));
    await secondPage.getByRole('button', { name: 'Verify email address' }).click();
    await secondPage.getByText('Your email address is verified').waitFor();
    await screenshot(secondPage, 'verify-email');
    await secondPage.getByRole('link', { name: 'See invitations' }).click();
    await row.waitFor();
    assert.equal(await secondPage.getByText('Verify your email address to answer invitations here').count(), 0);
    await screenshot(secondPage, 'invitations');
    await secondPage.getByRole('button', { name: 'Accept invitation to Hyperion Mirror' }).click();
    await secondPage.getByText('You joined Hyperion Mirror.').waitFor();
    await secondPage.getByText('No pending invitations').waitFor();

    await secondPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    const project = secondPage.getByRole('row', { name: /Hyperion Mirror/ });
    await project.waitFor();
    assert.match((await project.textContent()) ?? '', /member/);
  });

  await t.test('the owner sees the new member in Members', async () => {
    await ownerPage.goto('/projects/hyperion-mirror/members');
    const row = ownerPage.getByRole('row', { name: /Sam Second/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /sam@e2e\.test/);
    assert.equal(await ownerPage.getByLabel('Role of Sam Second').inputValue(), 'member');
    assert.match(await text(ownerPage, '.tabs'), /Members \(2\)/);
    await screenshot(ownerPage, 'project-members');

    await ownerPage.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Invitations' }).click();
    const invitation = ownerPage.getByRole('row', { name: new RegExp(second.email) });
    await invitation.waitFor();
    assert.match((await invitation.textContent()) ?? '', /accepted/);
  });

  await t.test('an invitation link opened while signed out asks to sign up first, then returns to accept', async () => {
    await ownerPage.goto('/projects/hyperion-mirror/members');
    await ownerPage.getByRole('button', { name: 'By email' }).waitFor();
    await ownerPage.getByLabel('Email address').fill('tess@e2e.test');
    await ownerPage.getByLabel('Role', { exact: true }).selectOption('owner');
    await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
    const acceptUrl = await ownerPage.locator('.banner-success code').textContent();
    assert.ok(acceptUrl?.startsWith(`${server.url}/invitations/accept?token=spi_`), `accept link on this server: ${acceptUrl}`);

    const third = await open(acceptUrl as string);
    await third.waitForURL('**/login?next=*');
    await third.getByRole('link', { name: 'Create an account' }).click();
    await third.getByLabel('Name').fill('Tess Third');
    await third.getByLabel('Email').fill('tess@e2e.test');
    await third.getByLabel('Password').fill('tess-password-12');
    await third.getByRole('button', { name: 'Create account' }).click();
    await third.waitForURL('**/invitations/accept?token=spi_*');
    await screenshot(third, 'invitation-accept');
    await third.getByRole('button', { name: 'Accept invitation' }).click();
    await third.getByText('You joined Hyperion Mirror').waitFor();
    assert.match(await text(third, '.banner-success'), /You are now an owner of the project/);
    await third.getByRole('link', { name: 'Open project' }).click();
    await third.getByRole('heading', { name: 'Hyperion Mirror', level: 1 }).waitFor();
    await third.context().close();
  });

  const keyDir = await mkdtemp(join(tmpdir(), 'surplus-e2e-key-'));
  await t.test('an invalid SSH key shows the server’s reason; a real ed25519 key is listed with its fingerprint', async () => {
    await ownerPage.goto('/profile/keys');
    await ownerPage.getByText('No SSH keys yet').waitFor();
    await ownerPage.getByLabel('Public key').fill('ssh-dss AAAAB3NzaC1kc3MAAACBAP olivia@old-laptop');
    await ownerPage.getByRole('button', { name: 'Add key' }).click();
    await ownerPage.locator('.field-error', { hasText: 'uses DSA, which OpenSSH no longer accepts; use ed25519' }).waitFor();
    await screenshot(ownerPage, 'ssh-key-rejected');

    execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-C', 'olivia@laptop', '-f', join(keyDir, 'id_ed25519'), '-q']);
    const publicKey = (await readFile(join(keyDir, 'id_ed25519.pub'), 'utf8')).trim();
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(keyDir, 'id_ed25519.pub')], {
      encoding: 'utf8',
    }).split(' ')[1] as string;
    await ownerPage.getByLabel('Public key').fill(publicKey);
    await ownerPage.getByRole('button', { name: 'Add key' }).click();
    const row = ownerPage.getByRole('row', { name: /olivia@laptop/ });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    assert.ok(rowText.includes(fingerprint), `the row shows ${fingerprint}: ${rowText}`);
    assert.match(rowText, /Ed25519.*256/);
    assert.equal(await ownerPage.locator('.field-error').count(), 0);
    await screenshot(ownerPage, 'ssh-keys');
  });
  await rm(keyDir, { recursive: true, force: true });

  await t.test('an API token is shown once with its secret and listed without it', async () => {
    await ownerPage.goto('/profile/tokens');
    await ownerPage.getByLabel('Name').fill('laptop CLI');
    await ownerPage.getByRole('button', { name: 'Create token' }).click();
    const secret = await ownerPage.getByTestId('token-secret').textContent();
    assert.match(secret ?? '', /^sps_\S+$/);
    const row = ownerPage.getByRole('row', { name: /laptop CLI/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Active.*Never/);
    assert.ok(!((await row.textContent()) ?? '').includes(secret ?? '-'), 'the list never shows the secret');
    await screenshot(ownerPage, 'api-tokens');

    const response = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(response.status, 200, 'the token shown works against the API');
  });

  await t.test('the admin sees every one of those actions in the audit log', async () => {
    const adminPage = await open('/login');
    await adminPage.getByLabel('Email').fill(server.admin.email);
    await adminPage.getByLabel('Password').fill(server.admin.password);
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage.waitForURL('**/projects');
    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await adminPage.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await adminPage.getByRole('row', { name: /ssh_key\.added/ }).waitFor();

    const rows = async () =>
      (await adminPage.locator('table[aria-label="Audit events"] tbody tr').allTextContents()).map((row) => row.replace(/\s+/g, ' '));
    const all = await rows();
    const find = (action: string, actor: string) => all.find((row) => row.includes(action) && row.includes(actor));
    assert.ok(find('user.signed_up', owner.email), 'owner sign-up');
    assert.ok(find('user.signed_up', second.email), 'second sign-up');
    assert.match(find('project.created', owner.email) ?? '', /repository: github\.com\/hyperion-dev\/mirror/);
    const invited = all.find((row) => row.includes('invitation.created') && row.includes(`email: ${second.email}`));
    assert.match(invited ?? '', new RegExp(`${owner.email}.*role: member`));
    assert.match(find('invitation.accepted', second.email) ?? '', /role: member/);
    assert.ok(find('ssh_key.added', owner.email), 'SSH key added');
    assert.ok(find('token.created', owner.email), 'token created');
    await screenshot(adminPage, 'admin-audit');

    await adminPage.getByLabel('Action').fill('project.');
    await adminPage.getByRole('button', { name: 'Apply filters' }).click();
    await adminPage.waitForURL('**/admin/audit?action=project.');
    await onlyRowsMatching(adminPage, 'project.');
    const filtered = await rows();
    assert.ok(filtered.length >= 1);
    assert.ok(
      filtered.every((row) => row.includes('project.')),
      `only project.* events: ${filtered.join('\n')}`,
    );

    await adminPage.getByLabel('Action').fill('');
    await adminPage.getByLabel('Actor').fill(second.email);
    await adminPage.getByRole('button', { name: 'Apply filters' }).click();
    await onlyRowsMatching(adminPage, second.email);
    const bySecond = await rows();
    assert.ok(bySecond.some((row) => row.includes('invitation.accepted')));
    assert.ok(
      bySecond.every((row) => row.includes(second.email)),
      `only events by ${second.email}: ${bySecond.join('\n')}`,
    );

    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    await adminPage.getByText('You have no projects yet').waitFor();
    await adminPage.getByRole('button', { name: 'All projects' }).click();
    const everyProject = adminPage.getByRole('row', { name: /Hyperion Mirror/ });
    await everyProject.waitFor();
    assert.match((await everyProject.textContent()) ?? '', /staff/, 'the admin sees the project as staff, not as a member');

    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    const userRow = adminPage.getByRole('row', { name: /Sam Second/ });
    await userRow.waitFor();
    assert.match((await userRow.textContent()) ?? '', /Active/);
    await screenshot(adminPage, 'admin-users');
    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await adminPage.getByRole('switch', { name: /Anyone can create an account/ }).waitFor();
    await screenshot(adminPage, 'admin-settings');
  });
});

/** Signs up through the API and returns a caller that acts with that session (cookie + CSRF token). */
async function apiUser(name: string, email: string, password: string) {
  const response = await fetch(`${server.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, email, password }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  const session = (await response.json()) as { user: { id: string }; csrf_token: string };
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${server.url}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': session.csrf_token, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(answer.ok, `${method} ${path}: ${answer.status} ${await answer.clone().text()}`);
    return answer.status === 204 ? null : answer.json();
  };
  return { id: session.user.id, email, password, call };
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
}

test('owners edit settings and transfer ownership; admins grant roles and close sign-up', async (t) => {
  const owner = await apiUser('Rita Rowe', 'rita@e2e.test', 'rita-password-12');
  const member = await apiUser('Max Meyer', 'max@e2e.test', 'max-password-123');
  await owner.call('POST', '/api/v1/projects', { name: 'Orbit DB', repository_url: 'https://gitlab.com/orbit/orbit-db', license: 'MIT' });
  const invitation = (await owner.call('POST', '/api/v1/projects/orbit-db/invitations', { email: member.email })) as {
    accept_url: string;
  };
  // Max's address is not verified: the emailed link (holding it is the proof) is how he joins.
  await member.call('POST', '/api/v1/invitations/accept-token', { token: new URL(invitation.accept_url).searchParams.get('token') });
  const page = await open('/login');
  await signIn(page, owner.email, owner.password);

  await t.test('a rejected website shows at its field; a saved change shows on the overview and in the project audit', async () => {
    await page.goto('/projects/orbit-db/settings');
    await page.getByRole('textbox', { name: /^Website/ }).fill('not a url');
    await page.getByLabel(/^Foundation or affiliation/).fill('OpenJS Foundation');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.field-error', { hasText: 'must be an http(s) URL' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: /^Website/ }).getAttribute('aria-invalid'), 'true');

    await page.getByRole('textbox', { name: /^Website/ }).fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Project settings saved.').waitFor();
    await screenshot(page, 'project-settings');
    await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Overview' }).click();
    assert.match(await text(page, '.page-header .meta-row'), /OpenJS Foundation/);

    await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Audit' }).click();
    const updated = page.getByRole('row', { name: /project\.updated/ });
    await updated.waitFor();
    assert.match((await updated.textContent()) ?? '', /foundation: — → OpenJS Foundation/);
    await screenshot(page, 'project-audit');
  });

  await t.test('the owner transfers ownership and can no longer manage the project', async () => {
    await page.goto('/projects/orbit-db/members');
    await page.getByRole('button', { name: 'Transfer ownership' }).click();
    const dialog = page.getByRole('dialog', { name: 'Transfer ownership' });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('New owner').inputValue(), member.id);
    await screenshot(page, 'transfer-dialog');
    await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
    await page.getByText('Ownership transferred.').waitFor();
    await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Settings' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('heading', { name: 'Invite people' }).count(), 0, 'members cannot invite');
    const me = page.getByRole('row', { name: /Rita Rowe/ });
    assert.match((await me.textContent()) ?? '', /member/);
    const maxRow = page.getByRole('row', { name: /Max Meyer/ });
    assert.match((await maxRow.textContent()) ?? '', /owner/);
  });

  await t.test('the admin grants a program role and closes sign-up', async () => {
    const admin = await open('/login');
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.goto('/admin/users?q=rita');
    await admin.getByRole('button', { name: 'Edit roles of Rita Rowe' }).click();
    const dialog = admin.getByRole('dialog', { name: /Program roles of Rita Rowe/ });
    await dialog.getByRole('checkbox', { name: /reviewer/ }).check();
    await dialog.getByRole('button', { name: 'Save roles' }).click();
    await admin.getByText('Updated the roles of Rita Rowe.').waitFor();
    assert.match((await admin.getByRole('row', { name: /Rita Rowe/ }).textContent()) ?? '', /reviewer/);
    assert.equal(await admin.getByRole('row').count(), 2, 'the search shows only Rita (and the header row)');

    await admin.goto('/admin/settings');
    const signup = admin.getByRole('switch', { name: /Anyone can create an account/ });
    assert.equal(await signup.isChecked(), true);
    await signup.uncheck();
    await admin.getByText('Sign-up is closed.').waitFor();

    const visitor = await open('/signup');
    await visitor.getByRole('heading', { name: 'Sign-up is closed' }).waitFor();
    assert.equal(await visitor.getByRole('button', { name: 'Create account' }).count(), 0);
    await screenshot(visitor, 'sign-up-closed');
    await visitor.context().close();
    await admin.context().close();
  });
});
