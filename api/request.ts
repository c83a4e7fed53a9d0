/**
 * What the routes' schemas do not check of a request: ids in the path and a list's paging cursor.
 * Bodies and queries are validated by each route's schemas (openapi-route.ts: readJson, the shared
 * hook); the answers are the same problems as ever.
 */
import type { Context } from 'hono';
import { decodeCursor, type Cursor } from './cursor.js';
import { problem } from './problems.js';

/** Complaint, hold and alert ids: a path or cursor naming anything else names nothing (404 / 400), never a database error. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A list's `cursor`, decoded; a 400 problem when it is not one this API gave out. `cursorId` is the
 * shape of the row ids the list pages by (e.g. a UUID): a cursor naming anything else is refused.
 */
export function listCursor(c: Context, raw: string | undefined, cursorId?: RegExp): { ok: true; cursor?: Cursor } | { ok: false; response: Response } {
  if (!raw) return { ok: true };
  const cursor = decodeCursor(raw);
  if (!cursor || (cursorId && !cursorId.test(cursor.id))) {
    return {
      ok: false,
      response: problem(c, 400, 'validation', 'Invalid query', 'cursor is not one this API gave out', [{ pointer: '/query/cursor', message: 'unknown cursor' }]),
    };
  }
  return { ok: true, cursor };
}
