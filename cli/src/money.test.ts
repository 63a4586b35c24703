import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCents, formatShare } from './money.ts';

describe('formatCents', () => {
  it('shows integer cents as the currency with thousands separators', () => {
    assert.equal(formatCents(123_456), '$1,234.56');
    assert.equal(formatCents(0), '$0.00');
    assert.equal(formatCents(-500), '-$5.00');
    assert.equal(formatCents(200_000_000_00), '$200,000,000.00');
    assert.equal(formatCents(1050, 'EUR'), '€10.50');
  });

  it('falls back to the code for a currency Intl does not know', () => {
    assert.equal(formatCents(123_456, 'ZZZ1'), '1,234.56 ZZZ1');
  });
});

describe('formatShare', () => {
  it('rounds to a tenth of a percent and never divides by zero', () => {
    assert.equal(formatShare(1, 8), '12.5%');
    assert.equal(formatShare(1, 3), '33.3%');
    assert.equal(formatShare(0, 100), '0%');
    assert.equal(formatShare(5, 0), '-');
  });
});
