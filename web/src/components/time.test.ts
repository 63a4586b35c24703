import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absoluteTime, logTime, relativeTime } from './time.ts';

const now = Date.parse('2026-05-01T12:00:00Z');

test('recent times read as just now, then minutes, hours and days', () => {
  assert.equal(relativeTime('2026-05-01T11:59:40Z', now), 'just now');
  assert.equal(relativeTime('2026-05-01T11:55:00Z', now), '5 minutes ago');
  assert.equal(relativeTime('2026-05-01T09:00:00Z', now), '3 hours ago');
  assert.equal(relativeTime('2026-04-30T12:00:00Z', now), 'yesterday');
});

test('future times read forwards', () => {
  assert.equal(relativeTime('2026-05-15T12:00:00Z', now), 'in 2 weeks');
});

test('absolute times are UTC', () => {
  assert.match(absoluteTime('2026-05-01T12:00:00Z'), /May 1, 2026.*12:00.*UTC/);
  assert.equal(logTime('2026-05-01T07:08:09.123Z'), '2026-05-01 07:08:09');
});
