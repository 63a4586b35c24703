import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withArticle } from './errors.ts';

test('withArticle: "an" before a vowel, "a" otherwise, capitalized on request', () => {
  assert.equal(withArticle('inactive', true), 'An inactive');
  assert.equal(withArticle('active'), 'an active');
  assert.equal(withArticle('under_review', true), 'An under_review');
  assert.equal(withArticle('queued', true), 'A queued');
  assert.equal(withArticle('draft'), 'a draft');
});
