import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from './audit-summary.ts';

test('changes read as old → new, with dashes for empty values', () => {
  assert.deepEqual(summarize({ website: { from: null, to: 'https://example.org' }, is_public: { from: false, to: true } }), [
    { key: 'website', value: '— → https://example.org' },
    { key: 'is public', value: 'false → true' },
  ]);
});

test('lists, markers and nested objects read as text', () => {
  assert.deepEqual(summarize({ roles: ['admin', 'reviewer'], description_md: { changed: true }, limits: { a: 1 } }), [
    { key: 'roles', value: 'admin, reviewer' },
    { key: 'description md', value: 'changed' },
    { key: 'limits', value: 'a: 1' },
  ]);
});

test('keys with nothing in them are left out', () => {
  assert.deepEqual(summarize({ email: 'sam@example.org', github_login: null, replaced: [], note: '' }), [
    { key: 'email', value: 'sam@example.org' },
  ]);
});

test('timestamps read as UTC dates', () => {
  const [entry] = summarize({ expires_at: '2027-02-23T22:26:00.000Z' });
  assert.equal(entry?.key, 'expires at');
  assert.match(entry?.value ?? '', /^Feb 23, 2027.*10:26.*PM UTC$/);
});

test('an empty summary has no entries', () => {
  assert.deepEqual(summarize({}), []);
});
