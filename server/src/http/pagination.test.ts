import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from './errors.ts';
import { decodeIdCursor, decodeKeyset, encodeCursor, PageQuery, toPage } from './pagination.ts';

function raw(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function rejectsAsBadCursor(decode: () => unknown) {
  assert.throws(decode, (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.status, 400);
    assert.deepEqual(error.fields, [{ field: 'cursor', message: 'is not a cursor this API issued' }]);
    return true;
  });
}

describe('keyset cursors', () => {
  it('round-trip a timestamp and a uuid', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }), fc.uuid(), (at, id) => {
        assert.deepEqual(decodeKeyset(encodeCursor({ at, id })), { at, id });
      }),
    );
  });

  it('are URL-safe', () => {
    const cursor = encodeCursor({ at: new Date(), id: randomUUID() });
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  });

  it('decode no cursor as the first page', () => {
    assert.equal(decodeKeyset(undefined), undefined);
  });

  it('reject what this API did not issue, as a 400 naming the cursor', () => {
    const id = randomUUID();
    for (const cursor of [
      '',
      'not base64 at all!',
      raw('a string'),
      raw(null),
      raw({ at: '2024-01-01T00:00:00Z', id }),
      raw(['2024-01-01T00:00:00Z']),
      raw(['not a date', id]),
      raw(['2024-01-01T00:00:00Z', 42]),
      // Would reach PostgreSQL as a uuid and fail there with a 500.
      raw(['2024-01-01T00:00:00Z', 'not-a-uuid']),
      raw(['2024-01-01T00:00:00Z', "x' or 1=1 --"]),
      // A number is a valid Date argument but never something we issued.
      raw([0, id]),
      // Valid for JavaScript, out of range for timestamptz.
      raw(['-100000-01-01T00:00:00.000Z', id]),
      raw(['+275000-01-01T00:00:00.000Z', id]),
      raw(['2024-01-01T00:00:00Z', id, 'extra']),
    ]) {
      rejectsAsBadCursor(() => decodeKeyset(cursor));
    }
  });

  it('never throw anything but a bad-cursor error on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((json) => Buffer.from(json).toString('base64url')),
        ),
        (cursor) => {
          try {
            const key = decodeKeyset(cursor);
            assert.ok(key === undefined || (key.at instanceof Date && typeof key.id === 'string'));
          } catch (error) {
            assert.ok(error instanceof AppError && error.code === 'ERR_VALIDATION');
          }
        },
      ),
    );
  });
});

describe('id cursors', () => {
  it('round-trip bigint ids given as strings', () => {
    for (const id of ['1', '42', '9223372036854775807']) assert.equal(decodeIdCursor(encodeCursor({ id })), id);
  });

  it('reject ids PostgreSQL would not take as a bigint, and non-strings', () => {
    for (const cursor of [raw(['9223372036854775808']), raw(['99999999999999999999']), raw(['-1']), raw(['1.5']), raw([5]), raw([])]) {
      rejectsAsBadCursor(() => decodeIdCursor(cursor));
    }
  });
});

describe('toPage', () => {
  const rows = Array.from({ length: 5 }, (_, index) => ({ id: String(index + 1), at: new Date(Date.UTC(2024, 0, index + 1)) }));

  it('splits off the extra row as the next cursor, pointing at the last row shown', () => {
    const page = toPage(
      rows.slice(0, 3),
      2,
      (row) => row.id,
      (row) => ({ id: row.id }),
    );
    assert.deepEqual(page.items, ['1', '2']);
    assert.equal(decodeIdCursor(page.next_cursor ?? undefined), '2');
  });

  it('has no next cursor on the last page, including an exactly full one and an empty one', () => {
    assert.equal(
      toPage(
        rows.slice(0, 2),
        2,
        (row) => row.id,
        (row) => ({ id: row.id }),
      ).next_cursor,
      null,
    );
    assert.deepEqual(
      toPage(
        [],
        2,
        (row: { id: string }) => row.id,
        (row) => ({ id: row.id }),
      ),
      { items: [], next_cursor: null },
    );
  });

  it('walks every row exactly once when fed limit + 1 rows after each cursor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 7 }), (count, limit) => {
        const all = Array.from({ length: count }, (_, index) => ({ at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)), id: randomUUID() }));
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages <= count + 1; pages++) {
          const after = decodeKeyset(cursor);
          const rest = after ? all.filter((row) => row.at > after.at) : all;
          const page = toPage(
            rest.slice(0, limit + 1),
            limit,
            (row) => row.id,
            (row) => ({ at: row.at, id: row.id }),
          );
          seen.push(...page.items);
          if (page.next_cursor === null) break;
          cursor = page.next_cursor;
        }
        assert.deepEqual(
          seen,
          all.map((row) => row.id),
        );
      }),
    );
  });
});

describe('PageQuery', () => {
  it('defaults the limit to 50 and takes it from a query string', () => {
    assert.deepEqual(PageQuery.parse({}), { limit: 50 });
    assert.deepEqual(PageQuery.parse({ limit: '7', cursor: 'abc' }), { limit: 7, cursor: 'abc' });
  });

  it('refuses limits outside 1–200 and non-integers', () => {
    for (const limit of ['0', '201', '2.5', 'ten', '-1']) assert.equal(PageQuery.safeParse({ limit }).success, false, limit);
  });
});
