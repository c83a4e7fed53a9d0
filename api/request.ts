/** Reading what a request sends: its JSON body and its query, checked against a schema. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { decodeCursor, type Cursor } from './cursor.js';
import { fieldErrors, problem } from './problems.js';

/** Complaint, hold and alert ids: a path or cursor naming anything else names nothing (404 / 400), never a database error. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The body as JSON (an empty body is `{}`), validated; a 400 or 422 problem otherwise. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<Parsed<z.infer<S>>> {
  const raw = await c.req.text();
  let json: unknown = {};
  if (raw.trim() !== '') {
    try {
      json = JSON.parse(raw);
    } catch {
      return { ok: false, response: problem(c, 400, 'malformedJson', 'Malformed JSON', 'the request body is not valid JSON') };
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      response: problem(c, 422, 'validation', 'Invalid request', 'some fields are missing or wrong; see errors', fieldErrors(parsed.error)),
    };
  }
  return { ok: true, value: parsed.data };
}

/** A list's query string, validated, with its paging cursor decoded; a 400 problem otherwise. */
export function parseListQuery<S extends z.ZodType<{ cursor?: string }>>(
  c: Context,
  schema: S,
  /** The shape of the row ids the list pages by (e.g. a UUID): a cursor naming anything else is refused. */
  cursorId?: RegExp,
): Parsed<{ query: z.infer<S>; cursor?: Cursor }> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) {
    return {
      ok: false,
      response: problem(c, 400, 'validation', 'Invalid query', 'some query parameters are wrong; see errors', fieldErrors(parsed.error, '/query')),
    };
  }
  const raw = parsed.data.cursor;
  const cursor = raw ? decodeCursor(raw) : undefined;
  if (raw && (!cursor || (cursorId && !cursorId.test(cursor.id)))) {
    return {
      ok: false,
      response: problem(c, 400, 'validation', 'Invalid query', 'cursor is not one this API gave out', [
        { pointer: '/query/cursor', message: 'unknown cursor' },
      ]),
    };
  }
  return { ok: true, value: { query: parsed.data, cursor } };
}
