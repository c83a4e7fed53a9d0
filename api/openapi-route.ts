/**
 * What every route file uses to declare its routes with @hono/zod-openapi: the app (with the shared
 * validation hook), the operation's words (tag, summary, who may call it), its problems, and the
 * two middlewares that keep reading a request as the API always has.
 *
 * Each route is `app.openapi(createRoute({...}), handler)`: the route's schemas validate the request
 * and document it; nothing else builds the OpenAPI document (see openapi-document.ts).
 */
import { OpenAPIHono, z, type Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ROLES, type Role } from '../workflows/model.js';
import type { ActorEnv } from './actor.js';
import { fieldErrors, problem } from './problems.js';
import { ProblemSchema } from './responses.js';

/**
 * Refused input as problem+json, as request.ts always answered: a wrong body field 422 with its
 * JSON pointer, a wrong query parameter 400 with `/query/<name>`. Path parameters and headers have
 * schemas only to be documented (their checks are the handlers': 404 for an unknown id).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const defaultHook: Hook<any, any, any, any> = (result, c) => {
  if (result.success) return;
  if (result.target === 'query') {
    return problem(c, 400, 'validation', 'Invalid query', 'some query parameters are wrong; see errors', fieldErrors(result.error, '/query'));
  }
  const prefix = result.target === 'json' ? '' : `/${result.target}`;
  return problem(c, 422, 'validation', 'Invalid request', 'some fields are missing or wrong; see errors', fieldErrors(result.error, prefix));
};

/** A route file's app: its routes validate with their schemas and answer refusals with the shared hook. */
export function routesApp<E extends Env = ActorEnv>() {
  return new OpenAPIHono<E>({ defaultHook });
}

/**
 * The body as JSON whatever its Content-Type (an empty body is `{}`), read once: malformed JSON is
 * a 400 problem. The route's JSON validator then reads it from here. Put it after the role check,
 * so a caller of another role hears 403 before the body is read.
 */
export const readJson = createMiddleware(async (c, next) => {
  const text = await c.req.text();
  if (text.trim() !== '') {
    try {
      JSON.parse(text);
    } catch {
      return problem(c, 400, 'malformedJson', 'Malformed JSON', 'the request body is not valid JSON');
    }
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set('content-type', 'application/json');
  // The body is read already (bodyCache); the request the validator sees says it is JSON.
  c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers });
  // Hono keeps body promises in bodyCache (its type says the resolved values).
  c.req.bodyCache = { text: Promise.resolve(text.trim() === '' ? '{}' : text) } as unknown as typeof c.req.bodyCache;
  await next();
});

/** A query parameter given twice counts once, its first value (as `c.req.query()` reads it). */
export const firstQueryValues = createMiddleware(async (c, next) => {
  const url = new URL(c.req.raw.url);
  const seen = new Set<string>();
  let repeated = false;
  const kept = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    if (seen.has(name)) repeated = true;
    else kept.append(name, value);
    seen.add(name);
  }
  if (repeated) {
    url.search = kept.toString();
    c.req.raw = new Request(url, c.req.raw);
  }
  await next();
});

// ---- The operation's words ------------------------------------------------------------------------

export const TAGS = {
  complaints: 'Filing, reading and listing complaints.',
  actions: 'One endpoint per stage action on a complaint (Temporal updates): accepted with the new state, or refused with the reason, changing nothing.',
  escalations: 'SLA breaches, warnings and escalations for supervisors, QA and management.',
  regulatory: "Reports owed to regulators (NMPA, FDA 21 CFR 803, EU MDR) and QA's reportability decisions.",
  clusters: "Possible group (cluster) adverse events, and QA's decision on them.",
  'product holds': 'Model and lot on hold after a quality complaint, until QA releases them.',
  calendars: 'Business calendars the SLA clocks run on.',
  reports: 'Reports across complaints.',
  audit: 'The audit trail: every event, who, when, what.',
  admin: 'Users, roles and sign-in tokens.',
  ops: 'Health and operations.',
} as const;
export type Tag = keyof typeof TAGS;

