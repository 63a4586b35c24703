#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { LoginBody } from './accounts/accounts.schemas.ts';
import { MIN_PASSWORD_LENGTH } from './accounts/passwords.ts';
import { CRONTAB, createApp, jobHandlers, type SurplusConfig } from './app.ts';
import { createBootServer } from './boot/boot.server.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { ensureDatabase, migrateAll } from './db/bootstrap.ts';
import { createDb, createPool } from './db/database.ts';
import { startEmbeddedPostgres } from './db/embedded-postgres.ts';
import { setUpDemo } from './demo/demo.service.ts';
import { startWorker } from './jobs/worker.ts';
import { acceleratorSetting } from './providers/lab/accelerator.ts';
import { isQemuAvailable, LabPool } from './providers/lab/lab-pool.ts';

const startedAt = performance.now();
const env = process.env;
const port = Number(env.PORT ?? 8080);
const host = env.HOST ?? '127.0.0.1';
const dataDir = resolve(env.SURPLUS_DATA_DIR ?? './data');
const publicUrl = env.SURPLUS_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const logLevel = env.SURPLUS_LOG_LEVEL ?? 'info';
const isWorkerInProcess = env.SURPLUS_WORKER !== 'off';
const bootPort = Number(env.SURPLUS_BOOT_PORT ?? port + 1);
const bootHost = env.SURPLUS_BOOT_HOST ?? host;
const bootUrl = env.SURPLUS_BOOT_URL ?? `http://${bootHost.includes(':') ? `[${bootHost}]` : bootHost}:${bootPort}`;
// Lab guests use QEMU's user-mode network, where the host's loopback is 10.0.2.2.
const labBootUrl = `http://10.0.2.2:${bootPort}`;

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
  // Workflow bookkeeping commits without waiting for the disk (decision 0014).
  const bookkeepingPool = createPool(databaseUrl, 4, { isCommitWaitingForDisk: false });
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
    databaseUrl,
    bookkeepingDb: createDb(bookkeepingPool),
    provisioning: {
      bootUrl,
      bootTimeoutSeconds: Number(env.SURPLUS_BOOT_TIMEOUT_S ?? 600),
      stepTimeoutMs: Number(env.SURPLUS_BMC_STEP_TIMEOUT_MS ?? 60_000),
      operatorTimeoutSeconds: Number(env.SURPLUS_OPERATOR_TIMEOUT_S ?? 86_400),
      labSshHost: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
    },
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

  const lab = await startLab(services, config.secretKey);
  const bootServer = await createBootServer({
    bootUrl,
    labBootUrl,
    artifactsDir: join(dataDir, 'os'),
    logger,
    servers: services.servers,
    serversRepository: services.serversRepository,
    catalog: services.catalog,
    db,
  });
  await bootServer.listen({ port: bootPort, host: bootHost });
  const demoProject =
    admin && lab
      ? await setUpDemo(services, admin.email, lab.count).catch((error) => log.error({ err: error }, 'demo set-up failed'))
      : null;

  const worker = isWorkerInProcess
    ? await startWorker({
        pool,
        handlers: jobHandlers(services),
        crontab: CRONTAB,
        concurrency: Number(env.SURPLUS_WORKER_CONCURRENCY ?? 4),
        log: (m) => log.info(m),
        // With one worker process per database (the default), jobs still locked at start-up belong to a process
        // that died (kill -9, power loss); without this, a provision cut short waits hours for the lock to expire.
        // Several worker processes on one database: SURPLUS_WORKER_RECOVER=off (another's locks are live).
        recoverLockedJobs: env.SURPLUS_WORKER_RECOVER !== 'off',
      })
    : null;

  await app.listen({ port, host });
  say(
    `Surplus is ready at ${publicUrl} (${Math.round(performance.now() - startedAt)} ms; data in ${dataDir}${embedded ? ', embedded PostgreSQL' : ''})`,
  );
  say(
    `Boot and metadata service for the provisioning network at ${bootUrl}${lab ? ` (lab: ${lab.count} QEMU machine(s), ${labBootUrl})` : ''}`,
  );
  if (!lab)
    say('No lab pool (set SURPLUS_LAB_MACHINES=N with QEMU installed), so enroll hardware under Admin → Inventory to provision servers.');
  if (demoProject) say(`Demo: project "${demoProject}" has a grant for lab machines; create a server from its page.`);
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
      await bootServer.close();
      await worker?.stop();
      // After the last job: log out of the BMC sessions kept between calls.
      await services.registry.close();
      await lab?.pool.stop();
      await pool.end();
      await bookkeepingPool.end();
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

/**
 * The lab pool: SURPLUS_LAB_MACHINES=N runs N QEMU machines; unset, the first start on a host with
 * QEMU sets up 2 and later starts keep the remembered number (0 turns it off).
 */
async function startLab(services: Awaited<ReturnType<typeof createApp>>['services'], secretKey: Buffer) {
  const countFile = join(dataDir, 'lab-machines');
  const remembered = await readFile(countFile, 'utf8').then(Number, () => null);
  const isFirstStart = remembered === null && (await services.db.selectFrom('machines').select('id').limit(1).execute()).length === 0;
  const count =
    env.SURPLUS_LAB_MACHINES !== undefined ? Number(env.SURPLUS_LAB_MACHINES) : (remembered ?? (isFirstStart && isQemuAvailable() ? 2 : 0));
  if (!Number.isInteger(count) || count <= 0) return null;
  if (!isQemuAvailable()) {
    log.warn('SURPLUS_LAB_MACHINES is set but qemu-system-x86_64 is not installed; no lab pool');
    return null;
  }
  await writeFile(countFile, `${count}\n`);
  const imageDir = join(dataDir, 'os', 'lab_live');
  if (!existsSync(join(imageDir, 'initrd.gz'))) {
    log.info('building the lab image (server/lab/build-image.sh)');
    await promisify(execFile)('bash', [new URL('../lab/build-image.sh', import.meta.url).pathname, imageDir]);
  }
  const pool = new LabPool({
    dataDir,
    secrets: new SecretBox(secretKey),
    bootUrl: `${labBootUrl}/boot/ipxe?mac={mac}`,
    accelerator: acceleratorSetting(env.SURPLUS_LAB_ACCELERATOR),
    log: (line) => log.info(line),
  });
  await pool.start(count);
  await services.inventory.syncLab(pool.enrollments());
  return { pool, count };
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
