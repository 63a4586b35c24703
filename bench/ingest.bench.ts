/**
 * `ingest`: 1,000,000 traffic samples through `POST /api/v1/usage/traffic` (JSON lines, in batches,
 * over HTTP, authenticated as an operator) against a raw `COPY … FROM STDIN` of the same rows into
 * the same table, measured in the same run on the same PostgreSQL.
 *
 *   npm run bench -- ingest [--samples 1000000] [--batch 100000] [--servers 1000] [--rounds 2] [--csv]
 *
 * Between runs the samples and their sums are truncated, so every run starts from the same empty
 * table (and the same primary-key index). The order of the runs flips every round. With --csv the
 * API also runs with CSV bodies (a figure, not the goal). With TEST_DATABASE_URL it uses that server.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApp, createServices, type SurplusConfig } from '../server/src/app.ts';
import { ensureDatabase, migrateAll } from '../server/src/db/bootstrap.ts';
import { createDb } from '../server/src/db/database.ts';
import { startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import { copyIn } from '../server/src/metering/copy-in.ts';
import { testConfig } from '../server/test/harness.ts';
import { cpuOf, dropDatabase, postgresCpu } from './support.ts';

type Run = 'api' | 'copy' | 'csv' | 'binary';
const self = fileURLToPath(import.meta.url);

export default async function ingestBenchmark(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      samples: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '100000' },
      servers: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '2' },
      csv: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const sampleCount = Number(values.samples);
  const batchSize = Number(values.batch);
  const serverCount = Number(values.servers);
  const rounds = Number(values.rounds);

  const tmp = await mkdtemp(join(tmpdir(), 'surplus-bench-ingest-'));
  const server = process.env.TEST_DATABASE_URL
    ? { url: process.env.TEST_DATABASE_URL, stop: async () => {} }
    : await startEmbeddedPostgres(join(tmp, 'data'), () => {});
  const databaseUrl = await ensureDatabase(server.url, `surplus_bench_${randomBytes(4).toString('hex')}`);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  try {
    await migrateAll(pool, () => {});
    const db = createDb(pool);
    const { token, servers } = await seed(pool, db, serverCount);

    // The same samples three ways: JSON lines and CSV bodies for the API, COPY text for the baseline.
    const started = performance.now();
    const ndjson: Buffer[] = [];
    const csv: Buffer[] = [];
    const copyText: Buffer[] = [];
    const copyBinary: Buffer[] = [COPY_BINARY_HEADER];
    const base = Date.UTC(2026, 0, 1);
    for (let from = 0; from < sampleCount; from += batchSize) {
      const json: string[] = [];
      const rows: string[] = ['id,server,time,bytes_in,bytes_out'];
      const copy: string[] = [];
      for (let i = from; i < Math.min(from + batchSize, sampleCount); i++) {
        const target = servers[i % servers.length] as { id: string; projectId: string };
        const hour = Math.floor(i / servers.length);
        const time = new Date(base + hour * 3_600_000).toISOString();
        const id = `s${i}`;
        const bytesIn = (i * 7919) % 1_000_000_007;
        const bytesOut = (i * 104_729) % 10_000_000_019;
        json.push(`{"id":"${id}","server":"${target.id}","time":"${time}","bytes_in":${bytesIn},"bytes_out":${bytesOut}}`);
        rows.push(`${id},${target.id},${time},${bytesIn},${bytesOut}`);
        copy.push(`${target.projectId}\t${id}\t${target.id}\t\\N\t${time}\t${bytesIn}\t${bytesOut}`);
      }
      ndjson.push(Buffer.from(`${json.join('\n')}\n`));
      csv.push(Buffer.from(`${rows.join('\n')}\n`));
      copyText.push(Buffer.from(`${copy.join('\n')}\n`));
      copyBinary.push(binaryRows(servers, from, Math.min(from + batchSize, sampleCount), base));
    }
    const megabytes = (list: Buffer[]) => list.reduce((sum, b) => sum + b.length, 0) / 1024 / 1024;
    console.log(
      `generated ${sampleCount} samples for ${servers.length} servers in ${Math.round(performance.now() - started)} ms: ` +
        `${ndjson.length} batches, ${megabytes(ndjson).toFixed(0)} MB JSON lines, ${megabytes(csv).toFixed(0)} MB CSV, ${megabytes(copyText).toFixed(0)} MB COPY text`,
    );

    // Surplus runs in its own process, as in production: this one only sends the bodies.
    const profileDir = values['cpu-prof'] ?? null;
    const child = fork(self, ['serve', databaseUrl], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message) => resolve(`${(message as { url: string }).url}/api/v1/usage/traffic`));
      child.once('exit', (code) => reject(new Error(`the Surplus server exited (${code}) before listening`)));
    });
    const serverCpuMs = () => cpuOf(child);

    const truncate = () => pool.query('truncate traffic_samples, traffic_daily, traffic_monthly');
    const check = async () => {
      const { rows } = await pool.query<{ n: string; summed: string | null }>(
        'select (select count(*) from traffic_samples) as n, (select sum(samples) from traffic_daily) as summed',
      );
      return { stored: Number(rows[0]?.n), summed: Number(rows[0]?.summed ?? 0) };
    };
    const runs: Run[] = values.csv ? ['copy', 'binary', 'api', 'csv'] : ['copy', 'binary', 'api'];
    const rates: Record<Run, number[]> = { api: [], copy: [], csv: [], binary: [] };
    const cpuPerRow: Record<Run, { nodeUs: number; pgUs: number | null }[]> = { api: [], copy: [], csv: [], binary: [] };
    const pgCpu = process.env.TEST_DATABASE_URL ? null : postgresCpu(join(tmp, 'data', 'pg'));
    for (let round = 1; round <= rounds; round++) {
      for (const run of round % 2 === 1 ? runs : [...runs].reverse()) {
        await truncate();
        await pool.query('checkpoint');
        const cpu0 = await serverCpuMs();
        const pg0 = pgCpu?.();
        const t0 = performance.now();
        if (run === 'binary') {
          await db.transaction().execute((tx) =>
            copyIn(
              tx,
              'copy traffic_samples (project_id, sample_id, server_id, grant_id, sampled_at, bytes_in, bytes_out) from stdin (format binary)',
              (async function* () {
                yield* copyBinary;
                yield COPY_BINARY_TRAILER;
              })(),
            ),
          );
        } else if (run === 'copy') {
          // The baseline: one COPY of every row, straight into the table.
          await db.transaction().execute((tx) =>
            copyIn(
              tx,
              'copy traffic_samples (project_id, sample_id, server_id, grant_id, sampled_at, bytes_in, bytes_out) from stdin',
              (async function* () {
                yield* copyText;
              })(),
            ),
          );
        } else {
          for (const body of run === 'api' ? ndjson : csv) {
            const response = await fetch(url, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': run === 'api' ? 'application/x-ndjson' : 'text/csv' },
              body: body as Uint8Array<ArrayBuffer>,
            });
            const answer = await response.text();
            if (response.status !== 200) throw new Error(`the API answered ${response.status}: ${answer.slice(0, 500)}`);
          }
        }
        const seconds = (performance.now() - t0) / 1000;
        const pg1 = pgCpu?.();
        const nodeUs = run === 'copy' || run === 'binary' ? 0 : (((await serverCpuMs()) - cpu0) * 1000) / sampleCount;
        const pgUs = pg0 !== undefined && pg1 !== undefined ? ((pg1 - pg0) * 1000) / sampleCount : null;
        cpuPerRow[run].push({ nodeUs, pgUs });
        const { stored, summed } = await check();
        if (stored !== sampleCount) throw new Error(`${run} stored ${stored} samples, not ${sampleCount}`);
        if ((run === 'api' || run === 'csv') && summed !== sampleCount)
          throw new Error(`${run}: the daily sums count ${summed} samples, not ${sampleCount}`);
        rates[run].push(sampleCount / seconds);
        console.log(
          `round ${round} ${run.padEnd(4)} ${seconds.toFixed(2)} s  ${Math.round(sampleCount / seconds)} rows/s  CPU per row: Surplus ${nodeUs.toFixed(2)} µs${pgUs === null ? '' : `, PostgreSQL ${pgUs.toFixed(2)} µs`}`,
        );
      }
    }
    // Sending a stored batch again stores nothing and takes the staging path.
    const t0 = performance.now();
    const again = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: ndjson[0] as Uint8Array<ArrayBuffer>,
    });
    const resent = (await again.json()) as { stored: number; duplicates: number };
    const resendMs = performance.now() - t0;
    if (resent.stored !== 0) throw new Error(`a resent batch stored ${resent.stored} samples`);
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.send('stop');
    });

    const mean = (list: number[]) => list.reduce((sum, value) => sum + value, 0) / list.length;
    return {
      ratio: mean(rates.api) / mean(rates.copy),
      rows_per_s: Math.round(mean(rates.api)),
      copy_rows_per_s: Math.round(mean(rates.copy)),
      ...(values.csv ? { csv_rows_per_s: Math.round(mean(rates.csv)), csv_ratio: mean(rates.csv) / mean(rates.copy) } : {}),
      surplus_cpu_us_per_row: round2(mean(cpuPerRow.api.map((c) => c.nodeUs))),
      pg_cpu_us_per_row: meanOrNa(cpuPerRow.api.map((c) => c.pgUs)),
      copy_pg_cpu_us_per_row: meanOrNa(cpuPerRow.copy.map((c) => c.pgUs)),
      binary_copy_rows_per_s: Math.round(mean(rates.binary)),
      binary_ratio: mean(rates.api) / mean(rates.binary),
      binary_pg_cpu_us_per_row: meanOrNa(cpuPerRow.binary.map((c) => c.pgUs)),
      resend_batch_ms: Math.round(resendMs),
      samples: sampleCount,
      batch: batchSize,
      servers: servers.length,
      rounds,
    };
  } finally {
    await pool.end();
    await dropDatabase(server.url, databaseUrl).catch(() => {});
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

const COPY_BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** The same rows in PostgreSQL's binary COPY format (a second baseline: what COPY costs without parsing text). */
function binaryRows(servers: { id: string; projectId: string }[], from: number, to: number, base: number): Buffer {
  const uuid = (text: string) => Buffer.from(text.replaceAll('-', ''), 'hex');
  const out = Buffer.alloc((to - from) * 140);
  let at = 0;
  const int64 = (value: number) => {
    out.writeInt32BE(8, at);
    out.writeBigInt64BE(BigInt(value), at + 4);
    at += 12;
  };
  for (let i = from; i < to; i++) {
    const target = servers[i % servers.length] as { id: string; projectId: string };
    const hour = Math.floor(i / servers.length);
    const id = Buffer.from(`s${i}`);
    out.writeInt16BE(7, at);
    at += 2;
    out.writeInt32BE(16, at);
    uuid(target.projectId).copy(out, at + 4);
    at += 20;
    out.writeInt32BE(id.length, at);
    id.copy(out, at + 4);
    at += 4 + id.length;
    out.writeInt32BE(16, at);
    uuid(target.id).copy(out, at + 4);
    at += 20;
    out.writeInt32BE(-1, at);
    at += 4;
    int64((base + hour * 3_600_000 - PG_EPOCH_MS) * 1000);
    int64((i * 7919) % 1_000_000_007);
    int64((i * 104_729) % 10_000_000_019);
  }
  return out.subarray(0, at);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function meanOrNa(values: (number | null)[]): number | string {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? round2(known.reduce((sum, value) => sum + value, 0) / known.length) : 'n/a';
}

/** An operator with an API token, and projects with servers (two per project) to report for. */
async function seed(pool: pg.Pool, db: ReturnType<typeof createDb>, serverCount: number) {
  const { accounts } = createServices(db, config());
  const email = 'operator@example.org';
  const session = await accounts.signUp(
    { actor: null, requestId: null },
    { email, name: 'Operator', password: 'bench-password-1' },
    '127.0.0.1',
  );
  await pool.query(`update users set roles = '{operator}' where id = $1`, [session.user.id]);
  const actor = {
    userId: session.user.id,
    email,
    name: 'Operator',
    roles: ['operator' as const],
    githubLogin: null,
    via: 'token' as const,
  };
  const { secret } = await accounts.createToken({ actor, requestId: null }, { name: 'bench' });
  const projectCount = Math.ceil(serverCount / 2);
  await pool.query(
    `insert into projects (slug, name, repository_host, repository_owner, repository_name, license_expression, is_osi_approved,
       description_md, description_html)
     select 'cdn-' || i, 'CDN ' || i, 'github.com', 'cdn', 'repo-' || i, 'MIT', true, '', '' from generate_series(1, $1::int) as i`,
    [projectCount],
  );
  await pool.query(
    `insert into servers (project_id, hostname, plan_slug, metro_code, os_slug, state)
     select p.id, 'edge-' || p.slug || '-' || n, 'c3.small.x86', 'da', 'ubuntu_22_04', 'active'
     from projects p cross join generate_series(1, 2) as n where p.slug like 'cdn-%'`,
  );
  const { rows } = await pool.query<{ id: string; project_id: string }>('select id, project_id from servers order by hostname limit $1', [
    serverCount,
  ]);
  await pool.query('vacuum analyze');
  return { token: secret, servers: rows.map((row) => ({ id: row.id, projectId: row.project_id })) };
}

function config(): SurplusConfig {
  return testConfig({ publicUrl: 'http://127.0.0.1', version: 'bench', logger: false });
}

/** The Surplus server's process: the real app on a port, answering 'cpu' with its CPU time. */
async function serve(databaseUrl: string) {
  // Connections stay open for the whole run: a backend that exits takes its CPU time out of /proc.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 0 });
  pool.on('error', () => {});
  const { app } = await createApp(createDb(pool), config());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', async (message) => {
    if (message === 'cpu') {
      process.send?.({ cpu: process.cpuUsage() });
      return;
    }
    await app.close();
    await pool.end();
    process.exit(0);
  });
  // The benchmark failed or was interrupted: do not outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: address });
}

if (process.argv[1] === self && process.argv[2] === 'serve') await serve(process.argv[3] as string);
