import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url).pathname;
// Any constant works; it only has to be the same for every Surplus instance sharing a database.
const MIGRATION_LOCK = 727_463_001;

export type Migration = { version: number; name: string; sql: string };

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}-[a-z0-9-]+\.sql$/.test(file)).sort();
  const seen = new Map<number, string>();
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (seen.has(version)) throw new Error(`two migrations share number ${version}: ${seen.get(version)} and ${file}; renumber one`);
    seen.set(version, file);
  }
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: await readFile(join(dir, file), 'utf8'),
    })),
  );
}

/**
 * Applies the numbered SQL files not yet applied, each in its own transaction. An advisory lock makes
 * concurrent start-ups of several instances take turns instead of racing.
 */
export async function migrate(pool: pg.Pool, log: (message: string) => void = () => {}): Promise<number> {
  const migrations = await loadMigrations();
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create table if not exists surplus_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await client.query<{ version: number }>('select version from surplus_migrations');
    const applied = new Set(rows.map((row) => row.version));
    let count = 0;
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into surplus_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`migration ${migration.version}-${migration.name} failed: ${(error as Error).message}`);
      }
      log(`applied migration ${migration.version}-${migration.name}`);
      count++;
    }
    return count;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
