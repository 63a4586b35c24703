#!/usr/bin/env node
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { LoginBody } from './accounts/accounts.schemas.ts';
import { MIN_PASSWORD_LENGTH } from './accounts/passwords.ts';
import { CRONTAB, createApp, jobHandlers, type SurplusConfig } from './app.ts';
import { ensureDatabase, migrateAll } from './db/bootstrap.ts';
import { createDb, createPool } from './db/database.ts';
import { startEmbeddedPostgres } from './db/embedded-postgres.ts';
import { startWorker } from './jobs/worker.ts';

const startedAt = performance.now();
const env = process.env;
const port = Number(env.PORT ?? 8080);
const host = env.HOST ?? '127.0.0.1';
const dataDir = resolve(env.SURPLUS_DATA_DIR ?? './data');
const publicUrl = env.SURPLUS_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const logLevel = env.SURPLUS_LOG_LEVEL ?? 'info';
const isWorkerInProcess = env.SURPLUS_WORKER !== 'off';

// Logs never carry credentials: request logs hold method, URL and status only, and these paths are
// redacted wherever an object that could hold them is logged.
// Query strings are dropped from request logs: invitation links and SSO callbacks carry tokens there.
const logger = {
  level: logLevel,
  redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.token'],
  serializers: {
    req: (request: { method: string; url: string; ip?: string }) => ({
      method: request.method,
      url: request.url.split('?')[0],
      remoteAddress: request.ip,
    }),
  },
};
const log = pino(logger);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secretKey = await loadSecretKey();

  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(dataDir, (message) => log.info(message));
    databaseUrl = await ensureDatabase(embedded.url, 'surplus');
  }
  const pool = createPool(databaseUrl, Number(env.SURPLUS_DB_POOL ?? 20));
  await migrateAll(pool, (message) => log.info(message));
  const db = createDb(pool);

  const config: SurplusConfig = {
    publicUrl,
    secretKey,
    cookieSecret: createHmac('sha256', secretKey).update('cookie-signing').digest('base64url'),
    isSecureCookie: publicUrl.startsWith('https://'),
    webDir: resolve(new URL('../../web/dist', import.meta.url).pathname),
    logger,
    oidc: env.SURPLUS_OIDC_ISSUER
      ? {
          issuerUrl: env.SURPLUS_OIDC_ISSUER,
          clientId: required('SURPLUS_OIDC_CLIENT_ID'),
          clientSecret: required('SURPLUS_OIDC_CLIENT_SECRET'),
          displayName: env.SURPLUS_OIDC_NAME ?? 'single sign-on',
        }
      : null,
    github: env.SURPLUS_GITHUB_CLIENT_ID
      ? {
          clientId: env.SURPLUS_GITHUB_CLIENT_ID,
          clientSecret: required('SURPLUS_GITHUB_CLIENT_SECRET'),
          webUrl: env.SURPLUS_GITHUB_URL ?? 'https://github.com',
          apiUrl: env.SURPLUS_GITHUB_API_URL ?? 'https://api.github.com',
        }
      : null,
    mail: { smtpUrl: env.SURPLUS_SMTP_URL ?? null, from: env.SURPLUS_MAIL_FROM ?? 'Surplus <surplus@localhost>' },
    githubApi: {
      url: env.SURPLUS_GITHUB_API_URL ?? 'https://api.github.com',
      token: env.SURPLUS_GITHUB_TOKEN ?? null,
      botLogin: env.SURPLUS_GITHUB_BOT_LOGIN ?? null,
    },
    version: JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version,
    hasMetrics: true,
  };
  const { app, services } = await createApp(db, config);
  const adminEmail = env.SURPLUS_ADMIN_EMAIL ?? 'admin@surplus.local';
  // The same rules as sign-in: an admin address sign-in would refuse could never be used.
  const emailCheck = LoginBody.shape.email.safeParse(adminEmail);
  if (!emailCheck.success)
    throw new Error(`SURPLUS_ADMIN_EMAIL "${adminEmail}" is not an address sign-in accepts: ${emailCheck.error.issues[0]?.message}`);
  if (env.SURPLUS_ADMIN_PASSWORD !== undefined && env.SURPLUS_ADMIN_PASSWORD.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`SURPLUS_ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const admin = await services.accounts.ensureFirstAdmin(adminEmail, env.SURPLUS_ADMIN_PASSWORD);

  const worker = isWorkerInProcess
    ? await startWorker({
        pool,
        handlers: jobHandlers(services),
        crontab: CRONTAB,
        concurrency: Number(env.SURPLUS_WORKER_CONCURRENCY ?? 4),
        log: (m) => log.info(m),
      })
    : null;

  await app.listen({ port, host });
  say(
    `Surplus is ready at ${publicUrl} (${Math.round(performance.now() - startedAt)} ms; data in ${dataDir}${embedded ? ', embedded PostgreSQL' : ''})`,
  );
  if (admin) {
    say(`First start: sign in as ${admin.email}${admin.password ? ` with password ${admin.password}` : ' with SURPLUS_ADMIN_PASSWORD'}`);
    if (admin.password) say('Change this password after signing in (Profile → Password).');
  }

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) {
      say(`${signal} again: exiting now`);
      process.exit(1);
    }
    isStopping = true;
    say(`${signal}: finishing in-flight requests and jobs, then stopping`);
    try {
      await app.close();
      await worker?.stop();
      await pool.end();
      await embedded?.stop();
      say('Surplus stopped cleanly.');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'unclean stop');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

/**
 * The key that protects secrets at rest and signs cookies: SURPLUS_SECRET_KEY, or a random one kept
 * in the data directory with 0600 permissions on first start.
 */
async function loadSecretKey(): Promise<Buffer> {
  if (env.SURPLUS_SECRET_KEY) {
    const key = Buffer.from(env.SURPLUS_SECRET_KEY, /^[0-9a-f]{64}$/i.test(env.SURPLUS_SECRET_KEY) ? 'hex' : 'base64');
    if (key.length !== 32) throw new Error('SURPLUS_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
    return key;
  }
  const path = join(dataDir, 'secret.key');
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  } catch {
    const key = randomBytes(32);
    await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

main().catch((error) => {
  log.fatal({ err: error }, 'Surplus could not start');
  process.exit(1);
});
