import { type ChildProcess, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase } from '../server/src/db/database.ts';

/** Helpers the server benchmarks share: child processes, CPU readings, databases, profiles. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.send('stop');
  });
}

/**
 * CPU milliseconds used so far by the embedded PostgreSQL's server processes (the postmaster's
 * children: backends, writers, and those that have exited, which the postmaster's cutime and cstime
 * hold), read from /proc around each load.
 */
export function postgresCpu(pgData: string): () => number | undefined {
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return () => {
    let postmaster: string | undefined;
    try {
      postmaster = readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0];
    } catch {
      return undefined;
    }
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, … utime (14),
      // stime (15), cutime (16), cstime (17). The postmaster's cutime and cstime hold what its exited
      // children used (backends and autovacuum workers come and go), so the sum never goes down.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (pid === postmaster) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (1000 * ticks) / ticksPerSecond;
  };
}

export async function dropDatabase(serverUrl: string, databaseUrl: string) {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(new URL(databaseUrl).pathname.slice(1))} with (force)`);
  } finally {
    await client.end();
  }
}

/** Self time by package and by function, from the V8 profile the Surplus server wrote on exit. */
export async function summariseProfile(dir: string) {
  type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
  const [file] = await readdir(dir);
  if (!file) return;
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)?.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    // Idle is the time the server waited for work, including the other target's rounds: leave it out.
    if (!frame || frame.functionName === '(idle)') return;
    total += us;
    const url = frame.url.replace(/^file:\/\//, '');
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/server/src/') ? 'surplus' : url ? 'node' : frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const key = `${frame.functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`)
      .join('\n');
  console.log(`CPU profile of the Surplus server (${(total / 1e6).toFixed(1)} s busy), self time by package:\n${top(byPackage, 12)}`);
  console.log(`by function:\n${top(byFunction, 25)}`);
}

/**
 * CPU milliseconds (user + system) a benchmark's server process has used so far: it answers the
 * message 'cpu' with `{ cpu: process.cpuUsage() }`.
 */
export function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const cpu = (message as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      child.off('message', onMessage);
      resolve((cpu.user + cpu.system) / 1000);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}
