import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasBootArtifacts } from './catalog.service.ts';

test('hasBootArtifacts: a kernel and an initrd (files or URLs), for the architectures they were built for; custom_ipxe always', () => {
  const os = (slug: string, artifacts: Record<string, unknown>) => ({ slug, artifacts });
  assert.equal(hasBootArtifacts(os('debian_12', {}), 'x86_64'), false);
  assert.equal(hasBootArtifacts(os('debian_12', { kernel: 'vmlinuz' }), 'x86_64'), false, 'no initrd');
  assert.equal(hasBootArtifacts(os('lab_live', { kind: 'live', kernel: 'vmlinuz', initrd: 'initrd.gz' }), 'x86_64'), true);
  const remote = { kernel_url: 'https://mirror.example/vmlinuz', initrd_url: 'https://mirror.example/initrd', architectures: ['x86_64'] };
  assert.equal(hasBootArtifacts(os('ubuntu_22_04', remote), 'x86_64'), true);
  assert.equal(hasBootArtifacts(os('ubuntu_22_04', remote), 'aarch64'), false, 'built for x86_64 only');
  assert.equal(hasBootArtifacts(os('custom_ipxe', {}), 'aarch64'), true);
});
