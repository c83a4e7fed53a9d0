/**
 * Errors as RFC 9457 problem details: a machine-readable `type`, a `title`, the HTTP `status`,
 * a `detail` for people and, for bad input, every wrong field with its JSON pointer.
 * Messages never repeat the submitted values: they may be personal data.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export interface FieldError {
  /** JSON pointer into the request body (or `/query/<name>`, `/header/<name>`). */
  pointer: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

const PROBLEM_BASE = 'https://complaint-desk.dev/problems/';

export const problemTypes = {
  validation: 'validation-failed',
  malformedJson: 'malformed-json',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  notFound: 'not-found',
  illegalTransition: 'illegal-transition',
  idempotencyConflict: 'idempotency-key-reused',
  unavailable: 'service-unavailable',
  internal: 'internal-error',
} as const;

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  kind: keyof typeof problemTypes,
  title: string,
  detail: string,
  errors?: FieldError[],
  extensions: Record<string, unknown> = {},
) {
  const body: Problem = { type: PROBLEM_BASE + problemTypes[kind], title, status, detail, ...(errors ? { errors } : {}), ...extensions };
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' });
}

export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    // Unknown keys are reported on their parent; point at each key itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ pointer: toPointer(prefix, [...path, key]), message: 'unknown field' }));
    }
    return [{ pointer: toPointer(prefix, path), message: issue.message }];
  }).flat();
}

function toPointer(prefix: string, path: string[]): string {
  return prefix + '/' + path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}
