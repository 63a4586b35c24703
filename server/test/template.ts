import pg from 'pg';
import { ensureDatabase, migrateAll } from '../src/db/bootstrap.ts';
import { createPool, withDatabase } from '../src/db/database.ts';

export const TEMPLATE = 'surplus_template';

/** Migrates a template database once per run; each test file then copies it in ~100 ms. */
export async function prepareTemplate(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE} with (force)`);
  } finally {
    await admin.end();
  }
  const url = await ensureDatabase(serverUrl, TEMPLATE);
  const pool = createPool(url, 2);
  try {
    await migrateAll(pool, () => {});
  } finally {
    await pool.end();
  }
  return serverUrl;
}

/** A fresh database copied from the template, for one test file. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  return withDatabase(serverUrl, name);
}

export async function dropTestDatabase(serverUrl: string, url: string) {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

export { createPool };
