import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeListener } from '../db/listener.ts';
import { PROJECTS_CHANNEL, ProjectPageCache } from './page-cache.ts';

/** A listener whose notifications, resets and fences the test drives by hand. */
function fakeListener() {
  const channels = new Map<string, (payload: string) => void>();
  const resets: (() => void)[] = [];
  const fences: ((hasArrived: boolean) => void)[] = [];
  const listener = {
    isListening: true,
    subscribe: (channel: string, onNotification: (payload: string) => void) => channels.set(channel, onNotification),
    onReset: (onReset: () => void) => resets.push(onReset),
    fence: () => new Promise<boolean>((resolve) => fences.push(resolve)),
  };
  return {
    listener: listener as unknown as ChangeListener,
    notify: () => channels.get(PROJECTS_CHANNEL)?.(''),
    reset: (isListening: boolean) => {
      listener.isListening = isListening;
      for (const onReset of resets) onReset();
    },
    fences,
  };
}

const noSend = async () => {};

describe('ProjectPageCache', () => {
  it('keeps a page until PostgreSQL announces a change', async () => {
    const fake = fakeListener();
    const cache = new ProjectPageCache(fake.listener, noSend);
    const miss = await cache.get('a');
    assert.equal(miss.page, undefined);
    cache.set('a', '{"items":[]}', miss.generation);
    assert.equal((await cache.get('a')).page, '{"items":[]}');
    fake.notify();
    assert.equal((await cache.get('a')).page, undefined);
    assert.equal(cache.size, 0);
  });

  it('refuses a page read before a notification arrived', async () => {
    const fake = fakeListener();
    const cache = new ProjectPageCache(fake.listener, noSend);
    const { generation } = await cache.get('a');
    fake.notify();
    cache.set('a', 'stale', generation);
    assert.equal(cache.size, 0);
  });

  it('keeps and serves nothing while the connection is down, and starts empty after it', async () => {
    const fake = fakeListener();
    const cache = new ProjectPageCache(fake.listener, noSend);
    cache.set('a', 'page', (await cache.get('a')).generation);
    fake.reset(false);
    assert.equal(cache.size, 0);
    const down = await cache.get('a');
    cache.set('a', 'page', down.generation);
    assert.equal(cache.size, 0);
    fake.reset(true);
    cache.set('a', 'page', (await cache.get('a')).generation);
    assert.equal((await cache.get('a')).page, 'page');
  });

  it('after a write, waits for a fence before answering, and readers share it', async () => {
    const fake = fakeListener();
    const cache = new ProjectPageCache(fake.listener, noSend);
    cache.set('a', 'before', (await cache.get('a')).generation);
    cache.noteWrite();
    let answered = 0;
    const first = cache.get('a').then((result) => {
      answered++;
      return result;
    });
    const second = cache.get('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, 0, 'nothing is answered before the fence arrives');
    assert.equal(fake.fences.length, 1, 'one fence for both readers');
    // The write's own notification arrives before the fence does.
    fake.notify();
    fake.fences[0]?.(true);
    assert.equal((await first).page, undefined);
    assert.equal((await second).page, undefined);
    // Caught up: no fence until the next write.
    cache.set('a', 'after', (await cache.get('a')).generation);
    assert.equal((await cache.get('a')).page, 'after');
    assert.equal(fake.fences.length, 1);
  });

  it('reads PostgreSQL when a fence does not arrive', async () => {
    const fake = fakeListener();
    const cache = new ProjectPageCache(fake.listener, noSend);
    cache.set('a', 'page', (await cache.get('a')).generation);
    cache.noteWrite();
    const pending = cache.get('a');
    await new Promise((resolve) => setImmediate(resolve));
    fake.fences[0]?.(false);
    const result = await pending;
    assert.equal(result.page, undefined);
    cache.set('a', 'page', result.generation);
    // Not caught up yet: the next read tries another fence.
    const next = cache.get('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(fake.fences.length, 2);
    fake.fences[1]?.(true);
    assert.equal((await next).page, 'page');
  });

  it('drops the least recently used pages past its capacity', async () => {
    const fake = fakeListener();
    const cache = new ProjectPageCache(fake.listener, noSend, { capacityChars: 10 });
    const generation = (await cache.get('x')).generation;
    cache.set('a', 'aaaa', generation);
    cache.set('b', 'bbbb', generation);
    assert.equal((await cache.get('a')).page, 'aaaa');
    cache.set('c', 'cccc', generation);
    assert.equal((await cache.get('b')).page, undefined);
    assert.equal((await cache.get('a')).page, 'aaaa');
    assert.equal((await cache.get('c')).page, 'cccc');
    cache.set('d', 'x'.repeat(11), generation);
    assert.equal(cache.size, 2, 'a page over the whole capacity is not kept');
  });
});
