import { runMigrations } from 'graphile-worker';
import pg from 'pg';
import { withDatabase } from './database.ts';
import { migrate } from './migrations.ts';

/** Creates the database on the server when missing (the embedded server starts with none). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

/** Brings a database to the current schema: the job queue's tables, then ours. */
export async function migrateAll(pool: pg.Pool, log: (message: string) => void): Promise<void> {
  await runMigrations({ pgPool: pool, logger: undefined });
  await migrate(pool, log);
}
