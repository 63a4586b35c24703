import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AppError } from '../http/errors.ts';
import { unpackGraph } from './insight.graph.ts';
import { IN_THREAD_BYTES, scanUpload, scanUploadInWorker } from './insight.scanner.ts';

const SAMPLES = new URL('../../../packages/deps/fixtures/', import.meta.url);
const sample = (name: string) => ({ bytes: readFileSync(new URL(name, SAMPLES)), name });

describe('scanning an upload', () => {
  it('gives the same result in a worker thread as on this one', async () => {
    // Padded past the in-thread size (TOML allows trailing blank space), so it goes to the worker.
    const lock = {
      ...sample('cargo__sharkdp_bat__Cargo.lock'),
      bytes: Buffer.concat([sample('cargo__sharkdp_bat__Cargo.lock').bytes, Buffer.alloc(IN_THREAD_BYTES, ' ')]),
    };
    const manifest = sample('cargo__sharkdp_bat__Cargo.toml');
    const here = scanUpload({ ...lock, name: 'Cargo.lock' }, { ...manifest, name: 'Cargo.toml' });
    const there = await scanUploadInWorker({ ...lock, name: 'Cargo.lock' }, { ...manifest, name: 'Cargo.toml' });
    assert.deepEqual([there.packages, there.direct, there.companionName], [316, 49, 'Cargo.toml']);
    assert.deepEqual({ ...there, graphGz: null }, { ...here, graphGz: null });
    assert.deepEqual(unpackGraph(Buffer.from(there.graphGz)).toJSON(), unpackGraph(Buffer.from(here.graphGz)).toJSON());
    // The caller's buffer is untouched (the worker got a copy).
    assert.equal(lock.bytes.length, 78_464 + IN_THREAD_BYTES);
  });

  it('refuses malformed files (naming the file or the companion) and unknown ones, from the worker too', async () => {
    const broken = {
      bytes: Buffer.concat([Buffer.from('{"lockfileVersion": 3, "packages": {'), Buffer.alloc(IN_THREAD_BYTES, ' ')]),
      name: 'package-lock.json',
    };
    await assert.rejects(scanUploadInWorker(broken, null), (error: AppError) => {
      assert.equal(error.code, 'ERR_MALFORMED_FILE');
      assert.equal(error.status, 400);
      assert.match(error.message, /^package-lock\.json: .* at \d+:\d+$/);
      assert.equal(error.fields?.[0]?.field, 'file');
      return true;
    });
    const lock = sample('cargo__sharkdp_bat__Cargo.lock');
    assert.throws(
      () => scanUpload({ ...lock, name: 'Cargo.lock' }, { bytes: Buffer.from('[package\nname = "bat"\n'), name: 'Cargo.toml' }),
      (error: AppError) => error.code === 'ERR_MALFORMED_FILE' && error.fields?.[0]?.field === 'companion',
    );
    await assert.rejects(
      scanUploadInWorker({ bytes: Buffer.concat([Buffer.from('hello'), Buffer.alloc(IN_THREAD_BYTES)]), name: 'notes.txt' }, null),
      (error: AppError) => error instanceof AppError && error.status === 415 && /Cargo\.lock/.test(error.message),
    );
  });

  it('leaves the event loop free while a large file is scanned', async () => {
    // go.mod padded with spaces to 30 MB: about half a second of scanning, all of it in the worker.
    const goMod = sample('go__cli_cli__go.mod');
    const big = Buffer.concat([goMod.bytes, Buffer.alloc(30 * 1024 * 1024, ' ')]);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    try {
      const scanned = await scanUploadInWorker({ bytes: big, name: 'go.mod' }, null);
      assert.equal(scanned.packages, 158);
    } finally {
      clearInterval(timer);
    }
    // On this thread the scan would run to its end before any timer fired: no tick at all.
    assert.ok(ticks >= 5, `only ${ticks} timer ticks while the scan ran`);
  });
});
