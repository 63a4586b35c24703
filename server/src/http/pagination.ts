import { z } from 'zod';
import { invalid } from './errors.ts';

export const PageQuery = z.object({
  cursor: z.string().max(200).optional().describe('Opaque cursor from the previous page’s next_cursor.'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as cursor to get the next page; null on the last page.'),
  });
}

/**
 * Keyset cursor over (timestamp, id): stable under inserts, unlike offsets. `at` is a Date and so
 * carries milliseconds, while PostgreSQL keeps microseconds: repositories compare against the
 * cursor row's own timestamp (see ProjectsRepository) and use `at` only when that row is gone.
 */
export type Keyset = { at: Date; id: string };

export function encodeCursor(key: Keyset | { id: string }): string {
  const value = 'at' in key ? [key.at.toISOString(), key.id] : [key.id];
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT8_MAX = 9_223_372_036_854_775_807n;
// Cursors reach SQL as a timestamptz and a uuid or bigint: anything PostgreSQL would refuse must be
// refused here as a bad cursor (400), not found out by the database (500).
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

export function decodeKeyset(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  const value = parseCursor(cursor);
  const [at, id] = Array.isArray(value) && value.length === 2 ? value : [];
  const date = typeof at === 'string' ? new Date(at) : undefined;
  const time = date?.getTime() ?? Number.NaN;
  if (!date || !(time >= EARLIEST && time <= LATEST) || typeof id !== 'string' || !UUID.test(id)) return badCursor();
  return { at: date, id };
}

export function decodeIdCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const value = parseCursor(cursor);
  const [id] = Array.isArray(value) && value.length === 1 ? value : [];
  if (typeof id !== 'string' || !/^\d{1,19}$/.test(id) || BigInt(id) > INT8_MAX) return badCursor();
  return id;
}

function parseCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function badCursor(): never {
  return invalid('cursor', 'is not a cursor this API issued');
}

/** Repositories fetch limit + 1 rows; this splits off the extra row into the next cursor. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, key: (row: R) => Keyset | { id: string }) {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(map),
    next_cursor: hasMore && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
