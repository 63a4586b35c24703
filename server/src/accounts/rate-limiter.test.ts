import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey, RateLimiter } from './rate-limiter.ts';

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const MINUTE = 60_000;

describe('RateLimiter', () => {
  it('allows the limit, then answers the seconds left in the window', () => {
    const time = clock();
    const limiter = new RateLimiter(3, 15 * MINUTE, time.now);
    assert.deepEqual([limiter.hit('a'), limiter.hit('a'), limiter.hit('a')], [0, 0, 0]);
    assert.equal(limiter.hit('a'), 15 * 60);
    time.advance(10 * MINUTE + 500);
    // 4 min 59.5 s left, rounded up so a client that waits that long is let in.
    assert.equal(limiter.hit('a'), 5 * 60);
    time.advance(5 * MINUTE - 501);
    assert.equal(limiter.hit('a'), 1);
  });

  it('opens a fresh window once the old one has passed', () => {
    const time = clock();
    const limiter = new RateLimiter(2, MINUTE, time.now);
    limiter.hit('a');
    limiter.hit('a');
    assert.ok(limiter.hit('a') > 0);
    time.advance(MINUTE);
    assert.deepEqual([limiter.hit('a'), limiter.hit('a')], [0, 0]);
    assert.ok(limiter.hit('a') > 0);
  });

  it('counts attempts made while limited, so hammering does not reopen early', () => {
    const time = clock();
    const limiter = new RateLimiter(1, MINUTE, time.now);
    limiter.hit('a');
    for (let i = 0; i < 100; i++) assert.ok(limiter.hit('a') > 0);
    time.advance(MINUTE - 1);
    assert.equal(limiter.hit('a'), 1);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter(1, MINUTE, clock().now);
    assert.equal(limiter.hit('a'), 0);
    assert.ok(limiter.hit('a') > 0);
    assert.equal(limiter.hit('b'), 0);
  });

  it('forgets a key on reset', () => {
    const limiter = new RateLimiter(1, MINUTE, clock().now);
    limiter.hit('a');
    assert.ok(limiter.hit('a') > 0);
    limiter.reset('a');
    assert.equal(limiter.hit('a'), 0);
  });

  it('sweeps expired windows once the table is large, keeping live ones', () => {
    const time = clock();
    const limiter = new RateLimiter(1, MINUTE, time.now);
    limiter.hit('live');
    limiter.hit('live');
    for (let i = 0; i < 59_999; i++) limiter.hit(`old-${i}`);
    time.advance(MINUTE / 2);
    limiter.hit('live');
    for (let i = 0; i < 40_000; i++) limiter.hit(`new-${i}`);
    assert.equal(limiter.size, 100_000);
    time.advance(MINUTE / 2);
    // One more key passes the threshold. 'live' and the 'old-' windows began a minute ago and have
    // passed; the 'new-' ones have not.
    limiter.hit('trigger');
    assert.equal(limiter.size, 40_001);
    assert.equal(limiter.hit('new-1'), 30);
    assert.equal(limiter.hit('live'), 0);
  });

  it('does not walk a table full of live windows on every new key', () => {
    const time = clock();
    const limiter = new RateLimiter(1, MINUTE, time.now);
    for (let i = 0; i < 100_001; i++) limiter.hit(`k-${i}`);
    // Nothing has expired, so the sweep kept everything and the next one waits for twice the size.
    for (let i = 0; i < 1_000; i++) limiter.hit(`more-${i}`);
    assert.equal(limiter.size, 101_001);
    assert.ok(limiter.hit('k-1') > 0);
  });
});

describe('addressKey', () => {
  it('counts an IPv4 address on its own, also when mapped into IPv6', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('counts an IPv6 address under its /64', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('2001:db8:1:2::ffff:192.0.2.1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:3:4:192.0.2.1'), '2001:db8:1:2::/64');
  });

  it('gives every address of one /64 the same key, and neighbouring /64s different ones', () => {
    const keys = new Set(['2001:db8:a:b::1', '2001:db8:a:b:ffff::', '2001:db8:a:b:1:2:3:4'].map(addressKey));
    assert.equal(keys.size, 1);
    assert.notEqual(addressKey('2001:db8:a:b::1'), addressKey('2001:db8:a:c::1'));
  });

  it('passes through what is not an IP address', () => {
    assert.equal(addressKey('unknown'), 'unknown');
  });
});
