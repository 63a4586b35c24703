import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

// bigint columns (audit ids, byte counters) come back as strings; keep them exact rather than lossy.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
// Calendar dates (grant end dates, review dates) stay 'YYYY-MM-DD': a Date would shift them by time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Kysely<Database>;

export function createPool(url: string, max = 20): pg.Pool {
  // Dates are UTC everywhere: the application computes them with toISOString(), so PostgreSQL's
  // current_date and date casts must not follow the server's or the machine's time zone.
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, options: '-c TimeZone=UTC' });
  // An idle client losing its connection (e.g. PostgreSQL restarting) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Replaces the database name in a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
