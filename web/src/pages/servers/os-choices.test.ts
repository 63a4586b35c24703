import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schemas } from '@surplus/api-client';
import { isBootable, osChoices } from './os-choices.ts';

const os = (slug: string, artifacts: Record<string, unknown>, extra: Partial<Schemas['OperatingSystem']> = {}) =>
  ({
    slug,
    name: slug,
    version: '1',
    architectures: ['x86_64', 'aarch64'],
    status: 'supported',
    artifacts,
    ...extra,
  }) as Schemas['OperatingSystem'];

describe('operating systems offered on the create form', () => {
  it('offers only what Surplus can boot on the plan’s architecture, as the server decides at create', () => {
    const catalog = {
      operating_systems: [
        os('lab_live', { kernel: 'vmlinuz', initrd: 'initrd.img' }),
        os('debian_12', {}),
        os('ubuntu_22_04', { kernel_url: 'https://example.org/k', initrd_url: 'https://example.org/i', architectures: ['aarch64'] }),
        os('custom_ipxe', {}),
        os('old', { kernel: 'k', initrd: 'i' }, { status: 'end_of_life' }),
        os('kernel_only', { kernel: 'k' }),
      ],
    } as unknown as Schemas['Catalog'];
    assert.deepEqual(
      osChoices(catalog, { architecture: 'x86_64' }).map((o) => o.slug),
      ['lab_live', 'custom_ipxe'],
    );
    assert.deepEqual(
      osChoices(catalog, { architecture: 'aarch64' }).map((o) => o.slug),
      ['lab_live', 'ubuntu_22_04', 'custom_ipxe'],
    );
    assert.equal(isBootable(os('kernel_only', { kernel: 'k' }), 'x86_64'), false);
    assert.deepEqual(osChoices(undefined, { architecture: 'x86_64' }), []);
  });
});
