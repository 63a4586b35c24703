import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartGeometry, niceCeiling } from './chart.ts';

const box = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };

test('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
  assert.deepEqual([0, 1, 3, 7, 10, 11, 154, 500].map(niceCeiling), [1, 1, 5, 10, 10, 20, 200, 500]);
});

test('draws both series as steps across the time span, supported filled to zero', () => {
  const geometry = chartGeometry(
    [
      { at: '2026-01-01T00:00:00Z', total: 10, supported: 0 },
      { at: '2026-01-03T00:00:00Z', total: 20, supported: 5 },
      { at: '2026-01-11T00:00:00Z', total: 20, supported: 10 },
    ],
    box,
  );
  // x: 10 days over 100 units; y: 0–20 over 50 units (top 20).
  assert.equal(geometry.totalPath, 'M10,25H30V0H110V0H110');
  assert.equal(geometry.supportedPath, 'M10,50H30V37.5H110V25H110');
  assert.equal(geometry.areaPath, 'M10,50V50H30V37.5H110V25H110V50Z');
  assert.deepEqual(
    geometry.yTicks.map((t) => [t.value, t.y]),
    [
      [0, 50],
      [10, 25],
      [20, 0],
    ],
  );
  assert.deepEqual(
    geometry.dots.map((d) => [d.x, d.y]),
    [
      [10, 50],
      [30, 37.5],
      [110, 25],
    ],
  );
});

test('a single moment sits in the middle', () => {
  const geometry = chartGeometry([{ at: '2026-01-01T00:00:00Z', total: 4, supported: 1 }], box);
  assert.deepEqual(
    geometry.dots.map((d) => d.x),
    [60],
  );
});
