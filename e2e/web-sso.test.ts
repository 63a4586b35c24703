/**
 * The sign-in page offers single sign-on for the providers the server is configured with, and the
 * profile offers to link them. (Signing in through a real OpenID Connect provider is e2e/oidc-*.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchBrowser, openPage, screenshot, startServer } from './harness.ts';

// GitHub is configured but never contacted here: these tests only follow links up to the server.
const server = await startServer({
  env: {
    SURPLUS_GITHUB_CLIENT_ID: 'e2e-client',
    SURPLUS_GITHUB_CLIENT_SECRET: 'e2e-secret',
    SURPLUS_GITHUB_URL: 'http://127.0.0.1:9',
  },
});
const browser = await launchBrowser();

test('the sign-in page links to GitHub sign-in, keeping where to return', async () => {
  const { page, errors } = await openPage(browser, server.url, '/projects/new');
  await page.waitForURL('**/login?next=%2Fprojects%2Fnew');
  const github = page.getByRole('link', { name: 'Continue with GitHub' });
  await github.waitFor();
  assert.equal(await github.getAttribute('href'), '/api/v1/auth/github/start?return_to=%2Fprojects%2Fnew');
  assert.equal(await page.getByRole('link', { name: /Continue with single sign-on/ }).count(), 0, 'OIDC is not configured');
  await screenshot(page, 'sign-in-sso');

  const start = await fetch(`${server.url}${await github.getAttribute('href')}`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const location = new URL(start.headers.get('location') ?? '');
  assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1:9/login/oauth/authorize');
  assert.equal(location.searchParams.get('client_id'), 'e2e-client');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the profile offers to link GitHub to the signed-in account', async () => {
  const { page, errors } = await openPage(browser, server.url, '/login');
  await page.getByLabel('Email').fill(server.admin.email);
  await page.getByLabel('Password').fill(server.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/projects');
  await page.goto('/profile');
  await page.getByText('No linked identities').waitFor();
  const link = page.getByRole('link', { name: 'Link GitHub' });
  assert.equal(await link.getAttribute('href'), '/api/v1/auth/github/start?link=true&return_to=%2Fprofile');
  await screenshot(page, 'profile');
  assert.deepEqual(errors, []);
  await page.context().close();
});
