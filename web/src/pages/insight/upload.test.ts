import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, pickFiles } from './upload.ts';

const files = (...names: string[]) => names.map((name) => ({ name }));

test('one file is the file; with a manifest, the manifest is its companion whatever the order', () => {
  assert.deepEqual(pickFiles(files('Cargo.lock')), { file: { name: 'Cargo.lock' }, companion: null });
  assert.deepEqual(pickFiles(files('Cargo.toml', 'Cargo.lock')), { file: { name: 'Cargo.lock' }, companion: { name: 'Cargo.toml' } });
  assert.deepEqual(pickFiles(files('yarn.lock', 'package.json')), { file: { name: 'yarn.lock' }, companion: { name: 'package.json' } });
  assert.deepEqual(pickFiles(files('dev.txt', 'requirements-dev.in')), {
    file: { name: 'dev.txt' },
    companion: { name: 'requirements-dev.in' },
  });
  assert.deepEqual(pickFiles(files('go.sum', 'go.mod')), { file: { name: 'go.mod' }, companion: { name: 'go.sum' } });
});

test('no sensible pair: two lock files, two manifests, three files', () => {
  assert.equal(pickFiles(files('a.lock', 'b.lock')), null);
  assert.equal(pickFiles(files('package.json', 'Cargo.toml')), null);
  assert.equal(pickFiles(files('a', 'b', 'c')), null);
  assert.equal(pickFiles([]), null);
});

test('sizes read as people say them', () => {
  assert.equal(formatBytes(512), '512 bytes');
  assert.equal(formatBytes(291_994), '285 KB');
  assert.equal(formatBytes(50 * 1024 * 1024), '50.0 MB');
});
