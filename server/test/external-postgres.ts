import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/db/embedded-postgres.ts';

const run = promisify(execFile);

/**
 * Starts a PostgreSQL server from the machine's own (Debian) binaries, separate from the embedded
 * one, so tests can prove that Surplus works on any server given by DATABASE_URL.
 */
export async function startExternalPostgres(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = findBin();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql; install the Debian package "postgresql"');
  await mkdir(dir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  let account: { uid: number; gid: number } | undefined;
  if (isRoot) {
    account = { uid: Number((await run('id', ['-u', 'postgres'])).stdout), gid: Number((await run('id', ['-g', 'postgres'])).stdout) };
    await chmod(dir, 0o777);
  }
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, 'external\n', { mode: 0o644 });
  const options = { ...account, env: { ...process.env, LC_ALL: 'C' } };
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'surplus_ext', '--pwfile', pwfile, '--auth', 'scram-sha-256', '--encoding=UTF8', '--locale=C'],
    options,
  );
  const port = await freePort();
  await run(
    join(bin, 'pg_ctl'),
    [
      'start',
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c fsync=off -c TimeZone=UTC`,
    ],
    options,
  );
  return {
    url: `postgres://surplus_ext:external@127.0.0.1:${port}/postgres`,
    async stop() {
      await run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w'], options);
    },
  };
}

function findBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(base, version, 'bin')).find((bin) => existsSync(join(bin, 'pg_ctl')));
}
