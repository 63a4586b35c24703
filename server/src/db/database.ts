import { CompiledQuery, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

// bigint columns (audit ids, byte counters) come back as strings; keep them exact rather than lossy.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
// Calendar dates (grant end dates, review dates) stay 'YYYY-MM-DD': a Date would shift them by time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/** A timestamptz as PostgreSQL writes it, parsed as pg parses every timestamptz column. */
export const parseTimestamptz: (text: string) => Date = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Kysely<Database>;

export function createPool(url: string, max = 20, { isCommitWaitingForDisk = true }: { isCommitWaitingForDisk?: boolean } = {}): pg.Pool {
  // Dates are UTC everywhere: the application computes them with toISOString(), so PostgreSQL's
  // current_date and date casts must not follow the server's or the machine's time zone.
  // A pool whose commits do not wait for the disk (synchronous_commit off) is for workflow
  // bookkeeping only: decision 0014 says what may go through it.
  const options = isCommitWaitingForDisk ? '-c TimeZone=UTC' : '-c TimeZone=UTC -c synchronous_commit=off';
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, options });
  // An idle client losing its connection (e.g. PostgreSQL restarting) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparing(pool) }) });
}

// SQL text → statement name, for the statements declared with preparedQuery.
const statementNames = new Map<string, string>();

/**
 * A query PostgreSQL parses and plans once per connection instead of on every call (a named
 * prepared statement): for the hottest queries, where planning cost as much as running them. Each
 * name stays prepared on every pooled connection for the connection's life, so only a fixed set of
 * texts may be declared, at module level. Works in transactions like any other query.
 */
export function preparedQuery<R>(name: string, text: string): (db: Executor, values: readonly unknown[]) => Promise<R[]> {
  if ([...statementNames.values()].includes(name)) throw new Error(`prepared statement ${name} declared twice`);
  statementNames.set(text, name);
  return async (db, values) => (await db.executeQuery<R>(CompiledQuery.raw(text, [...values]))).rows;
}

/** The pool as Kysely sees it, running the texts declared with preparedQuery under their names. */
function preparing(pool: pg.Pool): PostgresPool {
  // Kysely keeps its connection objects by client, so each pg client keeps one wrapper.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        const query = (text: unknown, values?: unknown[]) => {
          const name = typeof text === 'string' ? statementNames.get(text) : undefined;
          return name ? client.query({ name, text: text as string, values }) : client.query(text as string, values);
        };
        wrapper = { query: query as unknown as PostgresPoolClient['query'], release: (destroy) => client.release(destroy) };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/** Replaces the database name in a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
