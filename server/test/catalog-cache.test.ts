import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp, eventually, otherConnection } from './harness.ts';

// The catalog is kept in the process (CatalogService.rows, migration 0068): a change through this
// process's API shows on the very next read, one made by SQL elsewhere once PostgreSQL announces it.
const t = await createTestApp({ hasCaches: true });
const other = await otherConnection(t);
const admin = await t.user({ roles: ['admin'] });
const rows = t.services.catalog.rows;

type Plan = { slug: string; price_cents_per_hour: number };
const priceOf = async (slug: string) => {
  const response = await t.call('GET', '/api/v1/catalog', { as: admin.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body.plans as Plan[]).find((plan) => plan.slug === slug)?.price_cents_per_hour;
};

describe('the catalog kept in the process', async () => {
  await eventually('the LISTEN connection is up', async () => t.services.listener.isListening);

  it('is read once, then kept', async () => {
    await priceOf('c3.small.x86');
    assert.ok(rows.isHeld);
  });

  it('shows a plan added and changed through the API on the very next read', async () => {
    const body = (price: number) => ({
      name: 'Cache test',
      architecture: 'x86_64',
      cpu_model: 'Test CPU',
      cpu_cores: 8,
      memory_gb: 32,
      storage_summary: '1 × 480 GB SSD',
      storage_gb: 480,
      nics_summary: '2 × 10 Gbps',
      price_cents_per_hour: price,
    });
    assert.equal(await priceOf('cache.test.x86'), undefined);
    const created = await t.call('PUT', '/api/v1/catalog/plans/cache.test.x86', { as: admin.token, body: body(10) });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(await priceOf('cache.test.x86'), 10);
    assert.equal((await t.call('PUT', '/api/v1/catalog/plans/cache.test.x86', { as: admin.token, body: body(17) })).status, 200);
    assert.equal(await priceOf('cache.test.x86'), 17);
  });

  it('shows a plan changed by SQL from another connection once PostgreSQL announces it', async () => {
    await priceOf('m3.small.x86');
    assert.ok(rows.isHeld);
    await other.query(`update plans set price_cents_per_hour = 4242 where slug = 'm3.small.x86'`);
    await eventually('the new price is read', async () => (await priceOf('m3.small.x86')) === 4242);
  });
});
