import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { type OidcProviderFixture, startOidcProvider } from '../server/test/fixtures/oidc-provider.ts';
import { createTestDatabase, dropTestDatabase } from '../server/test/template.ts';

const root = new URL('..', import.meta.url).pathname;
const account = {
  sub: 'e2e-ada',
  username: 'ada',
  password: 'correct horse battery staple',
  email: 'ada@idp.example',
  isEmailVerified: true,
  name: 'Ada Lovelace',
};

let provider: OidcProviderFixture;
let server: ChildProcess;
let browser: Browser;
let baseUrl: string;
// Undone in reverse order after the tests, including when start-up fails half-way.
const cleanUps: (() => Promise<unknown>)[] = [];

before(async () => {
  const serverUrl = process.env.SURPLUS_TEST_PG;
  if (!serverUrl) throw new Error('SURPLUS_TEST_PG is not set: run through `npm run test:e2e`');
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider({ redirectUris: [`${baseUrl}/api/v1/auth/oidc/callback`], accounts: [account] });
  cleanUps.push(() => provider.stop());
  const databaseUrl = await createTestDatabase(serverUrl);
  cleanUps.push(() => dropTestDatabase(serverUrl, databaseUrl));
  const dataDir = await mkdtemp(join(tmpdir(), 'surplus-e2e-oidc-'));
  cleanUps.push(() => rm(dataDir, { recursive: true, force: true }));
  server = spawn(process.execPath, [join(root, 'server/src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SURPLUS_DATA_DIR: dataDir,
      SURPLUS_PUBLIC_URL: baseUrl,
      SURPLUS_LOG_LEVEL: 'warn',
      SURPLUS_OIDC_ISSUER: provider.issuer,
      SURPLUS_OIDC_CLIENT_ID: provider.clientId,
      SURPLUS_OIDC_CLIENT_SECRET: provider.clientSecret,
      SURPLUS_OIDC_NAME: 'Test IdP',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanUps.push(async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Surplus is ready at')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${output}`)));
  });

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });

  cleanUps.push(() => browser.close());
});

after(async () => {
  for (const cleanUp of cleanUps.reverse()) await cleanUp();
});

describe('sign in through the OpenID Connect provider in a browser', () => {
  it('goes from the sign-in page to the provider and comes back signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    const button = page.getByRole('link', { name: 'Continue with Test IdP' });
    // The web sign-in page offers the configured provider; before the web UI has it, start directly.
    const hasButton = await button
      .waitFor({ timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (hasButton) await button.click();
    else await page.goto(`${baseUrl}/api/v1/auth/oidc/start?return_to=/projects`);

    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/**`);

    const me = await page.evaluate(async () => {
      const response = await fetch('/api/v1/me');
      return { status: response.status, body: await response.json() };
    });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user.email, account.email);
    assert.equal(me.body.user.name, account.name);
    assert.deepEqual(
      me.body.identities.map((identity: { provider: string; login: string }) => [identity.provider, identity.login]),
      [['oidc', account.username]],
    );
    if (hasButton) await page.getByText(account.name).first().waitFor();
    assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `still on the sign-in page: ${page.url()}`);
    await context.close();
  });

  it('shows the reason on the sign-in page when the person cancels at the provider', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/api/v1/auth/oidc/start`);
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${baseUrl}/login?**`);
    assert.match(new URL(page.url()).searchParams.get('error') ?? '', /access_denied/);
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);
    await context.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
