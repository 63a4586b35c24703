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

/** Keyset cursor over (timestamp, id): stable under inserts, unlike offsets. */
export type Keyset = { at: Date; id: string };

export function encodeCursor(key: Keyset | { id: string }): string {
  const value = 'at' in key ? [key.at.toISOString(), key.id] : [key.id];
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeKeyset(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('shape');
    return { at: date, id };
  } catch {
    return invalid('cursor', 'is not a cursor this API issued');
  }
}

export function decodeIdCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string];
    if (!/^\d+$/.test(id)) throw new Error('shape');
    return id;
  } catch {
    return invalid('cursor', 'is not a cursor this API issued');
  }
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
