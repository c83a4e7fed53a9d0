import { sql, type RawBuilder, type SqlBool } from 'kysely';
/** Opaque keyset cursors: the position after the last row of a page (newest first). */
export interface Cursor {
  at: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string): Cursor | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string') return undefined;
    return { at, id };
  } catch {
    return undefined;
  }
}

/**
 * One page from rows fetched with `limit + 1` (the extra row says whether more follow): the page,
 * and the cursor after its last row, or null at the end.
 */
export function pageOf<R>(rows: R[], limit: number, positionOf: (row: R) => Cursor): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}

/**
 * The rows beyond a keyset position, as one row comparison: `(at, id) < (cursor.at, cursor.id)`
 * newest first (`>` oldest first). PostgreSQL uses it as an index condition, so the scan starts at
 * the cursor; spelt `a < x or (a = x and b < y)` it was a filter, and page n read the pages before it.
 * The columns are the list's sort key, in its order; the values the cursor's position.
 */
export function beyondPosition(columns: readonly string[], values: readonly unknown[], order: 'desc' | 'asc'): RawBuilder<SqlBool> {
  const refs = sql.join(columns.map((column) => sql.ref(column)));
  return sql<SqlBool>`(${refs}) ${sql.raw(order === 'desc' ? '<' : '>')} (${sql.join(values.map((v) => sql`${v}`))})`;
}
