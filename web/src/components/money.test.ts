import assert from 'node:assert/strict';
import { test } from 'node:test';
import { centsFromInput, formatCents, formatCentsShort, inputFromCents } from './money.ts';

test('cents are shown as currency with two decimals', () => {
  assert.equal(formatCents(109_500), '$1,095.00');
  assert.equal(formatCents(5), '$0.05');
  assert.equal(formatCents(-2_500), '-$25.00');
  assert.equal(formatCents(1_000, 'EUR'), '€10.00');
});

test('short amounts fit chart labels', () => {
  assert.equal(formatCentsShort(95_000), '$950');
  assert.equal(formatCentsShort(4_800_000), '$48k');
  assert.equal(formatCentsShort(120_000_000), '$1.2M');
  assert.equal(formatCentsShort(-4_800_000), '−$48k');
});

test('typed dollar amounts become integer cents, and back', () => {
  assert.equal(centsFromInput('1,250.5'), 125_050);
  assert.equal(centsFromInput('$300'), 30_000);
  assert.equal(centsFromInput('0.07'), 7);
  assert.equal(centsFromInput('12.345'), null);
  assert.equal(centsFromInput('abc'), null);
  assert.equal(centsFromInput(''), null);
  assert.equal(inputFromCents(109_500), '1095');
  assert.equal(inputFromCents(125_050), '1250.50');
});
