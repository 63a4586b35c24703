import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from './slug.ts';

test('names become lowercase dashed slugs without accents', () => {
  assert.equal(slugify('Kubernetes'), 'kubernetes');
  assert.equal(slugify('  Crème Brûlée: the DB!  '), 'creme-brulee-the-db');
  assert.equal(slugify('a__b--c'), 'a-b-c');
});

test('slugs stop at 64 characters and never end with a dash', () => {
  const slug = slugify(`${'x'.repeat(63)} tail`);
  assert.equal(slug, 'x'.repeat(63));
});

test('a name with no letters or digits gives an empty suggestion', () => {
  assert.equal(slugify('!!!'), '');
});
