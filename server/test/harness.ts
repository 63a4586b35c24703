import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { CRONTAB, createApp, jobHandlers, type Services, type SurplusConfig } from '../src/app.ts';
import { createDb, createPool, type Db } from '../src/db/database.ts';
import type { Role } from '../src/http/context.ts';
import type { App } from '../src/http/server.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { createTestDatabase, dropTestDatabase } from './template.ts';

export type Response = { status: number; body: any; headers: Record<string, string | string[] | undefined> };

export type TestApp = {
  app: App;
  services: Services;
  db: Db;
  /** Where workflow bookkeeping goes, as main.ts sets it up: commits that do not wait for the disk (decision 0014). */
  bookkeepingDb: Db;
  databaseUrl: string;
  /** Calls the API in-process; `as` is an API token (or omitted for an anonymous call). */
  call(
    method: string,
    url: string,
    options?: { as?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<Response>;
  /** A signed-up user with an API token; `isEmailVerified: false` leaves the address unproven. */
  user(options?: {
    roles?: Role[];
    email?: string;
    name?: string;
    password?: string;
    githubLogin?: string;
    isEmailVerified?: boolean;
  }): Promise<TestUser>;
  project(owner: TestUser, overrides?: Record<string, unknown>): Promise<any>;
  runJobs(): Promise<void>;
};

export type TestUser = { id: string; email: string; password: string; token: string; name: string };

export function testConfig(overrides: Partial<SurplusConfig> = {}): SurplusConfig {
  return {
    publicUrl: 'http://surplus.test',
    secretKey: randomBytes(32),
    cookieSecret: randomBytes(16).toString('hex'),
    isSecureCookie: false,
    webDir: null,
    logger: false,
    oidc: null,
    github: null,
    mail: { smtpUrl: null, from: 'Surplus <surplus@test>' },
    version: 'test',
    hasMetrics: true,
    ...overrides,
  };
}

/**
 * Builds Surplus in-process on a fresh copy of the migrated template database (one per test file,
 * so files run in parallel without sharing rows). Closed automatically after the file's tests.
 */
export async function createTestApp(overrides: Partial<SurplusConfig> & { hasCaches?: boolean } = {}): Promise<TestApp> {
  const serverUrl = process.env.SURPLUS_TEST_PG;
  if (!serverUrl) throw new Error('SURPLUS_TEST_PG is not set: run medium tests through `npm run test:medium`');
  const databaseUrl = await createTestDatabase(serverUrl);
  const pool = createPool(databaseUrl, 10);
  const db = createDb(pool);
  const bookkeepingPool = createPool(databaseUrl, 2, { isCommitWaitingForDisk: false });
  const bookkeepingDb = createDb(bookkeepingPool);
  // The in-process caches (bearer tokens, projects pages; decision 0007) learn of changes made
  // straight in the database from a notification, shortly after: tests that change rows by SQL and
  // call the API at once would race them, so they are on only where a test asks for them
  // (token-cache.test.ts, project-page-cache.test.ts).
  const { hasCaches, ...config } = overrides;
  const { app, services } = await createApp(db, testConfig({ ...(hasCaches ? { databaseUrl } : {}), bookkeepingDb, ...config }));
  await app.ready();
  let counter = 0;

  after(async () => {
    await app.close();
    await pool.end();
    await bookkeepingPool.end();
    await dropTestDatabase(serverUrl, databaseUrl);
  });

  const call: TestApp['call'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.as) headers.authorization = `Bearer ${options.as}`;
    let payload: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url, headers, payload });
    let body: unknown = response.body;
    try {
      body = response.body ? JSON.parse(response.body) : null;
    } catch {}
    return { status: response.statusCode, body, headers: response.headers as Response['headers'] };
  };

  const user: TestApp['user'] = async (options = {}) => {
    counter++;
    const email = options.email ?? `user${counter}-${randomBytes(4).toString('hex')}@example.org`;
    const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
    const name = options.name ?? `User ${counter}`;
    const session = await services.accounts.signUp(
      { actor: null, requestId: null },
      { email, name, password },
      `10.9.${counter % 250}.${counter % 250}`,
    );
    if (options.roles?.length) await db.updateTable('users').set({ roles: options.roles }).where('id', '=', session.user.id).execute();
    if (options.githubLogin)
      await db.updateTable('users').set({ github_login: options.githubLogin }).where('id', '=', session.user.id).execute();
    if (options.isEmailVerified ?? true) {
      // Most tests want an ordinary, trusted user. Their sign-up's verification email goes too, so a
      // test that counts someone's emails counts only the ones it caused (its job then finds nothing).
      await db.updateTable('users').set({ email_verified_at: new Date() }).where('id', '=', session.user.id).execute();
      await db.deleteFrom('email_verifications').where('user_id', '=', session.user.id).execute();
      await db
        .deleteFrom('emails')
        .where('to_address', '=', email)
        .where('subject', '=', 'Confirm your email address for Surplus')
        .execute();
    }
    const actor = {
      userId: session.user.id,
      email,
      name,
      roles: options.roles ?? [],
      githubLogin: options.githubLogin ?? null,
      via: 'token' as const,
    };
    const { secret } = await services.accounts.createToken({ actor, requestId: null }, { name: 'test' });
    return { id: session.user.id, email, password, token: secret, name };
  };

  const project: TestApp['project'] = async (owner, overrides = {}) => {
    counter++;
    const response = await call('POST', '/api/v1/projects', {
      as: owner.token,
      body: {
        name: `Project ${counter} ${randomBytes(3).toString('hex')}`,
        repository_url: `https://github.com/example/p${counter}`,
        license: 'Apache-2.0',
        ...overrides,
      },
    });
    if (response.status !== 201) throw new Error(`project factory: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  const runJobs = async () => {
    const runner = await startWorker({ pool, handlers: jobHandlers(services), crontab: CRONTAB, concurrency: 1, log: () => {} });
    // Wait until the queue holds nothing runnable or running, then stop: a job that is running (locked)
    // may still enqueue the next step (servers_reap enqueues server_deprovision), which this run must do too.
    for (let i = 0; i < 100; i++) {
      const { rows } = await sql<{
        n: string;
      }>`select count(*) as n from graphile_worker.jobs where run_at <= now() and attempts < max_attempts`.execute(db);
      if (Number(rows[0]?.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await runner.stop();
  };

  return { app, services, db, bookkeepingDb, databaseUrl, call, user, project, runJobs };
}

/**
 * A second connection to the test app's database, as another Surplus process or an operator's SQL
 * session would hold, for changes the app must learn of from PostgreSQL's notifications.
 */
export async function otherConnection(t: TestApp): Promise<pg.Client> {
  const other = new pg.Client({ connectionString: t.databaseUrl });
  // The harness drops the database (ending this connection) before the file's own after hook runs.
  other.on('error', () => {});
  await other.connect();
  after(() => other.end());
  return other;
}

/** Polls until `check` holds, for up to 10 s: notifications arrive shortly after another connection commits. */
export async function eventually(what: string, check: () => Promise<boolean>) {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`never: ${what}`);
}
