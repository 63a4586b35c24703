/**
 * Writes the OpenAPI document generated from the route schemas to openapi/surplus.json. The checked-in
 * copy is the contract the API client is generated from; CI regenerates both and fails on a diff.
 */
import { writeFile } from 'node:fs/promises';
import { createApp } from './app.ts';
import { createDb, createPool } from './db/database.ts';

// The document needs the routes, not a database: this pool is never connected.
const pool = createPool('postgres://unused@127.0.0.1:1/unused');
const { app } = await createApp(createDb(pool), {
  publicUrl: 'http://localhost:8080',
  secretKey: Buffer.alloc(32),
  cookieSecret: 'unused',
  isSecureCookie: false,
  webDir: null,
  logger: false,
  oidc: null,
  github: null,
  mail: { smtpUrl: null, from: 'unused' },
  version: JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(new URL('../package.json', import.meta.url), 'utf8')))
    .version,
  hasMetrics: false,
});
await app.ready();
const outIndex = process.argv.indexOf('--out');
const target = outIndex > 0 ? new URL(`file://${process.argv[outIndex + 1]}`) : new URL('../../openapi/surplus.json', import.meta.url);
await writeFile(target, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await pool.end();
console.log(`wrote ${target.pathname}`);