/** Who may call an operation: named roles, any signed-in role, or anyone (no sign-in). */
export type Callers = readonly Role[] | 'any' | 'public';

export interface OperationWords {
  tag: Tag;
  summary: string;
  description?: string;
  operationId: string;
  callers: Callers;
  /** Said after the list of roles: stage limits, refusals decided by the workflow. */
  callerNote?: string;
  /** The query refuses parameters it does not know (a strict object). */
  strictQuery?: boolean;
}

/** The fields of a createRoute config that say what the operation is and who may call it. */
export function operation(words: OperationWords) {
  const { callers } = words;
  const who =
    callers === 'public'
      ? 'Anyone: no sign-in.'
      : callers === 'any'
        ? `Any signed-in role (${ROLES.join(', ')}).`
        : `Role ${callers.join(' or ')}; any other role gets 403.`;
  const description = [
    words.description,
    words.strictQuery ? 'Unknown query parameters are refused (400).' : undefined,
    `**Who may call it:** ${who}${words.callerNote ? ' ' + words.callerNote : ''}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    tags: [words.tag],
    summary: words.summary,
    description,
    operationId: words.operationId,
    ...(callers === 'public' ? { security: [] } : {}),
    ...(callers !== 'public' && callers !== 'any' ? { 'x-roles': ROLES.filter((r) => callers.includes(r)) } : {}),
  };
}

// ---- Problems -------------------------------------------------------------------------------------

export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 422, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/** The shared problem responses (components/responses), by status. */
export const PROBLEM_RESPONSES: Record<ErrorStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'Malformed JSON, or a wrong query parameter (each listed in `errors` with its pointer, `/query/<name>`).' },
  401: { name: 'Unauthorized', description: 'No valid credentials: send `Authorization: Bearer <token>`.' },
  403: { name: 'Forbidden', description: 'Not allowed for your role.' },
  404: { name: 'NotFound', description: 'No such resource.' },
  409: { name: 'Conflict', description: 'Not allowed in the current state (the detail says why), or an Idempotency-Key reused. Nothing changed.' },
  413: { name: 'ContentTooLarge', description: 'The request body is larger than the endpoint takes.' },
  422: { name: 'UnprocessableContent', description: 'Invalid fields: each listed in `errors` with its JSON pointer. Nothing changed.' },
  503: { name: 'ServiceUnavailable', description: 'A backing service is not reachable, or the workflow did not confirm in time; retry with the same Idempotency-Key.' },
};

/** The problems an operation answers: the shared response, or one saying what the status means here. */
export function problems(statuses: readonly ErrorStatus[], notes: Partial<Record<ErrorStatus, string>> = {}) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      notes[status]
        ? { description: notes[status]!, content: { 'application/problem+json': { schema: ProblemSchema } } }
        : { $ref: `#/components/responses/${PROBLEM_RESPONSES[status].name}` },
    ]),
  ) as Record<ErrorStatus, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } } | { $ref: string }>;
}

/** The problems of a POST with a JSON body on a thing named in the path. */
export const BODY_ERRORS = [400, 401, 403, 404, 409, 422, 503] as const;

// ---- Request parts --------------------------------------------------------------------------------

/** A JSON request body (read by readJson, validated by its schema, documented under the schema's id). */
export function jsonBody<S extends z.ZodType>(schema: S, example?: unknown) {
  return { required: true, content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } } } as const;
}

/** A JSON success response. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/**
 * A path parameter: documented, not refused by schema (a handler answers 404 for an id that names
 * nothing, as the API always has).
 */
export const pathParam = (description: string, format?: 'uuid') => z.string().meta({ description, ...(format ? { format } : {}) });

export const complaintIdParam = z.object({ id: pathParam('The complaint ID (a UUID, from filing).', 'uuid') });

/**
 * The Idempotency-Key header. Documented 1 to 200 characters; filing checks that itself (422 with
 * `/header/idempotency-key`), an action hands the key to Temporal as the update ID.
 */
export const idempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .optional()
    .meta({
      param: { description: 'Makes a retried request apply once: the same key gives the same result. 1 to 200 characters.' },
      minLength: 1,
      maxLength: 200,
    }),
});
