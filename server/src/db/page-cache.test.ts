import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeListener, FENCE_CHANNEL } from './listener.ts';
import { PageCache } from './page-cache.ts';

const CHANNEL = 'surplus_test';

/** A listener that says it listens, without a connection: the test hands it notifications and fences. */
function listening() {
  const sent: string[] = [];
  const listener = new ChangeListener(null, async (channel, payload) => {
    assert.equal(channel, FENCE_CHANNEL);
    sent.push(payload);
  });
  listener.isListening = true;
  return { listener, sent };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PageCache', () => {
  it('keeps a page until PostgreSQL announces a change on one of its channels', async () => {
    const { listener } = listening();
    const cache = new PageCache(listener, [CHANNEL, 'surplus_other']);
    const miss = await cache.get('a');
    assert.equal(miss.page, undefined);
    cache.set('a', Buffer.from('{"items":[]}'), miss.generation);
    assert.equal((await cache.get('a')).page?.toString(), '{"items":[]}');
    listener.handle('surplus_unrelated', '');
    assert.equal((await cache.get('a')).page?.toString(), '{"items":[]}', 'another channel changes nothing here');
    listener.handle('surplus_other', '');
    assert.equal((await cache.get('a')).page?.toString(), undefined);
    assert.equal(cache.size, 0);
  });

  it('shares a channel with other caches: a notification drops the pages of each', async () => {
    const { listener } = listening();
    const first = new PageCache(listener, [CHANNEL]);
    const second = new PageCache(listener, ['surplus_other', CHANNEL]);
    first.set('a', Buffer.from('one'), (await first.get('a')).generation);
    second.set('a', Buffer.from('two'), (await second.get('a')).generation);
    listener.handle(CHANNEL, '');
    assert.equal(first.size, 0);
    assert.equal(second.size, 0);
  });

  it('refuses a page read before a notification arrived', async () => {
    const { listener } = listening();
    const cache = new PageCache(listener, [CHANNEL]);
    const { generation } = await cache.get('a');
    listener.handle(CHANNEL, '');
    cache.set('a', Buffer.from('stale'), generation);
    assert.equal(cache.size, 0);
  });

  it('serves a page only until it expires', async () => {
    const { listener } = listening();
    const cache = new PageCache(listener, [CHANNEL]);
    const { generation } = await cache.get('a');
    cache.set('a', Buffer.from('soon stale'), generation, Date.now() + 50);
    assert.equal((await cache.get('a')).page?.toString(), 'soon stale');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal((await cache.get('a')).page?.toString(), undefined);
    assert.equal(cache.size, 0);
  });

  it('keeps and serves nothing without a listening connection, and starts empty after it', async () => {
    const { listener } = listening();
    const cache = new PageCache(listener, [CHANNEL]);
    cache.set('a', Buffer.from('page'), (await cache.get('a')).generation);
    await listener.close();
    assert.equal(cache.size, 0);
    const down = await cache.get('a');
    cache.set('a', Buffer.from('page'), down.generation);
    assert.equal(cache.size, 0);
    assert.equal((await new PageCache(null, [CHANNEL]).get('a')).generation, -1, 'no listener at all: nothing kept');
  });

  it('drops the least recently used pages past its capacity', async () => {
    const { listener } = listening();
    const cache = new PageCache(listener, [CHANNEL], { capacityBytes: 10 });
    const generation = (await cache.get('x')).generation;
    cache.set('a', Buffer.from('aaaa'), generation);
    cache.set('b', Buffer.from('bbbb'), generation);
    assert.equal((await cache.get('a')).page?.toString(), 'aaaa');
    cache.set('c', Buffer.from('cccc'), generation);
    assert.equal((await cache.get('b')).page?.toString(), undefined);
    assert.equal((await cache.get('a')).page?.toString(), 'aaaa');
    assert.equal((await cache.get('c')).page?.toString(), 'cccc');
    cache.set('d', Buffer.from('x'.repeat(11)), generation);
    assert.equal(cache.size, 2, 'a page over the whole capacity is not kept');
  });
});

describe('ChangeListener.catchUp (read-your-writes)', () => {
  it('after a write, waits for a fence before a cache answers, and readers share it', async () => {
    const { listener, sent } = listening();
    const cache = new PageCache(listener, [CHANNEL]);
    cache.set('a', Buffer.from('before'), (await cache.get('a')).generation);
    assert.equal(sent.length, 0, 'no writes, no fence');
    listener.noteWrite();
    let answered = 0;
    const first = cache.get('a').then((result) => {
      answered++;
      return result;
    });
    const second = cache.get('a');
    await tick();
    assert.equal(answered, 0, 'nothing is answered before the fence arrives');
    assert.equal(sent.length, 1, 'one fence for both readers');
    // The write's own notification arrives before the fence does.
    listener.handle(CHANNEL, '');
    listener.handle(FENCE_CHANNEL, sent[0] as string);
    assert.equal((await first).page?.toString(), undefined);
    assert.equal((await second).page?.toString(), undefined);
    // Caught up: no fence until the next write.
    cache.set('a', Buffer.from('after'), (await cache.get('a')).generation);
    assert.equal((await cache.get('a')).page?.toString(), 'after');
    assert.equal(sent.length, 1);
  });

  it('sends readers to PostgreSQL when the fence does not come back, and tries again on the next read', async () => {
    const { listener, sent } = listening();
    const cache = new PageCache(listener, [CHANNEL]);
    cache.set('a', Buffer.from('page'), (await cache.get('a')).generation);
    listener.noteWrite();
    const pending = cache.get('a');
    await tick();
    await listener.close();
    assert.deepEqual(await pending, { generation: -1 });
    listener.isListening = true;
    const next = cache.get('a');
    await tick();
    assert.equal(sent.length, 2);
    listener.handle(FENCE_CHANNEL, sent[1] as string);
    assert.equal((await next).page?.toString(), undefined, 'the cache emptied when the connection went');
  });
});
